// Characters in the page: a too-long value previewed as the CRM will keep it (counted in UTF-16
// units, cut only between whole characters) and packed exactly so; characters Windows-1252 or
// ISO-8859-1 cannot hold, counted once wherever the page shows the count, and replaced by the
// nearest the encoding holds.
import { readFileSync } from 'node:fs';
import { test, expect } from './guard.mjs';
import { zipFile } from './zip.mjs';

/** Loads a file made here, and waits until it is checked. */
async function loadText(page, name, text, summary) {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
  await expect(page.getByTestId('file-summary')).toHaveText(summary);
}

/** Builds the package of the file shown and returns the rows of its CSV, decoded as `encoding`. */
async function buildRows(page, stem, encoding) {
  await page.getByTestId('build').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: `Download ${stem}.zip` }).click(),
  ]);
  const csv = zipFile(readFileSync(await download.path()), `${stem}.csv`);
  return parseCsv(encoding === 'utf-8' ? new TextDecoder('utf-8', { fatal: true }).decode(csv) : windows1252(csv));
}

/** Windows-1252's letters for the bytes 0x80 to 0x9F (the others are Latin-1's), decoded here: Node's
 * own decoder may read them as Latin-1's invisible controls. The five undefined bytes fail the test. */
const CP1252_HIGH = '€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ';

function windows1252(bytes) {
  let text = '';
  for (const byte of bytes) {
    if (byte >= 0x80 && byte <= 0x9f) {
      const letter = CP1252_HIGH[byte - 0x80];
      if (letter === '\0') throw new Error(`byte 0x${byte.toString(16)} is not a Windows-1252 letter`);
      text += letter;
    } else {
      text += String.fromCharCode(byte);
    }
  }
  return text;
}

/** The records of CSV text (quotes doubled inside quoted values; no line break in a value here). */
function parseCsv(text) {
  return text
    .trimEnd()
    .split('\r\n')
    .map((line) => {
      const values = [];
      let at = 0;
      while (at <= line.length) {
        if (line[at] === '"') {
          let value = '';
          at += 1;
          while (at < line.length) {
            if (line[at] === '"' && line[at + 1] === '"') {
              value += '"';
              at += 2;
            } else if (line[at] === '"') {
              at += 1;
              break;
            } else {
              value += line[at];
              at += 1;
            }
          }
          values.push(value);
          at += 1;
        } else {
          const end = line.indexOf(',', at) === -1 ? line.length : line.indexOf(',', at);
          values.push(line.slice(at, end));
          at = end + 1;
        }
      }
      return values;
    });
}

const E_ACUTE = 'e\u0301';
const FLAGS = '🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱🇧🇪';
const FAMILY = '👩\u200D👩\u200D👧';

test('a too-long value is previewed and packed as the CRM keeps it, never cut inside a character', async ({ page }) => {
  // First names of at most 25 units: what the CRM keeps of each.
  const leads = [
    [E_ACUTE.repeat(25), E_ACUTE.repeat(12)],
    [FLAGS, '🇫🇷🇩🇪🇮🇹🇪🇸🇵🇹🇳🇱'],
    [`${'x'.repeat(24)}😀`, 'x'.repeat(24)],
    [`${'x'.repeat(20)}${FAMILY}`, 'x'.repeat(20)],
    [`${'x'.repeat(22)}👍🏽`, 'x'.repeat(22)],
    // Exactly 25 units: kept whole.
    [`${'😀'.repeat(12)}x`, `${'😀'.repeat(12)}x`],
  ];
  const text = ['ID,First Name,Last Name,Email Address']
    .concat(leads.map(([first], i) => `${i + 1},${first},Lee,a${i}@example.com`))
    .join('\n');
  await loadText(page, 'lengths.csv', `${text}\n`, '6 leads: 6 ready, 0 with errors');

  await page.getByTestId('step-3review').click();
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('filter-rule').selectOption('too-long');
  await expect(page.getByTestId('findings-count')).toHaveText('Findings 1–5 of 5');
  const rows = page.getByTestId('finding-row');
  for (const [index, [first, kept]] of leads.slice(0, 5).entries()) {
    const row = rows.nth(index);
    await expect(row.locator('td').first()).toHaveText(String(index + 2));
    await expect(row.locator('.kept')).toHaveText(kept);
    await expect(row.locator('.cut')).toHaveText(first.slice(kept.length));
  }
  await expect(rows.nth(0)).toContainText(
    'First Name is 50 characters long as the CRM counts them (an accent stored apart from its letter counts as one more); the CRM keeps at most 25',
  );
  await expect(rows.nth(2)).toContainText('First Name is 26 characters long as the CRM counts them (an emoji counts as two)');

  await page.getByTestId('step-4package').click();
  const csv = await buildRows(page, 'lengths', 'utf-8');
  expect(csv[0][1]).toBe('First Name');
  expect(csv.slice(1).map((row) => row[1])).toEqual(leads.map(([, kept]) => kept));
});

