// Categories and custom fields in the mapping step: a column of dates becomes a custom field
// with the format its values fit, a format that reads none is said so with the formats that do,
// yes/no values are set to True or False, and the package holds them in one form.
import { readFileSync } from 'node:fs';
import { test, expect } from './guard.mjs';
import { zipFile } from './zip.mjs';

const CSV = [
  'First Name,Last Name,Email,Birthday,VIP,Interest',
  'Zoë,Lee,zoe@example.com,25/12/1980,Y,Golf',
  'Marc,Tremblay,marc@example.org,31/02/1975,N,Sailing',
  'Anne,Roy,anne@example.com,01/03/1990,maybe,Golf',
  'Raj,Patel,raj@example.com,14/07/1985,Y,Chess',
  '',
].join('\r\n');

function row(page, header) {
  return page.getByTestId('column-row').filter({ has: page.getByRole('rowheader', { name: header, exact: true }) });
}

test('custom fields and categories are chosen, checked and packed in one form', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({
    name: 'club.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();

  // Birthday: a custom field of dates, read in the format its values fit.
  const birthday = row(page, 'Birthday');
  await birthday.getByTestId('column-target').selectOption('custom:date');
  await expect(birthday.getByLabel('Format')).toHaveValue('dd/MM/yyyy');
  await expect(birthday.getByRole('status')).toHaveText(
    '1 of the first 4 values are not dates in the format dd/MM/yyyy: those leads are not imported until they are corrected.',
  );
  await birthday.getByLabel('Format').fill('yyyy-MM-dd');
  await birthday.getByLabel('Format').press('Enter');
  await expect(birthday.getByRole('status')).toContainText(
    'No value of this column is a date in the format yyyy-MM-dd. Formats that fit: dd/MM/yyyy',
  );
  // A format that is no date format is refused with what to write, and the last one stays.
  await birthday.getByLabel('Format').fill('jj/MM/aaaa');
  await birthday.getByLabel('Format').press('Enter');
  await expect(page.getByTestId('banner')).toContainText('The date format “jj/MM/aaaa” has the letter “j”, which is not a date letter');
  await birthday.getByLabel('Format').fill('dd/MM/yyyy');
  await birthday.getByLabel('Format').press('Enter');
  await expect(birthday.getByLabel('Format')).toHaveValue('dd/MM/yyyy');

  // VIP: every distinct value with its count, each set to True or False; the ones set to
  // neither are named.
  const vip = row(page, 'VIP');
  await vip.getByTestId('column-target').selectOption('custom:boolean');
  await expect(vip.getByTestId('boolean-value')).toHaveText([/^Y \(2\)/, /^N \(1\)/, /^maybe \(1\)/]);
  await expect(vip.getByRole('status')).toContainText('Not yet set to True or False: Y, N, maybe.');
  await vip.getByLabel('Y (2)').selectOption('true');
  await expect(vip.getByLabel('True', { exact: true })).toHaveValue('Y');
  await vip.getByLabel('N (1)').selectOption('false');
  await expect(vip.getByRole('status')).toContainText('Not yet set to True or False: maybe.');
  // The lists can be typed too.
  await vip.getByLabel('False', { exact: true }).fill('N, no');
  await vip.getByLabel('False', { exact: true }).press('Enter');
  await expect(vip.getByLabel('N (1)')).toHaveValue('false');

  // Interest: a category, its type named after the column.
  const interest = row(page, 'Interest');
  await interest.getByTestId('column-target').selectOption('category');
  await expect(interest.getByLabel('Type')).toHaveValue('Interest');

  // 31/02 is no date, and "maybe" neither True nor False: two leads with errors.
  await page.getByTestId('to-review').click();
  await expect(page.getByTestId('card-errors')).toContainText('2');
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('2 leads packed, 2 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download club.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipFile(bytes, 'club.csv').toString('utf8')).toBe(
    'First Name,Last Name,Email Address,Birthday,VIP,Interest\r\n' +
      'Zoë,Lee,zoe@example.com,1980-12-25,true,Golf\r\n' +
      'Raj,Patel,raj@example.com,1985-07-14,true,Chess\r\n',
  );
  const mapping = zipFile(bytes, 'club_mappings.xml').toString('utf8');
  expect(mapping).toContain('<entry source="Interest" attribute="Value" type="Interest"/>');
  expect(mapping).toContain('<entry source="Birthday" attribute="Value" name="Birthday" type="date">');
  expect(mapping).toContain('<dateConverter format="yyyy-MM-dd"/>');
  expect(mapping).toContain('<booleanConverter>');
});

test('a category lists its values, each mapped to the value the CRM knows', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({ name: 'club.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();
  const interest = row(page, 'Interest');
  await interest.getByTestId('column-target').selectOption('category');
  await expect(interest.getByTestId('category-value')).toHaveText([/^Golf \(2\) becomes/, /^Sailing \(1\) becomes/, /^Chess \(1\) becomes/]);
  await interest.getByLabel('Golf (2) becomes').fill('Golfing');
  await interest.getByLabel('Golf (2) becomes').press('Enter');
  await expect(interest.getByLabel('Golf (2) becomes')).toHaveValue('Golfing');
  // The other columns: not imported, so only names, emails and interests are packed.
  for (const header of ['Birthday', 'VIP']) {
    await row(page, header).getByTestId('column-target').selectOption('skip');
  }
  await page.getByTestId('to-review').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download club.zip' }).click(),
  ]);
  const csv = zipFile(readFileSync(await download.path()), 'club.csv').toString('utf8');
  expect(csv.split('\r\n').map((line) => line.split(',').pop())).toEqual(['Interest', 'Golfing', 'Sailing', 'Golfing', 'Chess', '']);
});

test('an address takes another column, as the Data Mapping Tool copies a row', async ({ page }) => {
  const csv = ['First Name,Last Name,Email,Business Address Line 1,Business City,Notes', 'Ann,Lee,ann@example.com,1 Main St,Toronto,VIP', ''].join('\r\n');
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({ name: 'addr.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();
  await row(page, 'Business City').getByTestId('column-target').selectOption('skip');
  const address = page.getByTestId('entry-address');
  await expect(address).toContainText('Address (Business): street ← Business Address Line 1');
  await address.getByLabel('Add a column to this address').selectOption({ label: 'Business City' });
  await expect(address).toContainText('Address (Business): street ← Business Address Line 1, city ← Business City');
  await expect(page.getByTestId('entry')).toHaveText(['User field ← Notes']);
  await page.getByTestId('to-review').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download addr.zip' }).click(),
  ]);
  const mapping = zipFile(readFileSync(await download.path()), 'addr_mappings.xml').toString('utf8');
  expect(mapping).toContain('<part source="Business Address Line 1" attribute="address1"/>');
  expect(mapping).toContain('<part source="Business City" attribute="city"/>');
});
