// The whole flow in the built app: load, map, review, package, download; and the downloaded
// package equals the command-line tool's for the same file and options.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli.mjs';
import { test, expect } from './guard.mjs';
import { lastRequest, recordJobs } from './jobs.mjs';
import { zipEntries, zipFile } from './zip.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');

async function load(page, name) {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(join(fixtures, name));
  await expect(page.getByTestId('file-summary')).toBeVisible();
}

test('a clean file goes from drop to download', async ({ page }) => {
  await recordJobs(page);
  await load(page, 'clean-utf8.csv');
  await expect(page.getByTestId('file-summary')).toHaveText('25 leads: 25 ready, 0 with errors');

  await page.getByTestId('to-map').click();
  await expect(page.getByTestId('column-row')).toHaveCount(10);
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(page.getByTestId('card-ready')).toContainText('25');
  await expect(page.getByTestId('findings-count')).toHaveText('No findings to show.');

  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('25 leads packed, 0 left out.');
  // The build told the page how it went: reading the file, reading the package back, then
  // handing the files over.
  const pack = await lastRequest(page, 'pack');
  const stages = await page.evaluate(
    (job) => window.__jobs.filter((m) => m.from === 'worker' && m.job === job && m.kind === 'progress').map((m) => m.stage),
    pack,
  );
  expect([...new Set(stages)], `${stages}`).toEqual(['packing', 'verifying', 'finishing']);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download clean-utf8.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipEntries(bytes).sort()).toEqual(['clean-utf8.csv', 'clean-utf8_mappings.xml', 'fileMappings.xml']);
  expect(bytes.length).toBeLessThan(10_000_000);
  const csv = zipFile(bytes, 'clean-utf8.csv').toString('utf8');
  expect(csv.trim().split('\r\n')).toHaveLength(26);
  expect(zipFile(bytes, 'fileMappings.xml').toString('utf8')).toContain('encodingType="UTF-8"');

  // Parity: the command-line tool writes the same bytes for the same file and options.
  const out = mkdtempSync(join(tmpdir(), 'leadpack-parity-'));
  execFileSync(cli, ['pack', join(fixtures, 'clean-utf8.csv'), '--out', out]);
  expect(readdirSync(out)).toContain('clean-utf8.zip');
  expect(Buffer.compare(readFileSync(join(out, 'clean-utf8.zip')), bytes)).toBe(0);
});

test('a file with every defect shows its findings and its rejected rows', async ({ page }) => {
  await load(page, 'every-defect.csv');
  await expect(page.getByTestId('file-summary')).toContainText('with errors');
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(page.getByTestId('card-errors')).toContainText('5');
  await page.getByTestId('filter-severity').selectOption('error');
  await expect(page.getByTestId('finding-row').first()).toContainText('error');
  await page.getByTestId('filter-rule').selectOption('too-long');
  await expect(page.getByTestId('finding-row')).toHaveCount(0);
  await page.getByTestId('filter-severity').selectOption('');
  await expect(page.getByTestId('finding-row')).toHaveCount(1);
  await expect(page.locator('.cut')).toHaveCount(1);

  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toContainText('left out');
  await expect(page.getByRole('link', { name: 'Download every-defect-rejected.csv' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Download every-defect-findings.csv' })).toBeVisible();
});

test('a Windows-1252 semicolon file is read with its encoding and delimiter', async ({ page }) => {
  await load(page, 'windows-1252-semicolon.csv');
  await expect(page.getByTestId('encoding-select')).toHaveValue('windows-1252');
  await expect(page.getByTestId('delimiter-select')).toHaveValue(';');
  await expect(page.getByTestId('file-summary')).toHaveText('20 leads: 20 ready, 0 with errors');
});

test('a file that is not CSV gets a clear message and the next file still works', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({
    name: 'leads.xlsx.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('PK\u0003\u0004rest of a workbook', 'latin1'),
  });
  await expect(page.getByTestId('file-error')).toContainText('Save As');
  await page.getByLabel('Choose files').setInputFiles(join(fixtures, 'clean-utf8.csv'));
  await expect(page.getByTestId('file-summary')).toBeVisible();
});

test('a cell fixed in the review is packed and listed in the change log', async ({ page }) => {
  await load(page, 'every-defect.csv');
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(page.getByTestId('card-errors')).toContainText('5');
  // Row 3 has no first name.
  const row = page.getByTestId('finding-row').filter({ hasText: 'First Name is empty' });
  await row.getByTestId('edit').click();
  await row.getByTestId('edit-input').fill('Chidi');
  await row.getByTestId('save-edit').click();
  await expect(page.getByTestId('card-errors')).toContainText('4');
  await expect(page.getByTestId('corrections')).toContainText('1 correction');

  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('14 leads packed, 4 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download every-defect-changes.csv' }).click(),
  ]);
  const log = readFileSync(await download.path(), 'utf8');
  expect(log).toContain('3,First Name,,Chidi,edited');
});

