// Null converters in the mapping step: a value for the empty cells of one column, or of every
// column, is judged by the checks and written into the package as the CRM will see it.
import { readFileSync } from 'node:fs';
import { test, expect } from './guard.mjs';
import { zipFile } from './zip.mjs';

const CSV = ['First Name,Last Name,Email,Company', ',Lee,zoe@example.com,Acme', 'Marc,Roy,marc@example.org,', ''].join('\r\n');

function row(page, header) {
  return page.getByTestId('column-row').filter({ has: page.getByRole('rowheader', { name: header, exact: true }) });
}

test('a value for empty cells fills them for the checks and the package', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({ name: 'club.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
  await expect(page.getByTestId('file-summary')).toHaveText('2 leads: 1 ready, 1 with errors');
  await page.getByTestId('to-map').click();

  // One column's own value: the lead without a first name is no longer left out.
  await row(page, 'First Name').getByLabel('Value for the empty cells of First Name').fill('Unknown');
  await row(page, 'First Name').getByLabel('Value for the empty cells of First Name').press('Enter');
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors');
  await page.getByTestId('to-map').click();

  // A value for every column shows in the columns without their own, and the own one wins.
  await page.getByTestId('null-every-value').fill('n/a');
  await page.getByTestId('null-apply').click();
  await expect(row(page, 'Company').getByTestId('null-value')).toHaveAttribute('placeholder', 'n/a');
  await expect(row(page, 'First Name').getByTestId('null-value')).toHaveValue('Unknown');

  await page.getByTestId('to-review').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('2 leads packed, 0 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download club.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipFile(bytes, 'club.csv').toString('utf8')).toBe(
    'First Name,Last Name,Email Address,Company\r\nUnknown,Lee,zoe@example.com,Acme\r\nMarc,Roy,marc@example.org,n/a\r\n',
  );
  expect(zipFile(bytes, 'club_mappings.xml').toString('utf8')).toContain('<nullConverter value="Unknown"/>');

  // Erased from every column: the empty cells are empty again.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByTestId('null-erase').click();
  await expect(row(page, 'First Name').getByTestId('null-value')).toHaveValue('');
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByTestId('file-summary')).toHaveText('2 leads: 1 ready, 1 with errors');
});
