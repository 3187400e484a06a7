// The back office in a real browser, on the demo store: creating a product (the form sent by
// the page's script, and without JavaScript), a form on its way, a refused form that keeps what was typed, placing an order, and the
// catalogue's CSV export, a teammate invited and joining from the link, and the store's zip.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DEMO, loseNextAnswer, serverAndBrowser, signIn } from '../support/harness.mjs';

describe('back office', () => {
  const env = serverAndBrowser();

  async function signedIn(options = {}) {
    const context = await env.browser.newContext(options);
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    return { context, page };
  }

  test('a product is created, and a refused form keeps what was typed', async () => {
    const { context, page } = await signedIn();
    await page.getByRole('navigation', { name: 'Store' }).getByRole('link', { name: 'Products', exact: true }).click();
    await page.waitForURL(`${env.server.base}/products`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByRole('link', { name: 'New product' }).first().click();
    await page.getByRole('heading', { name: 'New product' }).waitFor();

    await page.getByLabel('Name').fill('Browser Tote');
    await page.getByLabel('SKU').fill('has space');
    await page.getByLabel(/^Price/).fill('12.999');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('form-alert').waitFor();
    assert.equal(await page.getByLabel('SKU').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Name').inputValue(), 'Browser Tote', 'the name typed is kept');
    await page.getByText('Use at most 2 digits after the decimal point.').waitFor();

    await page.getByLabel('SKU').fill('BROWSER-TOTE');
    await page.getByLabel(/^Price/).fill('12.99');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Product created.' }).waitFor();
    await page.goto(`${env.server.base}/products?q=browser`);
    assert.match(await page.getByTestId('products').innerText(), /Browser Tote\s+BROWSER-TOTE\s+\$12\.99/);
    await context.close();
  });

  test('a product whose answer was lost on the way is not created twice when sent again', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${env.server.base}/products/new`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByLabel('Name').fill('Lost Answer Tote');
    await page.getByLabel('SKU').fill('LOST-ANSWER');
    await page.getByLabel(/^Price/).fill('5');
    // The request reaches the server and the product is made; the answer never comes back.
    await loseNextAnswer(page, page.locator('form').filter({ has: page.getByRole('button', { name: 'Create product' }) }));
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('form-alert').filter({ hasText: 'We could not reach the server' }).waitFor();
    assert.equal(await page.getByLabel('Name').inputValue(), 'Lost Answer Tote', 'what was typed is kept');
    const made = () => env.server.sql("SELECT count(*) FROM products WHERE sku = 'LOST-ANSWER'");
    assert.equal(made(), '1', 'the first try went through');

    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Product created.' }).waitFor();
    assert.equal(made(), '1', 'the second try found the first one');
    await context.close();
  });

  test('a form on its way says so, cannot be sent twice, and then leads to the next page', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${env.server.base}/products/new`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByLabel('Name').fill('Slow Answer Tote');
    await page.getByLabel('SKU').fill('SLOW-ANSWER');
    await page.getByLabel(/^Price/).fill('6');
    // The answer is held until the page has been looked at.
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create product' }) });
    const endpoint = new URL(await form.getAttribute('action'), page.url()).href;
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    let sent = 0;
    await page.route(endpoint, async (route) => {
      sent += 1;
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Create product' }).click();
    const button = page.getByRole('button', { name: 'Saving…' });
    await button.waitFor();
    assert.equal(await button.isDisabled(), true, 'the button is disabled while the form is on its way');
    assert.equal(await page.locator('form[aria-busy="true"]').count(), 1, 'the form says it is busy');
    // Enter in a field cannot send it a second time either.
    await page.getByLabel('Name').press('Enter');
    release();
    await page.getByTestId('notice').filter({ hasText: 'Product created.' }).waitFor();
    assert.equal(sent, 1, 'the form was sent once');
    assert.equal(env.server.sql("SELECT count(*) FROM products WHERE sku = 'SLOW-ANSWER'"), '1');
    await context.close();
  });

  test('a product is created without JavaScript', async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${env.server.base}/products/new`);
    await page.getByLabel('Name').fill('Plain Tray');
    await page.getByLabel('SKU').fill('PLAIN-TRAY');
    await page.getByLabel(/^Price/).fill('oops');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('form-alert').waitFor();
    assert.equal(await page.getByLabel('SKU').inputValue(), 'PLAIN-TRAY', 'kept after the refusal');
    await page.getByLabel(/^Price/).fill('8');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Product created.' }).waitFor();
    assert.equal(await page.getByLabel(/^Price/).inputValue(), '8.00');
    await context.close();
  });

  test('an order is placed for a customer and priced by the server', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${env.server.base}/orders`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByRole('link', { name: 'New order' }).click();
    await page.getByRole('heading', { name: 'New order' }).waitFor();
    await page.getByLabel('Customer', { exact: true }).selectOption({ index: 1 });
    const product = page.getByLabel('Product, line 1');
    await product.selectOption({ index: 1 });
    const label = await product.locator('option:checked').innerText();
    const price = Number(label.split('— $')[1].replace(/,/g, ''));
    await page.getByLabel('Quantity, line 1').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Order placed.' }).waitFor();
    await page.getByRole('heading', { name: /^Order #\d+$/ }).waitFor();
    const total = Number((await page.getByTestId('order-total').innerText()).replace(/[$,]/g, ''));
    assert.equal(total.toFixed(2), (price * 2).toFixed(2));
    await context.close();
  });

  test('the catalogue downloads as CSV', async () => {
    const { context, page } = await signedIn({ acceptDownloads: true });
    await page.goto(`${env.server.base}/products`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'sku,name,price,status');
    assert.ok(lines.length > 1, 'the demo store has products');
    await context.close();
  });

  test('a teammate is invited and joins from the link, seeing the password rules first', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${env.server.base}/team`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByLabel('Email').fill('teammate@example.test');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Make invitation link' }).click();
    const link = await page.getByLabel('Invitation link').inputValue();
    assert.match(link, /\/invitations\/accept\?token=\d+\.\d+\.[0-9a-f]{64}$/);
    await context.close();

    const guest = await env.browser.newContext();
    const invited = await guest.newPage();
    await invited.goto(link);
    await invited.getByRole('heading', { name: /^Join / }).waitFor();
    assert.match(await invited.getByTestId('password-rules').innerText(), /At least 12 characters/);
    await invited.getByLabel('Choose a password').fill('quiet harbour lantern');
    await invited.getByRole('button', { name: /^Join / }).click();
    await invited.waitForURL(`${env.server.base}/?joined=1`);
    await invited.getByTestId('store-name').waitFor();
    await guest.close();
  });

  test("the owner downloads all the store's data as a zip", async () => {
    const { context, page } = await signedIn({ acceptDownloads: true });
    await page.goto(`${env.server.base}/settings`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: "Download the store's data" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^store-\d+-\d{4}-\d\d-\d\d\.zip$/);
    const zip = await readFile(await download.path());
    assert.equal(zip.subarray(0, 4).toString('binary'), 'PK\x03\x04', 'a zip file');
    for (const name of ['orders.csv', 'products.csv', 'customers.csv', 'manifest.json']) {
      assert.ok(zip.includes(name), `the zip holds ${name}`);
    }
    await context.close();
  });
});
