// Several files, each its own import: "Build all" builds every file in turn, and "Download
// every file" offers what was built as one ZIP archive, which holds each file as its own link
// offers it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './guard.mjs';
import { zipEntries, zipFile } from './zip.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');

test('Build all builds every file, and Download every file gives one archive of all of them', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles([
    join(fixtures, 'clean-utf8.csv'),
    join(fixtures, 'every-defect.csv'),
  ]);
  await expect(page.getByTestId('file-summary')).toHaveCount(2);
  await page.getByTestId('step-4package').click();
  const all = page.getByTestId('all-files');
  await expect(all).toContainText('0 of 2 files built.');
  await expect(page.getByTestId('download-all')).toBeDisabled();
  await page.getByTestId('build-all').click();
  await expect(all).toContainText('2 of 2 files built.');
  await expect(page.getByTestId('build-all')).toBeDisabled();
  await page.getByTestId('download-all').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-archive').click(),
  ]);
  const path = await download.path();
  const archive = readFileSync(path);
  // A sound archive for any unzip tool.
  expect(execFileSync('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())', path], { encoding: 'utf8' }).trim()).toBe('None');
  const names = zipEntries(archive).sort();
  expect(names).toEqual(expect.arrayContaining([
    'clean-utf8.zip',
    'clean-utf8-findings.csv',
    'every-defect.zip',
    'every-defect-rejected.csv',
    'every-defect-findings.csv',
  ]));
  // Each file is the one its own link offers.
  await page.getByTestId('file-select').selectOption({ label: 'every-defect.csv' });
  const [single] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download every-defect.zip' }).click(),
  ]);
  expect(Buffer.compare(zipFile(archive, 'every-defect.zip'), readFileSync(await single.path()))).toBe(0);
});
