// Several files as one import: the user chooses it, the files are checked together (an ID of
// another file is reported with that file and row), and one build gives packages that list
// every file, byte for byte as `leadpack pack --together` writes them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './guard.mjs';
import { leadpack } from './cli.mjs';
import { zipEntries, zipFile } from './zip.mjs';

const A = ['ID,First Name,Last Name,Email Address', '1,Ann,Lee,ann@example.com', '2,Bo,Ng,bo@example.com', ''].join('\r\n');
// Another delimiter and encoding: each file is read its own way.
const B = Buffer.from(
  ['ID;First Name;Last Name;Email Address', '3;Zo\xeb;Oh;zoe@example.com', '1;Dee;Ma;dee@example.com', ''].join('\r\n'),
  'latin1',
);

test('two files become one import, checked together and packed together as the command line does', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles([
    { name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(A, 'utf8') },
    { name: 'contacts.csv', mimeType: 'text/csv', buffer: B },
  ]);
  await expect(page.getByTestId('file-summary')).toHaveCount(2);
  // Each file alone: no duplicate.
  await expect(page.getByTestId('file-summary')).toHaveText(['2 leads: 2 ready, 0 with errors', '2 leads: 2 ready, 0 with errors']);

  await page.getByLabel(/One import for all files/).check();
  // Checked again together: the second file's ID 1 is the first file's.
  await expect(page.getByTestId('file-summary')).toHaveText(['2 leads: 2 ready, 0 with errors', '2 leads: 1 ready, 1 with errors']);

  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('file-select').selectOption({ label: 'contacts.csv' });
  await expect(page.getByTestId('finding-row')).toHaveCount(1);
  await expect(page.getByTestId('finding-row')).toContainText(
    'ID “1” is already used by row 2 of accounts.csv, another file of this import.',
  );

  await page.getByTestId('to-package').click();
  await expect(page.getByTestId('import-files')).toContainText('accounts.csv, contacts.csv');
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('3 leads packed, 1 left out.');
  await expect(page.getByTestId('downloads').locator('.file-name')).toHaveText([
    'import.zip',
    'contacts-rejected.csv',
    'findings.csv',
  ]);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download import.zip' }).click(),
  ]);
  const bytes = readFileSync(await download.path());
  expect(zipEntries(bytes)).toEqual([
    'fileMappings.xml',
    'accounts_mappings.xml',
    'accounts.csv',
    'contacts_mappings.xml',
    'contacts.csv',
  ]);
  expect(zipFile(bytes, 'contacts.csv').toString('utf8')).toBe('ID,First Name,Last Name,Email Address\r\n3,Zoë,Oh,zoe@example.com\r\n');

  // The command-line tool makes the same bytes from the same files.
  const dir = mkdtempSync(join(tmpdir(), 'leadpack-together-'));
  writeFileSync(join(dir, 'accounts.csv'), A, 'utf8');
  writeFileSync(join(dir, 'contacts.csv'), B);
  try {
    leadpack(['pack', '--together', join(dir, 'accounts.csv'), join(dir, 'contacts.csv'), '--out', join(dir, 'out')]);
  } catch (error) {
    // Exit code 1: a row was left out, as in the page.
    expect(error.status).toBe(1);
  }
  expect(readFileSync(join(dir, 'out', 'import.zip')).equals(bytes)).toBe(true);

  // Back to one import per file: each file is checked alone again.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByLabel(/One import per file/).check();
  await expect(page.getByTestId('file-summary')).toHaveText(['2 leads: 2 ready, 0 with errors', '2 leads: 2 ready, 0 with errors']);
});

test('the mapping of several files is saved as one file of templates, each found again by its file', async ({ page }, testInfo) => {
  // Two layouts: the contacts have a phone column too.
  const contacts = ['ID,First Name,Last Name,Email Address,Phone', '3,,Oh,zoe@example.com,', ''].join('\r\n');
  const files = [
    { name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(A, 'utf8') },
    { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(contacts, 'utf8') },
  ];
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(files);
  await expect(page.getByTestId('file-summary')).toHaveCount(2);
  await page.getByTestId('to-map').click();
  await page.getByTestId('file-select').selectOption({ label: 'contacts.csv' });
  const firstName = page.getByLabel('Value for the empty cells of First Name');
  await firstName.fill('Unknown');
  await firstName.press('Enter');
  await expect(page.getByTestId('save-template')).toHaveText('Save the mapping of all 2 files as templates');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-template').click()]);
  expect(download.suggestedFilename()).toBe('templates.json');
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(saved.files.map((f) => f.file)).toEqual(['accounts.csv', 'contacts.csv']);
  const path = testInfo.outputPath('templates.json');
  writeFileSync(path, JSON.stringify(saved));

  // A fresh page, the same files under other names: each file finds its template by its columns.
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles([
    { ...files[0], name: 'accounts-march.csv' },
    { ...files[1], name: 'contacts-march.csv' },
  ]);
  await expect(page.getByTestId('file-summary')).toHaveCount(2);
  await page.getByTestId('to-map').click();
  await page.getByTestId('template-input').setInputFiles(path);
  await page.getByTestId('file-select').selectOption({ label: 'contacts-march.csv' });
  await expect(page.getByLabel('Value for the empty cells of First Name')).toHaveValue('Unknown');
  await page.getByTestId('file-select').selectOption({ label: 'accounts-march.csv' });
  await expect(page.getByLabel('Value for the empty cells of First Name')).toHaveValue('');
});

test('each file has its type of data, All or a category its package names', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles([
    { name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(A, 'utf8') },
    { name: 'contacts.csv', mimeType: 'text/csv', buffer: B },
  ]);
  await page.getByLabel(/One import for all files/).check();
  await expect(page.getByTestId('file-summary')).toHaveText(['2 leads: 2 ready, 0 with errors', '2 leads: 1 ready, 1 with errors']);
  await page.getByTestId('to-map').click();
  await page.getByTestId('file-select').selectOption({ label: 'contacts.csv' });
  await expect(page.getByLabel('Type of data in this file')).toHaveValue('All');
  await expect(page.getByTestId('category-note')).toContainText('the right choice for a file of whole leads');
  await page.getByLabel('Type of data in this file').selectOption('other');
  await expect(page.getByTestId('category-note')).toContainText('as your CRM\'s import definition file names it');
  await page.getByLabel('Category name').fill('Contacts');
  await page.getByLabel('Category name').press('Enter');
  await expect(page.getByLabel('Category name')).toHaveValue('Contacts');
  await page.getByTestId('to-review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('3 leads packed, 1 left out.');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download import.zip' }).click(),
  ]);
  const list = zipFile(readFileSync(await download.path()), 'fileMappings.xml').toString('utf8');
  expect(list).toContain('<file name="accounts.csv" mappingFile="accounts_mappings.xml" category="All"/>');
  expect(list).toContain('<file name="contacts.csv" mappingFile="contacts_mappings.xml" category="Contacts"/>');
});
