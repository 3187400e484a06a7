// A paid signup in a real browser: the signup form, the Stripe stand-in's hosted checkout, its
// signed webhooks, the page that waits for the store to open, and the store's dashboard; then a
// failed renewal makes the store read-only with a banner that leads to the billing portal.
// The app runs its real Stripe client; only `STRIPE_API_BASE` points it at the stand-in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startServer } from '../support/harness.mjs';
import { startStripeStandIn } from '../support/stripe-standin.mjs';

const SECRET = 'whsec_browser_tests';

describe('paid signup and billing', () => {
  const env = {};
  before(async () => {
    env.stripe = await startStripeStandIn({ secret: SECRET });
    env.server = await startServer({
      env: {
        STRIPE_SECRET_KEY: 'sk_test_browser',
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_PRICES: 'starter=price_starter_monthly,growth=price_growth_monthly',
        STRIPE_API_BASE: env.stripe.base,
      },
    });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.remove();
    await env.stripe?.stop();
  });

  test('signup → checkout → signed webhook → store ready → dashboard, then read-only when a renewal fails', async () => {
    const { base } = env.server;
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/signup?plan=starter`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    assert.equal(await page.getByTestId('free-only').count(), 0, 'payments are set up');

    const email = `paying-${Date.now()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('harbour lights at night');
    await page.getByLabel('Store name').fill('Lantern Goods');
    await page.getByRole('button', { name: 'Create my store' }).click();

    // The stand-in's hosted checkout, for the Starter price and the new customer's email.
    await page.waitForURL((url) => url.href.startsWith(`${env.stripe.base}/pay/`));
    assert.equal(await page.getByTestId('price').innerText(), 'price_starter_monthly');
    assert.equal(await page.getByTestId('email').innerText(), email);
    await page.getByRole('button', { name: 'Pay and subscribe' }).click();

    // Back on the app: the page waits for the payment's events, then opens the store.
    await page.waitForURL(`${base}/?welcome=ready`, { timeout: 30_000 });
    assert.equal(await page.getByTestId('store-name').innerText(), 'Lantern Goods');
    const delivered = env.stripe.delivered.map((d) => `${d.type}:${d.status}`);
    assert.ok(delivered.includes('checkout.session.completed:200'), delivered.join(', '));

    await page.goto(`${base}/billing`);
    assert.match(await page.getByTestId('plan').innerText(), /Starter/);
    assert.equal(await page.getByTestId('status').innerText(), 'Active');
    await page.getByTestId('next-invoice').waitFor();

    // A renewal fails: the stand-in sends invoice.payment_failed and the subscription's update.
    const [subscription] = env.stripe.subscriptions.keys();
    const response = await fetch(`${env.stripe.base}/_standin/subscriptions/${subscription}`, {
      method: 'POST',
      body: new URLSearchParams({ status: 'past_due', webhook_url: `${base}/webhooks/stripe` }),
    });
    assert.equal((await response.json()).status, 200);
    await page.goto(`${base}/products`);
    const banner = page.getByTestId('billing-banner');
    await banner.filter({ hasText: 'read-only' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'New product' }).count(), 0, 'no write controls');
    await page.locator('html[data-hydrated="true"]').waitFor();
    await banner.getByRole('button', { name: 'Update the payment method' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${env.stripe.base}/portal/`));
    await page.getByRole('heading', { name: 'Billing portal' }).waitFor();
    await context.close();
  });
});
