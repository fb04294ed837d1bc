// The built page loads, shows its title and lists a chosen file.
import { test, expect } from './guard.mjs';

test('the page loads from a sub-path and shows its title', async ({ page, baseURL }) => {
  await page.goto('./');
  await expect(page.getByTestId('title')).toHaveText('Leadpack');
  await expect(page).toHaveTitle(/Leadpack/);
  // A Content-Security-Policy allows the app's own origin only.
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("connect-src 'self'");
  expect(policy).not.toContain('unsafe-inline');
  // Every asset comes from the app's own folder on its own origin.
  for (const url of page.requests) {
    expect(url.startsWith(baseURL), `${url} is outside the app's folder`).toBe(true);
  }
});

test('a chosen file is listed with its name and size', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles({
    name: 'leads.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('ID,First Name,Last Name\n1,Zoë,Martin\n'),
  });
  const list = page.getByTestId('file-list');
  await expect(list).toContainText('leads.csv');
  await expect(list).toContainText('38 bytes');
});

test('several files can be chosen at once', async ({ page }) => {
  await page.goto('./');
  await page.getByLabel('Choose files').setInputFiles([
    { name: 'a.csv', mimeType: 'text/csv', buffer: Buffer.from('x\n') },
    { name: 'b.csv', mimeType: 'text/csv', buffer: Buffer.alloc(2048, 'y') },
  ]);
  // The files are the list's own items (a file's notes are a list inside its item).
  const items = page.getByTestId('file-list').locator(':scope > li');
  await expect(items).toHaveCount(2);
  await expect(items.nth(1)).toContainText('2.0 KB');
});

test('after the first visit the app works without a network', async ({ page, context }) => {
  await page.goto('./');
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The first visit ends when its files are loaded: the worker's wasm may still be on its way
  // when the service worker is ready, and a reload would abort it.
  await page.waitForLoadState('networkidle');
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('title')).toHaveText('Leadpack');
  await page.getByLabel('Choose files').setInputFiles({
    name: 'leads.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('First Name,Last Name,Email\nZoë,Martin,zoe@example.com\n'),
  });
  await expect(page.getByTestId('file-summary')).toHaveText('1 lead: 1 ready, 0 with errors');
  await context.setOffline(false);
});
