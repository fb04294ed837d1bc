// Work kept across a reload: the files, their mappings and corrections come back when the user
// asks, in this browser only; discarded, or with keeping turned off, nothing comes back.
import { join } from 'node:path';
import { test, expect } from './guard.mjs';

const fixtures = join(process.cwd(), 'tests', 'fixtures');

/** Loads every-defect.csv and corrects row 3's first name in the grid. */
async function loadAndCorrect(page) {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(join(fixtures, 'every-defect.csv'));
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await expect(page.getByTestId('card-errors')).toContainText('5');
  await page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('grid-reason')).toContainText('Row 3, First Name');
  await page.keyboard.type('Chidi');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('card-errors')).toContainText('4');
}

/** Reloads once the correction is kept (the page writes it as soon as it is made). */
async function reloadWhenKept(page, wanted) {
  await expect
    .poll(() => page.evaluate(() => new Promise((done) => {
      const open = indexedDB.open('leadpack');
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('work')) return done('');
        const all = db.transaction('work').objectStore('work').getAll();
        all.onsuccess = () => done(all.result.join('\n'));
        all.onerror = () => done('');
      };
      open.onerror = () => done('');
    })))
    .toContain(wanted);
  await reload(page);
}

/** Reloads once the page has loaded everything it loads (its workers among them). */
async function reload(page) {
  await page.waitForLoadState('networkidle');
  await page.reload();
  await page.waitForLoadState('networkidle');
}

test('a reload offers the work back, and restoring brings the file, its mapping and its corrections', async ({ page }) => {
  await loadAndCorrect(page);
  await reloadWhenKept(page, 'Chidi');
  const offer = page.getByTestId('kept-work');
  await expect(offer).toContainText('1 file (every-defect.csv)');
  await expect(offer).toContainText('on this computer only');
  await page.getByTestId('restore-work').click();
  await expect(offer).toHaveCount(0);
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await expect(page.getByTestId('card-errors')).toContainText('4');
  await expect(page.locator('[data-testid="grid-row"][data-row="3"]')).toContainText('Chidi');
  // Restored work is kept again: another reload offers it once more.
  await reloadWhenKept(page, 'Chidi');
  await expect(page.getByTestId('kept-work')).toBeVisible();
});

test('discarded work is gone, and with keeping off nothing is kept', async ({ page }) => {
  await loadAndCorrect(page);
  await reloadWhenKept(page, 'Chidi');
  await page.getByTestId('discard-work').click();
  await expect(page.getByTestId('kept-work')).toHaveCount(0);
  await reload(page);
  await expect(page.getByTestId('kept-work')).toHaveCount(0);

  // Keeping turned off: the choice is remembered, and a file loaded then is not offered back.
  await page.getByTestId('keep-work').uncheck();
  await reload(page);
  await expect(page.getByTestId('keep-work')).not.toBeChecked();
  await page.getByLabel('Choose files').setInputFiles(join(fixtures, 'clean-utf8.csv'));
  await expect(page.getByTestId('file-summary')).toBeVisible();
  await reload(page);
  await expect(page.getByTestId('kept-work')).toHaveCount(0);
  // Nothing was written: the page's storage holds no file.
  const kept = await page.evaluate(() => new Promise((done) => {
    const open = indexedDB.open('leadpack');
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('files')) return done(0);
      const count = db.transaction('files').objectStore('files').count();
      count.onsuccess = () => done(count.result);
    };
  }));
  expect(kept).toBe(0);
});

test('a workbook comes back from the sheet it was read from, with its corrections', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles(join(fixtures, 'fair.xlsx'));
  const row = page.getByTestId('file-row');
  await expect(row.getByTestId('file-summary')).toHaveText('5 leads: 3 ready, 2 with errors');
  await page.getByTestId('to-map').click();
  await page.getByTestId('to-review').click();
  await page.getByRole('grid').locator('[role="gridcell"][tabindex="0"]').focus();
  await page.getByTestId('delete-row').click();
  await expect(page.getByTestId('card-rows')).toContainText('4');
  await reloadWhenKept(page, '"deleted":[');
  await expect(page.getByTestId('kept-work')).toContainText('1 file (fair.xlsx)');
  await page.getByTestId('restore-work').click();
  await expect(row.getByTestId('sheet-select')).toHaveValue('Leads');
  await expect(row.getByTestId('file-summary')).toContainText('4 leads');
});
