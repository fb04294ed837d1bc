// Text in Rich Text Format: without the rtf2plain converter its codes are reported; with it,
// chosen for one column or for every text column, the checks judge and the package holds the
// text alone, and the mapping file names the converter.
import { readFileSync } from 'node:fs';
import { test, expect } from './guard.mjs';
import { zipFile } from './zip.mjs';

const NOTE = String.raw`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Call {\b back}\par Tuesday\par}`;
const COMPANY = String.raw`{\rtf1\ansi\ansicpg1252 Caf\'e9 Roy}`;
const CSV = [
  'First Name,Last Name,Email,Company,Notes',
  `Zoe,Lee,zoe@example.com,"${COMPANY}","${NOTE}"`,
  'Marc,Roy,marc@example.org,Plain Co,plain note',
  '',
].join('\r\n');

function row(page, header) {
  return page.getByTestId('column-row').filter({ has: page.getByRole('rowheader', { name: header, exact: true }) });
}

async function rtfFindings(page) {
  await page.getByTestId('filter-rule').selectOption('rtf-codes');
  return page.getByTestId('finding-row');
}

test('formatting codes are reported, then removed for the checks and the package', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
  await expect(page.getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors');

  // Without the converter: both RTF values are reported, with what to do.
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  const found = await rtfFindings(page);
  await expect(found).toHaveCount(2);
  await expect(found.first()).toContainText('Company holds formatted text (RTF)');
  await expect(found.first()).toContainText('Remove formatting (rtf2plain)');
  await expect(found.nth(1)).toContainText('Column “Notes” holds formatted text (RTF)');

  // One column's converter: only the other column is still reported.
  await page.getByRole('button', { name: 'Back' }).click();
  await row(page, 'Notes').getByLabel('Remove formatting (rtf2plain) from Notes').check();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(await rtfFindings(page)).toHaveCount(1);
  await expect((await rtfFindings(page)).first()).toContainText('Company holds');

  // Every text column: nothing left to report, and the columns show it.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByTestId('rtf-every-choice').check();
  await expect(row(page, 'Company').getByTestId('rtf2plain')).toBeChecked();
  await expect(row(page, 'Notes').getByTestId('rtf2plain')).toBeChecked();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  // No such finding left: the problem list does not offer it.
  await expect(page.getByTestId('filter-rule').locator('option[value="rtf-codes"]')).toHaveCount(0);

  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('2 leads packed, 0 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download notes.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipFile(bytes, 'notes.csv').toString('utf8')).toBe(
    'First Name,Last Name,Email Address,Company,Notes\r\n' +
      'Zoe,Lee,zoe@example.com,Café Roy,"Call back\nTuesday"\r\n' +
      'Marc,Roy,marc@example.org,Plain Co,plain note\r\n',
  );
  const xml = zipFile(bytes, 'notes_mappings.xml').toString('utf8');
  expect(xml.match(/<textConverter name="rtf2plain"\/>/g)).toHaveLength(5);

  // Off for every column again: the codes are reported again.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByTestId('rtf-every-choice').uncheck();
  await expect(row(page, 'Notes').getByTestId('rtf2plain')).not.toBeChecked();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await expect(await rtfFindings(page)).toHaveCount(2);
});
