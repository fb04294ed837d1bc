// Every file of the hostile corpus (tests/fixtures/hostile/), and the big hostile inputs the
// native tests generate, loaded in the page: the user sees what is wrong, where, and what to do
// (or the file's counts, notes and findings), and a good file chosen next still works.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { test, expect } from './guard.mjs';

const corpus = join(process.cwd(), 'tests', 'fixtures', 'hostile');
const clean = join(process.cwd(), 'tests', 'fixtures', 'clean-utf8.csv');

/** Files that cannot be used: the exact message shown in place of the file's counts. */
const refused = {
  'empty.csv': 'empty.csv is empty: it has no header row and no leads. Choose the file that holds your leads.',
  'bom-only.csv':
    'bom-only.csv holds only blank lines: there is no header row and no leads. Choose the file that holds your leads.',
  'blank-lines-only.csv':
    'blank-lines-only.csv holds only blank lines: there is no header row and no leads. Choose the file that holds your leads.',
  'header-only.csv':
    'header-only.csv has column names in row 1 but no leads below them. Add the leads under the column names, or choose the file that holds them.',
  'header-open-quote.csv':
    'header-open-quote.csv: row 1, the column names, opens a quote (") in column 2 that is not closed on that row, so the rows below would be read as one long column name and no lead would be found. Remove the stray quote from row 1, or close it, and save the file again.',
  'png-image.csv':
    'png-image.csv is not a CSV file: it looks like a PNG image. Choose the CSV file that holds your leads.',
  'sector-circle.xls':
    'sector-circle.xls: this looks like an Excel 97–2003 workbook (.xls) but it cannot be read (its sector chains are broken): it may be damaged or only partly copied. Open it in Excel or LibreOffice and save it again, or save the sheet as CSV UTF-8.',
  'nul-bytes.csv':
    'nul-bytes.csv is not a text file: it contains NUL bytes (the first at byte 153). Export the leads again as CSV (comma- or semicolon-separated text).',
  'not-a-package.zip':
    'not-a-package.zip: this ZIP archive has no fileMappings.xml, so it is not an import package. Unpack it and choose the CSV files.',
  'not-a-zip.zip':
    'not-a-zip.zip: this is not a ZIP archive, so it cannot be an import package. Choose the CSV file instead.',
  'package-parent-path.zip':
    'package-parent-path.zip: the package names a file “../evil.csv” with a folder or an unsafe name; Leadpack does not open it. Make the package again, or choose the CSV files it was made from.',
  'package-absolute-path.zip':
    'package-absolute-path.zip: the package names a file “/etc/passwd” with a folder or an unsafe name; Leadpack does not open it. Make the package again, or choose the CSV files it was made from.',
  'package-listed-twice.zip':
    'package-listed-twice.zip: the package lists “leads.csv” twice. Make the package again, or choose the CSV files it was made from.',
  'zip-bomb.zip':
    'zip-bomb.zip: “leads.csv” would expand to 150000000 bytes from 145803: Leadpack does not open archives that expand this much (past 100 MB at more than 200 times, or past 1 GB in all). Choose the CSV files the package was made from instead.',
  'zip-bomb-lying-size.zip':
    'zip-bomb-lying-size.zip: “leads.csv” is damaged: it does not expand as the package says, so Leadpack stopped reading it. Make the package again, or choose the CSV files it was made from.',
};

/**
 * Files that are read: the counts shown, the notes about the whole file, and findings that must
 * be listed in the review ([row, text]) out of `findings` in all.
 */
