// The web app writes the same bytes as the command-line tool: every file it offers for download
// has the SHA-256 that scripts/golden recorded for the same input and options in
// tests/golden/outputs.sha256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli.mjs';
import { test, expect } from './guard.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');

/** "case/file" → hash, from the recorded outputs. */
const golden = new Map(
  readFileSync(join(process.cwd(), 'tests', 'golden', 'outputs.sha256'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.includes(' exit='))
    .map((line) => line.split(' ')),
);

/** The generated input of scripts/golden, made the same way. */
function generatedExport() {
  const dir = mkdtempSync(join(tmpdir(), 'leadpack-golden-'));
  const file = join(dir, 'generated-export.csv');
  execFileSync(cli, ['generate', '--rows', '3000', '--seed', '11', '--delimiter', ';', '--header', 'export', '--out', file]);
  return file;
}

/** Builds the packages of one file with the given options; returns name → SHA-256 of every download. */
async function build(page, file, { encoding, limitMb, simpleCsv }) {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(file);
  await expect(page.getByTestId('file-summary')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('step-4package').click();
  if (encoding) await page.getByTestId('output-encoding').selectOption(encoding);
  if (limitMb) {
    const box = page.getByTestId('size-limit');
    await box.fill(String(limitMb));
    await box.blur();
  }
  if (simpleCsv) await page.getByTestId('simple-csv').check();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toBeVisible({ timeout: 30_000 });
  // Each file as the user downloads it (the page's Content-Security-Policy lets no script
  // read the blobs back).
  const hashes = new Map();
  const links = page.getByTestId('download');
  for (let i = 0; i < (await links.count()); i += 1) {
    const [download] = await Promise.all([page.waitForEvent('download'), links.nth(i).click()]);
    const bytes = readFileSync(await download.path());
    hashes.set(download.suggestedFilename(), createHash('sha256').update(bytes).digest('hex'));
  }
  return hashes;
}

const cases = [
  // [input, golden case, options]
  ['clean-utf8.csv', 'pack-utf8', { simpleCsv: true }],
  ['every-defect.csv', 'pack-utf8', { simpleCsv: true }],
  ['excel-utf8-bom.csv', 'pack-1252', { encoding: 'windows-1252', simpleCsv: true }],
  ['windows-1252-semicolon.csv', 'pack-1252', { encoding: 'windows-1252', simpleCsv: true }],
  ['every-defect.csv', 'pack-split-1252', { encoding: 'windows-1252', limitMb: 0.0025 }],
  ['clean-utf8.csv', 'pack-split-utf8', { limitMb: 0.0025 }],
  ['generated-export.csv', 'pack-split-100k', { limitMb: 0.1 }],
];

for (const [input, name, options] of cases) {
  test(`${input}, ${name}: the page's downloads are byte-identical to the command-line tool's`, async ({ page }) => {
    const path = input.startsWith('generated') ? generatedExport() : join(fixtures, input);
    const stem = input.replace(/\.csv$/, '');
    const downloads = await build(page, path, options);
    expect(downloads.size).toBeGreaterThan(0);
    expect([...downloads.keys()].some((file) => file.endsWith('.zip'))).toBe(true);
    for (const [file, hash] of downloads) {
      const key = `${stem}/${name}/${file}`;
      expect(golden.has(key), `${key} is among the recorded outputs`).toBe(true);
      expect(hash, key).toBe(golden.get(key));
    }
  });
}