test('a column mapped differently is checked again with the new mapping', async ({ page }) => {
  await load(page, 'clean-utf8.csv');
  await page.getByTestId('to-map').click();
  const lastName = page.getByTestId('column-target').nth(2);
  await lastName.selectOption('skip');
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  // Without a last name column, every lead misses its last name.
  await expect(page.getByTestId('card-errors')).toContainText('25');
  await page.getByTestId('step-2mapcolumns').click();
  await page.getByTestId('column-target').nth(2).selectOption('field:lastName');
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(page.getByTestId('card-errors')).toContainText('0');
});

test('an Excel CSV UTF-8 file with unusual headers is matched and packed in Windows-1252', async ({ page }) => {
  await load(page, 'excel-utf8-bom.csv');
  await expect(page.getByTestId('encoding-select')).toHaveValue('utf-8');
  await page.getByTestId('to-map').click();
  // "Lead Ref" is the ID; "Given Name" the first name.
  await expect(page.getByTestId('column-target').nth(0)).toHaveValue('field:id');
  await expect(page.getByTestId('column-target').nth(1)).toHaveValue('field:firstName');
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('output-encoding').selectOption('windows-1252');
  await expect(page.getByTestId('encoding-note')).toBeVisible();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toContainText('20 leads packed');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download excel-utf8-bom.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipEntries(bytes)).toContain('fileMappings.xml');
  expect(bytes.length).toBeLessThan(10_000_000);
  // The CSV is really in Windows-1252, as fileMappings.xml declares: one byte per accented letter.
  expect(zipFile(bytes, 'fileMappings.xml').toString('utf8')).toContain('encodingType="CP-1252"');
  const csv = zipFile(bytes, 'excel-utf8-bom.csv');
  expect(csv.includes(Buffer.from([0xc3]))).toBe(false);
  const lines = new TextDecoder('windows-1252').decode(csv).trim().split('\r\n');
  expect(lines[0]).toBe('ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code');
  expect(lines.length).toBe(21);

  // The package opens again in the app, read in the encoding it declares.
  await page.getByTestId('step-1load').click();
  await page.getByLabel('Choose files').setInputFiles({ name: 'excel-utf8-bom.zip', mimeType: 'application/zip', buffer: bytes });
  await expect(page.getByTestId('file-row')).toHaveCount(2);
  await expect(page.getByTestId('file-row').nth(1)).toContainText('excel-utf8-bom.csv');
  await expect(page.getByTestId('encoding-select').nth(1)).toHaveValue('windows-1252');
  await expect(page.getByTestId('file-summary').nth(1)).toHaveText('20 leads: 20 ready, 0 with errors');
});

test('the whole flow makes no request outside the app, and none at all after loading', async ({ page, baseURL }) => {
  await load(page, 'every-defect.csv');
  const afterLoad = page.requests.length;
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toBeVisible();
  await Promise.all([page.waitForEvent('download'), page.getByTestId('download').first().click()]);
  for (const url of page.requests) {
    const own = url.startsWith(baseURL) || url.startsWith(`blob:${new URL(baseURL).origin}`) || url.startsWith('data:');
    expect(own, `${url} leaves the app`).toBe(true);
  }
  const later = page.requests.slice(afterLoad).filter((url) => !url.startsWith('blob:') && !url.startsWith('data:'));
  expect(later, 'requests after the app had loaded').toEqual([]);
});