const read = {
  // A workbook named .csv is read as the workbook it is.
  'workbook.csv': {
    summary: '1 lead: 1 ready, 0 with errors',
    notes: ['Read from the sheet “Leads” of an Excel workbook (.xlsx), as Excel shows its cells: numbers in full, dates as yyyy-MM-dd.'],
    findings: 0,
  },
  'separator-line.csv': {
    summary: '2 leads: 2 ready, 0 with errors',
    notes: ['The first line, “sep=;”, tells spreadsheets which character separates the columns. Leadpack followed it too and read the column names from the line below it, which is row 1 here as in a spreadsheet.'],
    findings: 0,
  },
  'utf16le-no-bom.csv': {
    summary: '3 leads: 3 ready, 0 with errors',
    notes: ['Read as UTF-16LE although the file has no byte order mark, because its bytes follow that pattern.'],
    encoding: 'utf-16le',
    findings: 0,
  },
  'invalid-utf8.csv': {
    summary: '4 leads: 4 ready, 0 with errors',
    notes: [
      'Read as UTF-8, because its accented letters are UTF-8, although 1 row(s) hold bytes that are not valid UTF-8, probably pasted from a file in another encoding: Leadpack read those bytes as Windows-1252, and the finding on each such row shows what they became. Correct those rows in your file and save it as CSV UTF-8.',
    ],
    encoding: 'utf-8',
    findings: 1,
    shown: [[4, 'First Name (“Renée”) has a byte that is not valid UTF-8, probably pasted from a file in another encoding. Read as Windows-1252 it is “é”, and the package holds the value so.']],
  },
  'utf8-with-windows-1252-rows.csv': {
    summary: '8 leads: 8 ready, 0 with errors',
    notes: [
      'Read as UTF-8, because its accented letters are UTF-8, although 5 row(s) hold bytes that are not valid UTF-8, probably pasted from a file in another encoding: Leadpack read those bytes as Windows-1252, and the finding on each such row shows what they became. Correct those rows in your file and save it as CSV UTF-8.',
    ],
    encoding: 'utf-8',
    findings: 5,
    shown: [
      [3, 'First Name (“Hélène”) has bytes that are not valid UTF-8'],
      [5, 'First Name (“Jürgen”), Last Name (“Müller”) and Company (“Müller & Söhne”) have bytes that are not valid UTF-8, probably pasted from a file in another encoding. Read as Windows-1252 they are “ü” and “ö”, and the package holds the values so.'],
      [9, 'Read as Windows-1252 they are “ë” and “é”'],
    ],
    samples: ['Hélène', 'Zoë', 'Müller & Söhne'],
  },
  'mac-roman.csv': {
    summary: '5 leads: 5 ready, 0 with errors',
    notes: [
      "Read as Mac Roman (the encoding of Excel for Mac and other older Mac programs) because the file is not valid UTF-8 and its accented letters read best in Mac Roman: for example “Café”, which Windows-1252 would read as “CafŽ”. If accented letters look wrong, choose the file's encoding.",
    ],
    encoding: 'macintosh',
    findings: 0,
    samples: ['Zoë', 'Jürgen', 'Müller & Söhne'],
  },
  'iso-8859-15.csv': {
    summary: '4 leads: 4 ready, 0 with errors',
    notes: [
      "Read as ISO-8859-15 (Latin-9, written by older Linux and Unix programs) because the file is not valid UTF-8 and its accented letters read best in ISO-8859-15: for example “Lebœuf”, which Windows-1252 would read as “Leb½uf”. If accented letters look wrong, choose the file's encoding.",
    ],
    encoding: 'iso-8859-15',
    findings: 0,
    samples: ['Šárka', 'Žáková', 'Œuvre & Cie'],
  },
  'unterminated-quote.csv': {
    summary: '2 leads: 1 ready, 1 with errors',
    findings: 1,
    shown: [[3, 'A quote (") opened in this row is never closed, so everything from there to the end of the file was read as one value. Close the quote or remove it.']],
  },
  'mixed-line-endings.csv': {
    summary: '5 leads: 4 ready, 1 with errors',
    findings: 1,
    shown: [[6, 'Last Name is empty. The CRM rejects a lead without a last name: fill it in.']],
  },
  'duplicate-headers.csv': {
    summary: '2 leads: 2 ready, 0 with errors',
    findings: 3,
    shown: [[1, 'Column “Email” looks like Email Address, which is already taken by column “Email”, so it is not imported as Email Address.']],
  },
  'unknown-header.csv': {
    summary: '2 leads: 2 ready, 0 with errors',
    findings: 0,
    mapped: [['Favourite Colour', 'user']],
  },
  'only-unmapped-columns.csv': {
    summary: '3 leads: 0 ready, 3 with errors',
    findings: 12,
    shown: [
      [1, 'No column is matched to First Name, which every lead needs. Map the column that holds it to First Name, or add one.'],
      [1, 'No column is matched to Email Address or Phone, and every lead needs one of them.'],
      [2, 'First Name is empty.'],
    ],
  },
  'xml-special.csv': {
    summary: '3 leads: 3 ready, 0 with errors',
    findings: 1,
    shown: [[3, 'First Name contains a control character at the end: invisible characters that make searching and matching fail. Remove them.']],
    // Markup in values is shown as text, never run.
    samples: ['<script>alert(1)</script>', 'Smith & Sons "Ltd"'],
  },
  'formula-values.csv': {
    summary: '4 leads: 4 ready, 0 with errors',
    findings: 5,
    shown: [
      [2, 'First Name starts with “=”, so a spreadsheet would run it as a formula. Remove the sign, or check that the value is what you meant.'],
      [3, 'Last Name starts with “+”'],
    ],
  },
};

