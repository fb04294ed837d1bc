// The review grid: every row of the file, the cells with findings marked, edited by keyboard
// alone; the edit reaches the package and Undo takes it out again; a lead found by any value;
// a large file's last rows reached without the page holding more than the rows in view.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './guard.mjs';
import { zipFile } from './zip.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');

async function review(page, files) {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(files);
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
}

/** The CSV of the package built now, as text. */
async function packedCsv(page, stem) {
  await page.getByTestId('to-package').click();
  await page.getByTestId('build').click();
  await expect(page.getByTestId('pack-summary')).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: `Download ${stem}.zip` }).click(),
  ]);
  return zipFile(readFileSync(await download.path()), `${stem}.csv`).toString('utf8');
}

/** Moves the grid's focus right until the cell named `label` ("Row 3, First Name") has it. */
async function arrowTo(page, label) {
  const reason = page.getByTestId('grid-reason');
  for (let step = 0; step < 12; step += 1) {
    if ((await reason.textContent()).startsWith(label)) {
      return;
    }
    await page.keyboard.press('ArrowRight');
  }
  await expect(reason).toContainText(label);
}

test('every row is in the grid, its findings marked by colour and icon, the reason told on focus', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  const leads = Number((await page.getByTestId('card-rows').locator('.card-value').textContent()).trim());
  await expect(page.getByTestId('grid-count')).toHaveText(`${leads} rows`);
  // Row 3 has no first name: its cell is marked as an error, with an icon and words.
  const row3 = page.locator('[data-testid="grid-row"][data-row="3"]');
  const nameless = row3.locator('.cell-error');
  await expect(nameless).toHaveCount(1);
  await expect(nameless.locator('.cell-icon')).toHaveText('✖');
  await expect(nameless).toHaveAttribute('title', /First Name is empty/);
  // Row 5 has no email and no phone: a finding about the whole row, on its row number.
  const row5 = page.locator('[data-testid="grid-row"][data-row="5"]');
  await expect(row5.getByRole('rowheader')).toHaveAttribute('title', /neither an email address nor a phone number/);
  await expect(row5).toHaveClass(/row-error/);
  // The grid follows the WAI-ARIA pattern: one cell in the tab order, the rows counted.
  const grid = page.getByRole('grid');
  await expect(grid).toHaveAttribute('aria-rowcount', String(leads + 1));
  await expect(grid.locator('[role="gridcell"][tabindex="0"]')).toHaveCount(1);
  await grid.locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await arrowTo(page, 'Row 3, First Name');
  await expect(page.getByTestId('grid-reason')).toContainText('First Name is empty');
  await expect(page.locator(':focus')).toHaveAttribute('role', 'gridcell');
});

test('a keyboard edit in the grid reaches the package, and Undo takes it out again', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  await expect(page.getByTestId('card-errors')).toContainText('5');
  const grid = page.getByRole('grid');
  await grid.locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await arrowTo(page, 'Row 3, First Name');
  await page.keyboard.press('Enter');
  const editor = page.getByTestId('grid-editor');
  await expect(editor).toBeFocused();
  await page.keyboard.type('Chidi');
  await page.keyboard.press('Enter');
  // Checked again at once: one error fewer, and the focus moved down a row.
  await expect(page.getByTestId('card-errors')).toContainText('4');
  await expect(page.locator('[data-testid="grid-row"][data-row="3"]')).toContainText('Chidi');
  await expect(page.getByTestId('grid-reason')).toContainText('Row 4, First Name');
  expect(await packedCsv(page, 'every-defect')).toContain('Chidi,Okafor');

  await page.getByTestId('step-3review').click();
  await page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('card-errors')).toContainText('5');
  await expect(page.locator('[data-testid="grid-row"][data-row="3"]')).not.toContainText('Chidi');
  const undone = await packedCsv(page, 'every-defect');
  expect(undone).not.toContain('Chidi');

  // Redo puts it back.
  await page.getByTestId('step-3review').click();
  await page.getByTestId('redo').click();
  await expect(page.getByTestId('card-errors')).toContainText('4');
  await expect(page.getByTestId('undo')).toBeEnabled();
});