// Values with characters Windows-1252 cannot hold: in leads that are packed (rows 2, 3 and 6),
// in a lead with errors (row 4, no first name: it goes to the rejected rows), and in the part of
// a value the CRM cuts off (row 5). Only the first kind is counted, everywhere.
const HOSTILE = [
  'ID,First Name,Last Name,Email Address,Company',
  '1,Łukasz,Đorđević,a1@example.com,“Œuvre” – Straße…',
  '2,İlker,Işık Ağaoğlu,a2@example.com,Øresund Æble Þing',
  '3,,Şahin,a3@example.com,Łódź',
  `4,${'x'.repeat(25)}Ł,Lee,a4@example.com,Acme`,
  '5,Жанна,王伟,a5@example.com,Acme 👍🏽',
].join('\n');

for (const [label, title, count, company] of [
  ['windows-1252', 'Windows-1252', 7, '“Œuvre” – Straße…'],
  ['iso-8859-1', 'ISO-8859-1', 8, '"Oeuvre" - Straße...'],
]) {
  test(`characters ${title} cannot hold are counted once and replaced by the nearest it holds`, async ({ page }) => {
    await loadText(page, 'names.csv', `${HOSTILE}\n`, '5 leads: 4 ready, 1 with errors');
    await page.getByTestId('step-4package').click();
    await page.getByTestId('output-encoding').selectOption(label);
    const note = `${count} value(s) to be packed have characters ${title} cannot hold (see Review).`;
    await expect(page.getByTestId('encoding-note')).toHaveText(note);

    // The refused build gives the same count.
    await page.getByTestId('build').click();
    await expect(page.getByTestId('pack-error')).toContainText(
      `${count} value(s) to be packed have characters ${title} cannot hold, so nothing was written:`,
    );
    await expect(page.getByTestId('pack-error')).toContainText('row 2: “Łukasz” has “Ł”');

    // And so does the review.
    await page.getByTestId('step-3review').click();
    await page.getByTestId('tab-findings').click();
    await page.getByTestId('filter-rule').selectOption('unrepresentable');
    await expect(page.getByTestId('findings-count')).toHaveText(`Findings 1–${count} of ${count}`);
    await expect(page.getByTestId('finding-row').first()).toContainText('or let Leadpack write “Lukasz” instead');

    // Replaced: each value as the nearest the encoding holds; the count stays.
    await page.getByTestId('step-4package').click();
    await page.getByTestId('replace-unrepresentable').check();
    await expect(page.getByTestId('encoding-note')).toHaveText(note);
    const csv = await buildRows(page, 'names', 'windows-1252');
    await expect(page.getByTestId('pack-summary')).toHaveText('4 leads packed, 1 left out.');
    expect(csv[0]).toEqual(['ID', 'First Name', 'Last Name', 'Email Address', 'Company']);
    expect(csv.slice(1).map((row) => [row[1], row[2], row[4]])).toEqual([
      ['Lukasz', 'Dordevic', company],
      ['Ilker', 'Isik Agaoglu', 'Øresund Æble Þing'],
      ['x'.repeat(25), 'Lee', 'Acme'],
      ['Zhanna', '??', 'Acme ?'],
    ]);
  });
}
