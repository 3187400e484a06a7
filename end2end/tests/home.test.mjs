// The store's home page in a real browser: sign-in, live figures, hydration, and the same
// flows with JavaScript disabled.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

describe('the store home page', () => {
  const env = serverAndBrowser();

  test('the welcome page shows the demo sign-in', async () => {
    const page = await env.browser.newPage();
    await page.goto(env.server.base);
    const demo = page.getByTestId('demo-login');
    assert.match(await demo.innerText(), new RegExp(DEMO.email));
    assert.match(await demo.innerText(), new RegExp(DEMO.password));
    await page.close();
  });

  test('signing in shows the figures, and a link shows another period', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    assert.equal(new URL(page.url()).pathname, '/');
    await page.locator('html[data-hydrated="true"]').waitFor();
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store');
    const figures = page.getByTestId('figures');
    assert.equal(await figures.getAttribute('data-period'), '30');
    const ordersIn30Days = Number((await page.getByTestId('figure-orders').innerText()).replace(/,/g, ''));
    assert.ok(ordersIn30Days > 0, 'the demo store has orders in the last 30 days');

    await page.getByRole('link', { name: 'Last 90 days' }).click();
    await page.locator('[data-testid="figures"][data-period="90"]').waitFor();
    assert.equal(new URL(page.url()).search, '?period=90');
    const ordersIn90Days = Number((await page.getByTestId('figure-orders').innerText()).replace(/,/g, ''));
    assert.ok(ordersIn90Days > ordersIn30Days, `90 days (${ordersIn90Days}) should hold more orders than 30 (${ordersIn30Days})`);
    assert.equal(await page.getByRole('link', { name: 'Last 90 days' }).getAttribute('aria-current'), 'page');
    await context.close();
  });

  test('a wrong password shows a clear message and keeps the email', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await signIn(page, env.server.base, { email: DEMO.email, password: 'not-the-password' });
    assert.equal(new URL(page.url()).pathname, '/auth/login');
    assert.match(await page.getByRole('alert').innerText(), /do not match an account/);
    assert.equal(await page.getByLabel('Email').inputValue(), DEMO.email);
    await context.close();
  });

  test('without JavaScript, the sign-in form posts and the figures render', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    assert.equal(new URL(page.url()).pathname, '/');
    // page.content(): text look-ups can hang after a no-JS form post and redirect.
    let html = await page.content();
    assert.match(html, /Demo Store/);
    assert.match(html, /data-period="30"/);
    assert.doesNotMatch(html, /data-hydrated/);

    await page.goto(`${env.server.base}/?period=7`);
    html = await page.content();
    assert.match(html, /data-period="7"/);

    await Promise.all([page.waitForURL(`${env.server.base}/`), page.getByRole('button', { name: 'Sign out' }).click()]);
    html = await page.content();
    assert.match(html, /Run your store from one place/);
    await context.close();
  });

  test('the home page fits a phone screen', async () => {
    const context = await env.browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    await signIn(page, env.server.base, DEMO);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
    await context.close();
  });
});