/** The row of the file list that shows the file `name`. */
function fileRow(page, name) {
  return page.getByTestId('file-row').filter({ has: page.getByText(name, { exact: true }) });
}

async function choose(page, file) {
  await page.getByLabel('Choose files').setInputFiles(file);
}

/** Loads the clean file beside what is listed, checks it is read in full, and clears the list. */
async function cleanFileStillWorks(page) {
  await choose(page, clean);
  await expect(fileRow(page, 'clean-utf8.csv').getByTestId('file-summary')).toHaveText('25 leads: 25 ready, 0 with errors');
  const remove = page.getByRole('button', { name: /^Remove / });
  for (let count = await remove.count(); count > 0; count -= 1) {
    await remove.first().click();
    await expect(page.getByTestId('file-row')).toHaveCount(count - 1);
  }
}

/** Opens the review of the file shown and checks its findings, then goes back to the list. */
async function reviewShows(page, count, shown = []) {
  await page.getByTestId('step-3review').click();
  await page.getByTestId('tab-findings').click();
  await expect(page.getByTestId('findings-count')).toHaveText(count === 0 ? 'No findings to show.' : `Findings 1–${count} of ${count}`);
  const rows = await page.getByTestId('finding-row').allInnerTexts();
  for (const [row, text] of shown) {
    const found = rows.some((shownRow) => shownRow.startsWith(`${row}\t`) && shownRow.includes(text));
    expect(found, `row ${row}: ${text}\nnot among the findings shown:\n${rows.join('\n')}`).toBe(true);
  }
  await page.getByTestId('step-1load').click();
}

test('the hostile corpus is covered by this test, file by file', () => {
  const files = readdirSync(corpus).filter((name) => name !== 'README.md').sort();
  expect(files).toEqual([...Object.keys(refused), ...Object.keys(read)].sort());
});

test('each unusable file of the hostile corpus says what is wrong and what to do; the next file still works', async ({ page }) => {
  await page.goto('./');
  for (const [name, message] of Object.entries(refused)) {
    await test.step(name, async () => {
      await choose(page, join(corpus, name));
      const row = fileRow(page, name);
      await expect(row.getByTestId('file-error')).toHaveText(message);
      await expect(row.getByRole('alert')).toBeVisible();
      await expect(row.getByTestId('file-summary')).toHaveCount(0);
      if (name.endsWith('.zip') || name.endsWith('.xls')) {
        // A package or a workbook that cannot be opened has no reading settings to change or
        // check again.
        await expect(row.getByTestId('encoding-select')).toHaveCount(0);
        await expect(row.getByTestId('check-again')).toHaveCount(0);
      } else {
        await expect(row.getByTestId('check-again')).toBeVisible();
      }
      // Nothing to map, review or pack from it alone.
      await expect(page.getByTestId('to-map')).toHaveCount(0);
      await cleanFileStillWorks(page);
    });
  }
});

