// Workbooks in the page: a dropped workbook is read from its first sheet with values, another
// sheet can be chosen, its findings are those of the CSV of the sheet, and its package is the
// command-line tool's, byte for byte.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './guard.mjs';
import { leadpack } from './cli.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');
const book = join(fixtures, 'fair.xlsx');

/** The rows and texts of every finding the review lists. */
async function findings(page) {
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  const rows = page.getByTestId('finding-row');
  await expect(rows.first()).toBeVisible();
  const texts = await rows.allInnerTexts();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  return texts;
}

test('a workbook is read from its sheet, and another sheet can be chosen', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(book);
  const row = page.getByTestId('file-row');
  await expect(row.getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
  await expect(row.getByTestId('sheet-select')).toHaveValue('Leads');
  await expect(row.getByTestId('file-note').first()).toHaveText(
    'Read from the sheet “Leads” of an Excel workbook (.xlsx), as Excel shows its cells: numbers in full, dates as yyyy-MM-dd.',
  );
  await expect(row.getByTestId('file-note').filter({ hasText: 'formula error (the first in H6)' })).toHaveCount(1);
  await expect(row.getByTestId('file-note').filter({ hasText: 'Rows 1 to 2 are above the column names (row 3)' })).toHaveCount(1);
  // The workbook's sheet is read as it is: no encoding or delimiter to choose.
  await expect(row.getByTestId('encoding-select')).toHaveCount(0);

  await row.getByTestId('sheet-select').selectOption('Notes');
  await expect(row.getByTestId('file-error')).toHaveText(
    'fair.xlsx: the sheet “Notes” is empty: there are no leads in it. Choose another sheet (“Notes”, “Leads”).',
  );
  await row.getByTestId('sheet-select').selectOption('Leads');
  await expect(row.getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
});

test('a workbook gives the findings of the CSV of its sheet, and the package of the command-line tool', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'leadpack-workbook-'));
  // The CSV of the sheet, as the command line reads it.
  const csv = join(dir, 'fair.csv');
  writeFileSync(csv, leadpackSheet());
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(csv);
  await expect(page.getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
  const fromCsv = await findings(page);
  await page.getByRole('button', { name: 'Remove fair.csv' }).click();

  await page.getByLabel('Choose files').setInputFiles(book);
  await expect(page.getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
  const fromBook = await findings(page);
  expect(fromBook).toEqual(fromCsv);
  expect(fromBook.some((text) => text.includes('neither an email address nor a phone number'))).toBe(true);

  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('3 leads packed, 2 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download fair.zip' }).click(),
  ]);
  const fromPage = readFileSync(await download.path());
  const out = join(dir, 'out');
  try {
    leadpack(['pack', book, '--out', out]);
  } catch (error) {
    // Exit 1: leads were left out, as in the page.
    if (error.status !== 1) throw error;
  }
  expect(fromPage.equals(readFileSync(join(out, 'fair.zip')))).toBe(true);
});

/** The sheet's CSV text as Leadpack reads it: the workbook checked by the command line. */
function leadpackSheet() {
  // The engine's tests hold the same text (LEADS_WORKBOOK_CSV); written out here so the page
  // reads it as a plain CSV file.
  return [
    'Leads from the spring fair,,,,,,,,',
    '',
    'ID,First Name,Last Name,Email,Phone,Zip Code,Met on,Score,VIP',
    'L1,Zoë,Lee,zoe@example.com,4165550199,01234,2024-02-02,10,TRUE',
    'L2,Marc,Tremblay,marc@example.org,447901234567,02134,2024-02-03,20,FALSE',
    'L3,Anne,Roy,anne@example.com,5145550123,,2024-02-04,#DIV/0!,TRUE',
    'L4,Jean,Dupont,,,,2024-02-05,40,FALSE',
    'L1,Paul,Martin,paul@example.com,6135550100,,2024-02-06,50,TRUE',
    '',
  ].join('\r\n');
}

test('a damaged workbook says what to do, and a workbook joins an import of CSV files', async ({ page }) => {
  await page.goto('./');
  const whole = readFileSync(book);
  await page.getByLabel('Choose files').setInputFiles({
    name: 'cut.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: whole.subarray(0, Math.floor(whole.length / 2)),
  });
  await expect(page.getByTestId('file-error')).toHaveText(
    'cut.xlsx: this is neither a workbook Leadpack can read (.xlsx, .xlsm, .xlsb, .xls or .ods) nor CSV text: it may be damaged or only partly copied. If it is a workbook, open it in Excel or LibreOffice and save it again, or use File > Save As > CSV UTF-8 and choose the CSV file.',
  );
  await page.getByRole('button', { name: 'Remove cut.xlsx' }).click();

  // A workbook and a CSV file as one import, each checked after the files before it.
  await page.getByLabel('Choose files').setInputFiles([book, join(fixtures, 'clean-utf8.csv')]);
  await expect(page.getByTestId('file-summary')).toHaveCount(2);
  await page.getByLabel(/One import for all files/).check();
  const rows = page.getByTestId('file-row');
  await expect(rows.filter({ hasText: 'fair.xlsx' }).getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
  await expect(rows.filter({ hasText: 'clean-utf8.csv' }).getByTestId('file-summary')).toBeVisible();
});