test('Escape leaves a cell as it was, and typing starts an edit', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  await page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await arrowTo(page, 'Row 3, First Name');
  await page.keyboard.press('F2');
  await page.keyboard.type('Nobody');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('grid-editor')).toHaveCount(0);
  await expect(page.locator(':focus')).toHaveAttribute('role', 'gridcell');
  await expect(page.getByTestId('undo')).toBeDisabled();
  // Typing a letter replaces the cell's value, as in a spreadsheet.
  await page.keyboard.type('C');
  await expect(page.getByTestId('grid-editor')).toHaveValue('C');
  await page.keyboard.type('hidi');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('card-errors')).toContainText('4');
  await expect(page.getByTestId('grid-reason')).toContainText('Row 3, Last Name');
});

test('a lead is found by any of its values, and a row by its number', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  await page.getByTestId('grid-search').fill('FARID');
  await page.getByTestId('grid-search').press('Enter');
  await expect(page.getByTestId('grid-count')).toHaveText('1 row');
  await expect(page.getByTestId('grid-row')).toHaveCount(1);
  await expect(page.getByTestId('grid-row')).toHaveAttribute('data-row', '9');
  // By part of an email, in another case.
  await page.getByTestId('grid-search').fill('Haddad@');
  await page.getByTestId('grid-search').press('Enter');
  await expect(page.getByTestId('grid-count')).toHaveText('2 rows');
  await page.getByRole('button', { name: 'Show every row' }).click();
  const leads = Number((await page.getByTestId('card-rows').locator('.card-value').textContent()).trim());
  await expect(page.getByTestId('grid-count')).toHaveText(`${leads} rows`);
  // Only the rows with errors, as many as the summary counts.
  await page.getByTestId('filter-severity').selectOption('error');
  const errors = (await page.getByTestId('card-errors').locator('.card-value').textContent()).trim();
  await expect(page.getByTestId('grid-count')).toHaveText(`${errors} rows`);
  await page.getByTestId('filter-severity').selectOption('');
  // A row by its number.
  await page.getByTestId('grid-jump').fill('17');
  await page.getByTestId('grid-jump').press('Enter');
  await expect(page.getByTestId('grid-reason')).toContainText('Row 17,');
});

test('a large file scrolls to its last row, and the page holds only the rows in view', async ({ page }) => {
  const rows = 60_000;
  const lines = ['First Name,Last Name,Email'];
  for (let index = 1; index <= rows; index += 1) {
    lines.push(index === rows - 2 ? `,Nameless,lead${index}@example.com` : `Lead ${index},Row,lead${index}@example.com`);
  }
  await review(page, { name: 'many.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n') + '\r\n') });
  await expect(page.getByTestId('grid-count')).toHaveText(`${rows} rows`);
  await page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('Control+End');
  await expect(page.getByTestId('grid-reason')).toContainText(`Row ${rows + 1},`);
  await expect(page.locator(`[data-testid="grid-row"][data-row="${rows + 1}"]`)).toContainText(`lead${rows}@example.com`);
  // The lead without a name two rows up is marked.
  await expect(page.locator(`[data-testid="grid-row"][data-row="${rows - 1}"] .cell-error`)).toHaveCount(1);
  expect(await page.getByTestId('grid-row').count()).toBeLessThan(20);
  // And back to the middle by row number.
  await page.getByTestId('grid-jump').fill('30001');
  await page.getByTestId('grid-jump').press('Enter');
  await expect(page.locator('[data-testid="grid-row"][data-row="30001"]')).toContainText('Lead 30000');
  // The row has the focus: the keys go on from there.
  await expect(page.locator(':focus')).toHaveAttribute('role', 'gridcell');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('grid-reason')).toContainText('Row 30002,');
});

