// A package build that is cancelled, fails half-way, or no longer matches the file or its options
// offers nothing to download: only the files of a build that finished for the current settings
// are ever offered.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generated } from './cli.mjs';
import { test, expect } from './guard.mjs';
import { ended, lastRequest, recordJobs } from './jobs.mjs';

const clean = join(process.cwd(), 'tests', 'fixtures', 'clean-utf8.csv');

async function load(page, file, summary) {
  await page.getByLabel('Choose files').setInputFiles(file);
  await expect(page.getByTestId('file-summary')).toContainText(summary, { timeout: 30_000 });
}

/** Sets the package size limit (in MB), as a user types it and leaves the box. */
async function setLimit(page, megabytes) {
  const box = page.getByTestId('size-limit');
  await box.fill(String(megabytes));
  await box.blur();
}

test.beforeEach(async ({ page }) => {
  await recordJobs(page);
  await page.goto('./');
});

test('a cancelled package build offers nothing, and the file can be built again', async ({ page }) => {
  const leads = generated(200_000, 1);
  await load(page, leads, '200000 leads');
  await page.getByTestId('step-4package').click();

  // Cancelled as soon as the build shows its progress, so the click reaches the worker before
  // the build ends even on a busy machine.
  await page.getByTestId('build').click();
  await expect(page.getByTestId('progress')).toContainText(/Building… \d+%/);
  const job = await lastRequest(page, 'pack');
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('pack-cancelled')).toHaveText(
    'Building was cancelled, so no package was made. Choose “Build package” to build it again.',
  );
  await expect(page.getByTestId('progress')).toHaveCount(0);
  // The worker stops the build between two slices of the file, and says so.
  expect(await ended(page, job)).toBe('cancelled');
  await expect(page.getByTestId('download')).toHaveCount(0);
  await expect(page.getByTestId('pack-summary')).toHaveCount(0);
  await expect(page.getByTestId('pack-cancelled')).toBeVisible();

  // Built again, the package is offered, once.
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText(/^\d+ leads packed, \d+ left out\.$/, { timeout: 45_000 });
  await expect(page.getByRole('link', { name: 'Download leads-200000-seed-1.zip' })).toHaveCount(1);
  await expect(page.getByTestId('pack-cancelled')).toHaveCount(0);
});

test('a build overtaken by new options offers nothing, and a finished package is withdrawn when the file or the options change', async ({
  page,
}) => {
  const leads = generated(200_000, 1);
  await load(page, leads, '200000 leads');
  await page.getByTestId('step-4package').click();

  // Options changed while the package is built: that build is dropped.
  await page.getByTestId('build').click();
  await expect(page.getByTestId('progress')).toContainText(/Building… \d+%/);
  const job = await lastRequest(page, 'pack');
  await page.getByTestId('include-invalid').check();
  await expect(page.getByTestId('progress')).toHaveCount(0);
  await expect(page.getByTestId('build')).toBeVisible();
  expect(['cancelled', 'packed']).toContain(await ended(page, job));
  await expect(page.getByTestId('download')).toHaveCount(0);
  await expect(page.getByTestId('pack-summary')).toHaveCount(0);

  // A finished package disappears when an option changes ...
  await page.getByTestId('step-1load').click();
  await page.getByRole('button', { name: 'Remove leads-200000-seed-1.csv' }).click();
  await load(page, clean, '25 leads: 25 ready, 0 with errors');
  await page.getByTestId('step-4package').click();
  await page.getByTestId('build').click();
  await expect(page.getByRole('link', { name: 'Download clean-utf8.zip' })).toBeVisible();
  await setLimit(page, 5);
  await expect(page.getByTestId('download')).toHaveCount(0);
  await expect(page.getByTestId('build')).toBeVisible();

  // ... and when the file is read differently (here, with another delimiter).
  await page.getByTestId('build').click();
  await expect(page.getByRole('link', { name: 'Download clean-utf8.zip' })).toBeVisible();
  await page.getByTestId('step-1load').click();
  await page.getByTestId('delimiter-select').selectOption(';');
  await expect(page.getByTestId('file-summary')).toHaveText('25 leads: 0 ready, 25 with errors');
  await page.getByTestId('step-4package').click();
  await expect(page.getByTestId('build')).toBeVisible();
  await expect(page.getByTestId('download')).toHaveCount(0);
});

