// The orders pages in a real browser, on the demo store: paging once hydrated, filtering with
// the form, an order's page, and the same list without JavaScript.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

describe('orders', () => {
  const env = serverAndBrowser();

  test('list, next page, filter by status, and open an order', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    await page.getByRole('navigation', { name: 'Store' }).getByRole('link', { name: 'Orders', exact: true }).click();
    await page.waitForURL(`${env.server.base}/orders`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    assert.match(await page.getByTestId('pager').innerText(), /^Page 1 of 16 · 400 orders$/);
    assert.equal(await page.locator('[data-testid="orders"] tbody tr').count(), 25);

    const firstOnPage1 = await page.locator('[data-testid="orders"] tbody tr a').first().innerText();
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/page=2/);
    await page.getByTestId('pager').filter({ hasText: 'Page 2 of 16' }).waitFor();
    assert.notEqual(await page.locator('[data-testid="orders"] tbody tr a').first().innerText(), firstOnPage1);

    await page.getByLabel('Status').selectOption('cancelled');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=cancelled/);
    const statuses = await page.locator('[data-testid="orders"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'cancelled'), `statuses: ${statuses}`);

    const orderLink = page.locator('[data-testid="orders"] tbody tr a').first();
    const orderName = await orderLink.innerText();
    await orderLink.click();
    await page.getByRole('heading', { name: `Order ${orderName}` }).waitFor();
    assert.match(await page.getByTestId('order-total').innerText(), /^\$[\d,]+\.\d\d$/);
    await context.close();
  });

  async function openPendingOrder(page, index) {
    await page.goto(`${env.server.base}/orders?status=pending`);
    const link = page.locator('[data-testid="orders"] tbody tr a').nth(index);
    const name = await link.innerText();
    await link.click();
    await page.getByRole('heading', { name: `Order ${name}` }).waitFor();
    return name;
  }

  test('marking an order paid shows the order with its next step', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    await openPendingOrder(page, 0);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByRole('button', { name: 'Mark as paid' }).click();
    await page.getByRole('button', { name: 'Mark as shipped' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Mark as paid' }).count(), 0);
    await context.close();
  });

  test('without JavaScript, a status change posts and comes back to the order', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    const name = await openPendingOrder(page, 1);
    // Named by its number in the store, reached by its id.
    assert.match(name, /^#1\d{3}$/);
    const orderPath = new URL(page.url()).pathname;
    await Promise.all([
      page.waitForURL((url) => url.pathname === orderPath && url.search === ''),
      page.getByRole('button', { name: 'Mark as cancelled' }).click(),
    ]);
    const html = await page.content();
    assert.match(html, new RegExp(`Order ${name}`));
    assert.match(html, />Cancelled</);
    assert.doesNotMatch(html, /Mark as/, 'a cancelled order offers no further status');
    await context.close();
  });

  test('the list and its pages work without JavaScript', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    await page.goto(`${env.server.base}/orders?status=paid&page=2`);
    const html = await page.content();
    assert.match(html, /Page 2 of \d+/);
    assert.doesNotMatch(html, /data-status="(pending|shipped|delivered|cancelled)"/);
    await context.close();
  });
});