test('each readable file of the hostile corpus shows its counts, notes and findings; the next file still works', async ({ page }) => {
  await page.goto('./');
  for (const [name, expected] of Object.entries(read)) {
    await test.step(name, async () => {
      await choose(page, join(corpus, name));
      const row = fileRow(page, name);
      await expect(row.getByTestId('file-summary')).toHaveText(expected.summary);
      await expect(row.getByTestId('file-note')).toHaveText(expected.notes ?? []);
      if (expected.encoding) await expect(row.getByTestId('encoding-select')).toHaveValue(expected.encoding);
      await reviewShows(page, expected.findings, expected.shown);
      if (expected.mapped || expected.samples) {
        await page.getByTestId('step-2mapcolumns').click();
        const table = page.getByTestId('mapping-table');
        for (const [header, target] of expected.mapped ?? []) {
          const column = table.getByTestId('column-row').filter({ has: page.getByText(header, { exact: true }) });
          await expect(column.getByTestId('column-target')).toHaveValue(target);
        }
        for (const sample of expected.samples ?? []) {
          await expect(table.locator('td.samples', { hasText: sample })).toBeVisible();
        }
        await expect(table.locator('script, b')).toHaveCount(0);
        await page.getByTestId('step-1load').click();
      }
      await cleanFileStillWorks(page);
    });
  }
});

// The big inputs of the hostile tests (crates/engine/tests/shared.rs), generated here as there (they are not committed).

const FIFTY_MB = 50_000_000;
const HEADER = 'ID,First Name,Last Name,Email Address,Phone,Market Segment,Sales Concept,Company,Position,Zip Code';

function scratch() {
  return mkdtempSync(join(tmpdir(), 'leadpack-hostile-'));
}

function bigValueFile(dir, column) {
  const big = 'x'.repeat(FIFTY_MB);
  const first = column === 'Company' ? `B1,Ann,Lee,ann@example.com,,${big},note` : `B1,Ann,Lee,ann@example.com,,Acme,${big}`;
  const path = join(dir, `big-${column.toLowerCase()}.csv`);
  writeFileSync(path, `ID,First Name,Last Name,Email Address,Phone,Company,Notes\n${first}\nB2,Bob,Stone,bob@example.com,,Acme,short note\n`);
  return path;
}

/** `count` distinct, valid leads, numbered from `first` (as crates/engine/tests/shared.rs writes them). */
function distinctLeads(first, count) {
  const lines = [];
  for (let i = first; i < first + count; i += 1) {
    const exchange = String(Math.floor(i / 10_000) % 1000).padStart(3, '0');
    const line = String(i % 10_000).padStart(4, '0');
    lines.push(`G${i},Zoë${i},Whitfield${i},zoe${i}@example.com,+1 416 ${exchange} ${line},,,,,\n`);
  }
  return lines.join('');
}

test('a 50 MB value in a lead field is cut, with a short message naming its row', async ({ page }) => {
  const path = bigValueFile(scratch(), 'Company');
  await page.goto('./');
  await choose(page, path);
  await expect(fileRow(page, 'big-company.csv').getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors', {
    timeout: 30_000,
  });
  await reviewShows(page, 1, [[2, 'Company is 50000000 characters long; the CRM keeps at most 60 and cuts off “xxx']]);
  await page.getByTestId('step-3review').click();
  await page.getByTestId('tab-findings').click();
  const finding = page.getByTestId('finding-row');
  await expect(finding.locator('.kept')).toHaveText('x'.repeat(60));
  // The page quotes the start of the value, not 50 MB of it.
  expect((await finding.innerText()).length).toBeLessThan(5_000);
  await page.getByTestId('step-1load').click();
  await cleanFileStillWorks(page);
});

test('a 50 MB value in an extra column does not stop the leads from being packed', async ({ page }) => {
  const path = bigValueFile(scratch(), 'Notes');
  await page.goto('./');
  await choose(page, path);
  await expect(fileRow(page, 'big-notes.csv').getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors', {
    timeout: 30_000,
  });
  await page.getByTestId('step-4package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toHaveText('2 leads packed, 0 left out.', { timeout: 30_000 });
  await expect(page.getByRole('link', { name: 'Download big-notes.zip' })).toBeVisible();
  await page.getByTestId('step-1load').click();
  await cleanFileStillWorks(page);
});