test('a mapping saved as a template applies to the next file without further input', async ({ page }) => {
  await load(page, 'clean-utf8.csv');
  await page.getByTestId('to-map').click();
  // Company becomes a user field; the template remembers it.
  await page.getByTestId('column-target').nth(7).selectOption('user');
  await expect(page.getByTestId('column-target').nth(7)).toHaveValue('user');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-template').click()]);
  const saved = readFileSync(await download.path(), 'utf8');
  // Laid out for people to read, one property a line.
  expect(saved).toMatch(/^\{\n  "version": 1,\n  "columns": \[\n    \{\n      "header": /);
  const template = JSON.parse(saved);
  expect(template.version).toBe(1);
  expect(template.columns[7]).toEqual({ header: 'Company', target: 'user-field' });

  // A fresh page: the saved template maps the file as before.
  await load(page, 'clean-utf8.csv');
  await page.getByTestId('to-map').click();
  await expect(page.getByTestId('column-target').nth(7)).toHaveValue('field:company');
  await page.getByTestId('template-input').setInputFiles({
    name: 'template.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(template)),
  });
  await expect(page.getByTestId('column-target').nth(7)).toHaveValue('user');
});

/** Presses Tab until the element with this test id has the focus (at most 80 times). */
async function tabTo(page, testid) {
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.dataset?.testid ?? '');
    if (focused === testid) return;
  }
  throw new Error(`${testid} cannot be reached with the Tab key`);
}

test('the whole flow works with the keyboard alone', async ({ page }) => {
  await page.goto('./');
  // Waiting for the file chooser before tabbing: Playwright starts intercepting file choosers
  // when the first listener is added, and a key pressed at the same moment could open the
  // browser's own chooser instead.
  const chooser = page.waitForEvent('filechooser');
  await tabTo(page, 'file-input');
  await page.keyboard.press('Space');
  await (await chooser).setFiles(join(fixtures, 'clean-utf8.csv'));
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await tabTo(page, 'to-map');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('mapping-table')).toBeVisible();
  await tabTo(page, 'to-review');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('card-ready')).toContainText('25');
  await tabTo(page, 'to-package');
  await page.keyboard.press('Enter');
  await tabTo(page, 'build');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('pack-summary')).toHaveText('25 leads packed, 0 left out.');
  await tabTo(page, 'download');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toBe('clean-utf8.zip');
});

test('the review offers only the problems the file has, and a field of the chart shows its findings', async ({ page }) => {
  await load(page, 'every-defect.csv');
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  const problems = page.getByTestId('filter-rule').locator('option');
  await expect(problems.filter({ hasText: 'Missing first or last name' })).toHaveCount(1);
  // No custom field of dates, no formatted text: those problems are not offered.
  await expect(page.getByTestId('filter-rule').locator('option[value="invalid-date"]')).toHaveCount(0);
  await expect(page.getByTestId('filter-rule').locator('option[value="rtf-codes"]')).toHaveCount(0);

  await page.getByTestId('field-bar').filter({ hasText: 'First Name' }).click();
  await expect(page.getByTestId('filter-field')).toHaveValue('firstName');
  const fields = page.getByTestId('finding-row').locator('td:nth-child(2)');
  await expect(fields.first()).toHaveText('First Name');
  for (const text of await fields.allInnerTexts()) expect(text).toBe('First Name');
  await page.getByTestId('field-bar').filter({ hasText: 'Whole row' }).click();
  await expect(page.getByTestId('filter-field')).toHaveValue('row');
  await expect(page.getByTestId('finding-row').locator('td:nth-child(2)').first()).toHaveText('Whole row');
});