test('an error half-way through a build offers none of the packages made before it', async ({ page }) => {
  // 3,000 leads; row 1502 holds 20,000 random characters, more than a 10 KB package can hold
  // even compressed, while the rows before it already fill a package of that size.
  const lines = ['First Name,Last Name,Email Address,Notes'];
  for (let i = 2; i <= 3001; i += 1) {
    const notes = i === 1502 ? randomBytes(15_000).toString('base64') : `called on day ${i % 28}`;
    lines.push(`Ann${i},Lee${i},ann${i}@example.com,${notes}`);
  }
  const path = join(mkdtempSync(join(tmpdir(), 'leadpack-oversized-')), 'oversized-row.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  await load(page, path, '3000 leads: 3000 ready, 0 with errors');
  await page.getByTestId('step-4package').click();

  // Below the usual 10 MB limit the row fits: a package is offered.
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('3000 leads packed, 0 left out.');
  await expect(page.getByRole('link', { name: 'Download oversized-row.zip' })).toBeVisible();

  // At 0.01 MB it cannot fit, even alone: the build fails after a first package was made.
  await setLimit(page, 0.01);
  await expect(page.getByTestId('download')).toHaveCount(0);
  await page.getByTestId('build').click();
  const job = await lastRequest(page, 'pack');
  await expect(page.getByTestId('pack-error')).toHaveText(
    'Row 1502 is too large to fit in a package below 10000 bytes, even alone and compressed. Shorten its values (or leave out the column that holds them).',
  );
  await expect(page.getByRole('alert')).toContainText('No package was made, so there is nothing to download.');
  expect(await ended(page, job)).toBe('failed');
  await expect(page.getByTestId('download')).toHaveCount(0);
  await expect(page.getByTestId('pack-summary')).toHaveCount(0);

  // Following the advice (the Notes column left out), the file packs at that limit.
  await page.getByTestId('step-2mapcolumns').click();
  await page.getByTestId('column-row').filter({ hasText: 'Notes' }).getByTestId('column-target').selectOption('skip');
  await page.getByTestId('step-4package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('3000 leads packed, 0 left out.');
  await expect(page.getByTestId('download').first()).toBeVisible();
  await expect(page.getByTestId('pack-error')).toHaveCount(0);
});

test('a file changed on disk during a build stops it with a clear message, and nothing is offered', async ({ page }) => {
  const path = join(mkdtempSync(join(tmpdir(), 'leadpack-changing-')), 'changing.csv');
  // A million leads: the build takes long enough for the file to change while it runs.
  copyFileSync(generated(1_000_000, 7), path);
  await load(page, path, '1000000 leads');
  await page.getByTestId('step-4package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('progress')).toContainText(/Building… \d+%/, { timeout: 30_000 });
  const job = await lastRequest(page, 'pack');
  // Saved again from elsewhere while Leadpack reads it.
  writeFileSync(path, 'First Name,Last Name,Email Address\nAnn,Lee,ann@example.com\n');
  await expect(page.getByTestId('pack-error')).toHaveText(
    'changing.csv could not be read: it was probably changed, moved or deleted after you chose it. Choose it again.',
  );
  expect(await ended(page, job)).toBe('failed');
  await expect(page.getByTestId('download')).toHaveCount(0);

  // Chosen again, the file as it is now is read and packed.
  await page.getByTestId('step-1load').click();
  await page.getByRole('button', { name: 'Remove changing.csv' }).click();
  await load(page, path, '1 lead: 1 ready, 0 with errors');
  await page.getByTestId('step-4package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('1 lead packed, 0 left out.');
});