test('a header of 100,000 columns is read and its leads counted', async ({ page }) => {
  // Matching 100,000 headers takes a while: allow slow machines more than the usual minute.
  test.setTimeout(120_000);
  const header = ['First Name', 'Last Name', 'Email Address'];
  const ann = ['Ann', 'Lee', 'ann@example.com'];
  const bob = ['Bob', 'Stone', 'bob@example.com'];
  for (let i = 4; i <= 100_000; i += 1) {
    header.push(`C${i}`);
    ann.push(`a${i}`);
    bob.push('');
  }
  const path = join(scratch(), 'wide.csv');
  writeFileSync(path, `${header.join(',')}\n${ann.join(',')}\n${bob.join(',')}\n`);
  await page.goto('./');
  await choose(page, path);
  await expect(fileRow(page, 'wide.csv').getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors', {
    timeout: 90_000,
  });
  await cleanFileStillWorks(page);
});

test('a NUL byte or a stray byte after the first MiB is named by its row, and the other leads are kept', async ({ page }) => {
  const dir = scratch();
  const leads = distinctLeads(2, 25_000);
  const lateNul = join(dir, 'late-nul.csv');
  writeFileSync(
    lateNul,
    Buffer.concat([
      Buffer.from(`ID,First Name,Last Name,Email Address,Phone\n${leads.replaceAll(',,,,,\n', '\n')}`),
      Buffer.from('N1,Ren\0e,Martin,renee@example.fr,+33 1 23 45 67 89\n', 'latin1'),
    ]),
  );
  const lateInvalid = join(dir, 'late-invalid.csv');
  writeFileSync(
    lateInvalid,
    Buffer.concat([
      Buffer.from(`${HEADER}\n${leads}`),
      Buffer.from('V3,Ren\xE9e,Martin,renee@example.fr,+33 1 23 45 67 89,,,,,\n', 'latin1'),
      Buffer.from('V4,Søren,Kierkegaard,soren@example.dk,+45 33 12 34 56,,,,,\n'),
    ]),
  );

  await page.goto('./');
  await choose(page, lateNul);
  await expect(fileRow(page, 'late-nul.csv').getByTestId('file-summary')).toHaveText('25001 leads: 25001 ready, 0 with errors');
  await reviewShows(page, 1, [[25002, 'First Name contains a control character in the middle']]);
  await cleanFileStillWorks(page);

  await choose(page, lateInvalid);
  const row = fileRow(page, 'late-invalid.csv');
  await expect(row.getByTestId('file-summary')).toHaveText('25002 leads: 25002 ready, 0 with errors');
  await expect(row.getByTestId('encoding-select')).toHaveValue('utf-8');
  await reviewShows(page, 1, [[25002, 'First Name (“Renée”) has a byte that is not valid UTF-8']]);
  await cleanFileStillWorks(page);
});

/** The mapping step's samples of the file shown include each of `samples`. */
async function samplesShow(page, samples) {
  await page.getByTestId('step-2mapcolumns').click();
  const table = page.getByTestId('mapping-table');
  for (const sample of samples) {
    await expect(table.locator('td.samples', { hasText: sample })).toBeVisible();
  }
  await page.getByTestId('step-1load').click();
}

test('a Mac Roman file is read as Mac Roman; an encoding chosen in the list is used as chosen, with nothing guessed', async ({ page }) => {
  await page.goto('./');
  await choose(page, join(corpus, 'mac-roman.csv'));
  const row = fileRow(page, 'mac-roman.csv');
  const select = row.getByTestId('encoding-select');
  await expect(row.getByTestId('file-summary')).toHaveText('5 leads: 5 ready, 0 with errors');
  await expect(select).toHaveValue('macintosh');
  await expect(select.locator('option:checked')).toHaveText('Mac Roman (older Mac programs)');
  await expect(row.getByTestId('file-note')).toHaveText([/^Read as Mac Roman .* for example “Café”, which Windows-1252 would read as “CafŽ”/]);

  await select.selectOption('windows-1252');
  await expect(select).toHaveValue('windows-1252');
  await expect(row.getByTestId('file-summary')).toHaveText('5 leads: 5 ready, 0 with errors');
  await expect(row.getByTestId('file-note')).toHaveCount(0);
  await samplesShow(page, ['MŸller & Sšhne', 'JŸrgen']);

  await select.selectOption('macintosh');
  await expect(row.getByTestId('file-note')).toHaveCount(0);
  await samplesShow(page, ['Müller & Söhne', 'Jürgen']);
  await cleanFileStillWorks(page);
});