test('find and replace says how many cells will change, changes them in the package, and Undo takes it back', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  await page.getByText('Find and replace').click();
  await page.getByTestId('replace-find').fill('haddad');
  await page.getByTestId('replace-with').fill('Hadad');
  await page.getByTestId('replace-column').selectOption({ label: 'Last Name' });
  await page.getByTestId('replace-count').click();
  // Farid and Nadia Haddad; the bakery, in another column, is not counted.
  await expect(page.getByTestId('replace-preview')).toHaveText('2 cells in 2 rows would change.');
  // Matching case, the lower-case text is nowhere.
  await page.getByTestId('replace-case').check();
  await expect(page.getByTestId('replace-preview')).toHaveText('');
  await page.getByTestId('replace-count').click();
  await expect(page.getByTestId('replace-preview')).toHaveText('No cell would change.');
  await page.getByTestId('replace-case').uncheck();
  await page.getByTestId('replace-all').click();
  await expect(page.locator('[data-testid="grid-row"][data-row="9"]')).toContainText('Hadad');
  await expect(page.getByTestId('corrections')).toContainText('2 correction');
  await page.getByTestId('change-log').locator('summary').click();
  await expect(page.getByTestId('change-log')).toContainText('replaced');
  const [log] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-change-log').click(),
  ]);
  expect(readFileSync(await log.path(), 'utf8')).toContain('9,Last Name,Haddad,Hadad,replaced');
  const csv = await packedCsv(page, 'every-defect');
  expect(csv).toContain('Nadia,Hadad,');
  expect(csv).toContain('Haddad Bakery');
  await page.getByTestId('step-3review').click();
  await page.getByTestId('undo').click();
  await expect(page.locator('[data-testid="grid-row"][data-row="9"]')).toContainText('Haddad');
});

test('a broken row is laid against the header and made to fit; a row is taken out and put back', async ({ page }) => {
  await review(page, join(fixtures, 'every-defect.csv'));
  const errors = Number((await page.getByTestId('card-errors').locator('.card-value').textContent()).trim());
  // Row 9 has a value more than the header has columns.
  await page.getByTestId('grid-jump').fill('9');
  await page.getByTestId('grid-jump').press('Enter');
  await expect(page.getByTestId('row-tools')).toContainText('Row 9 does not fit the header.');
  await expect(page.getByTestId('row-raw')).toHaveText(/,extra$/);
  await page.getByTestId('edit-row').click();
  await expect(page.getByTestId('row-fit')).toHaveText('11 values for 10 columns: 1 too many. Join a value with the next one, or remove one.');
  await page.getByTestId('remove-value').last().click();
  await expect(page.getByTestId('row-fit')).toHaveText('10 values for 10 columns: the row fits.');
  await page.getByTestId('save-row').click();
  await expect(page.getByTestId('card-errors')).toContainText(String(errors - 1));
  expect(await packedCsv(page, 'every-defect')).toContain('L007,Farid,Haddad');

  // Row 3 (no first name) taken out: in no package, not among the errors, in the change log.
  await page.getByTestId('step-3review').click();
  await page.getByTestId('grid-jump').fill('3');
  await page.getByTestId('grid-jump').press('Enter');
  await page.getByTestId('delete-row').click();
  await expect(page.getByTestId('card-errors')).toContainText(String(errors - 2));
  await expect(page.locator('[data-testid="grid-row"][data-row="3"]')).toHaveClass(/deleted/);
  await page.getByTestId('change-log').locator('summary').click();
  await expect(page.getByTestId('change-log')).toContainText('row deleted');
  const csv = await packedCsv(page, 'every-defect');
  expect(csv).not.toContain('chidi.okafor@example.com');
  await page.getByTestId('step-3review').click();
  await page.getByTestId('grid-jump').fill('3');
  await page.getByTestId('grid-jump').press('Enter');
  await expect(page.getByTestId('delete-row')).toHaveText('Put row 3 back');
  await page.getByTestId('delete-row').click();
  await expect(page.getByTestId('card-errors')).toContainText(String(errors - 1));
});