test('a guess in doubt names the other encoding and where to choose it; choosing it reads the file so', async ({ page }) => {
  // One lead written in Mac Roman: “Jörg Müller” (ö is 0x9A, ü 0x9F).
  const path = join(scratch(), 'one-mac-lead.csv');
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from(`${HEADER}\nL1,J`),
      Buffer.from([0x9a]),
      Buffer.from('rg,M'),
      Buffer.from([0x9f]),
      Buffer.from('ller,jorg@example.de,,,,,,\n'),
    ]),
  );
  await page.goto('./');
  await choose(page, path);
  const row = fileRow(page, 'one-mac-lead.csv');
  const select = row.getByTestId('encoding-select');
  await expect(row.getByTestId('file-summary')).toHaveText('1 lead: 1 ready, 0 with errors');
  await expect(select).toHaveValue('macintosh');
  await expect(row.getByTestId('file-note')).toHaveText([
    "Read as Mac Roman (the encoding of Excel for Mac and other older Mac programs) because the file is not valid UTF-8, but too few of its letters tell Mac Roman and Windows-1252 apart to be sure: read as Mac Roman the file has “Müller”, read as Windows-1252 “MŸller”. If names look wrong, choose Windows-1252 as the file's encoding (in the Encoding list beside the file, or --encoding windows-1252 on the command line).",
  ]);
  // The list offers what the note names.
  await select.selectOption({ label: 'Windows-1252 (Excel, Western)' });
  await expect(select).toHaveValue('windows-1252');
  await expect(row.getByTestId('file-note')).toHaveCount(0);
  await samplesShow(page, ['Jšrg', 'MŸller']);
  await cleanFileStillWorks(page);
});

test('a header past the first megabyte is read whole, and one past 16 MB is refused with its own message', async ({ page }) => {
  const dir = scratch();
  // As crates/engine/tests/shared.rs writes it: long quoted names, then two leads.
  const names = ['First Name', 'Last Name', 'Email Address'];
  let header = names.join(',');
  while (header.length <= 1_300_000) {
    header += `,"Extra column number ${String(names.length + 1).padStart(7, '0')}, with a long name that takes about a hundred bytes"`;
    names.push('');
  }
  const blanks = ','.repeat(names.length - 3);
  const long = join(dir, 'long-header.csv');
  writeFileSync(long, `${header}\nAnn,Lee,ann@example.com${blanks}\nBob,Ray,bob@example.com${blanks}\n`);
  const endless = join(dir, 'endless.csv');
  writeFileSync(endless, `First Name,Last Name,${'x'.repeat(16_000_100)}`);
  await page.goto('./');
  await choose(page, long);
  await expect(fileRow(page, 'long-header.csv').getByTestId('file-summary')).toHaveText('2 leads: 2 ready, 0 with errors', {
    timeout: 60_000,
  });
  await choose(page, endless);
  await expect(fileRow(page, 'endless.csv').getByTestId('file-error')).toHaveText(
    "endless.csv: row 1, which should hold the column names, runs on for more than 16.0 MB without a line break. A lead file's first row holds a few dozen names. Check that this is the file of leads, saved as CSV with one row per line.",
    { timeout: 30_000 },
  );
  await cleanFileStillWorks(page);
});

test('a formula behind a non-breaking space, in a user field, is found and made plain text on request', async ({ page }) => {
  const dir = scratch();
  const path = join(dir, 'notes-formulas.csv');
  writeFileSync(
    path,
    'First Name,Last Name,Email Address,Notes\n' +
      '\u00a0=1+1,Lee,ann@example.com,fine\n' +
      'Bob,Ray,bob@example.com, =2+2\n' +
      'Cy,Poe,cy@example.com,\u00a0@cmd\u00a0\n',
  );
  await page.goto('./');
  await choose(page, path);
  await expect(fileRow(page, 'notes-formulas.csv').getByTestId('file-summary')).toHaveText('3 leads: 3 ready, 0 with errors');
  await reviewShows(page, 4, [
    [2, 'First Name starts with “=”, so a spreadsheet would run it as a formula.'],
    [3, 'Column “Notes” starts with “=”, so a spreadsheet would run it as a formula.'],
    [4, 'Column “Notes” starts with “@”'],
  ]);
  await page.getByTestId('step-3review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByRole('button', { name: 'Make formulas in every column plain text (3)' }).click();
  await expect(page.getByTestId('corrections')).toContainText('3 correction');
  // The values are trimmed as they are made text, so nothing is reported any more.
  await expect(page.getByTestId('finding-row').filter({ hasText: 'starts with' })).toHaveCount(0);
  await page.getByTestId('step-1load').click();
  await cleanFileStillWorks(page);
});

/** A lead file of at least `bytes` bytes, as crates/engine/tests/shared.rs writes it: valid leads with
 * their own name and email and the same long note. Returns the file and its number of leads. */
function compressibleLeads(bytes) {
  const note = 'Met at the spring fair; wants a call back about the premium plan. '.repeat(6);
  const lines = ['First Name,Last Name,Email Address,Company,Notes\r\n'];
  let size = lines[0].length;
  let leads = 0;
  while (size < bytes) {
    leads += 1;
    const line = `Ann,Lee${leads},ann.lee${leads}@example.com,Acme,${note}\r\n`;
    lines.push(line);
    size += line.length;
  }
  return [Buffer.from(lines.join('')), leads];
}

/** A ZIP archive of `entries` (name and bytes, in this order), each deflated. */
function zipArchive(entries) {
  const parts = [];
  const directory = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name);
    const packed = deflateRawSync(data);
    // The fields the local header and the directory share: version, flags (UTF-8 names),
    // DEFLATE, time and date (1 January 1980), checksum, sizes, length of the name, no extra.
    const shared = Buffer.alloc(26);
    shared.writeUInt16LE(20, 0);
    shared.writeUInt16LE(0x0800, 2);
    shared.writeUInt16LE(8, 4);
    shared.writeUInt16LE(0, 6);
    shared.writeUInt16LE(0x21, 8);
    shared.writeUInt32LE(crc32(data), 10);
    shared.writeUInt32LE(packed.length, 14);
    shared.writeUInt32LE(data.length, 18);
    shared.writeUInt16LE(nameBytes.length, 22);
    shared.writeUInt16LE(0, 24);
    const local = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), shared, nameBytes, packed]);
    // No comment, disk 0, no attributes, then where the local header is.
    const tail = Buffer.alloc(14);
    tail.writeUInt32LE(offset, 10);
    directory.push(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02, 20, 0]), shared, tail, nameBytes]));
    parts.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, central, end]);
}

test('a package of several CSV files, one of 40 MB, loads each as a file of its own with every lead counted', async ({ page }) => {
  test.setTimeout(120_000);
  const [big, bigLeads] = compressibleLeads(40_000_000);
  const [small, smallLeads] = compressibleLeads(20_000);
  const names = ['leads-01.csv', 'leads-02.csv', 'leads-03.csv'];
  const listed = names.map((name) => `<file name="${name}" category="All"/>`).join('');
  const path = join(scratch(), 'several.zip');
  writeFileSync(
    path,
    zipArchive([
      ['fileMappings.xml', Buffer.from(`<mapping encodingType="UTF-8">${listed}</mapping>`)],
      [names[0], small],
      [names[1], big],
      [names[2], small],
    ]),
  );
  await page.goto('./');
  await choose(page, path);
  await expect(page.getByTestId('file-row')).toHaveCount(3, { timeout: 30_000 });
  for (const [name, leads] of [
    [names[0], smallLeads],
    [names[1], bigLeads],
    [names[2], smallLeads],
  ]) {
    const row = fileRow(page, name);
    await expect(row.getByTestId('file-summary')).toHaveText(`${leads} leads: ${leads} ready, 0 with errors`, { timeout: 60_000 });
    await expect(row.getByTestId('encoding-select')).toHaveValue('utf-8');
  }
  await cleanFileStillWorks(page);
});
