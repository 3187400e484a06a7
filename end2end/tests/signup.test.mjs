// Self-service signup in a real browser, on the embedded default (no payment provider): from
// the landing page's plans to a working store, with a refused first try that keeps the form,
// and a signup whose answer was lost, sent again: one store, and its owner signed in.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loseNextAnswer, serverAndBrowser } from '../support/harness.mjs';

describe('signup', () => {
  const env = serverAndBrowser();

  test('a new customer goes from the plans to a working store', async () => {
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${env.server.base}/`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByRole('link', { name: 'Start on Starter' }).click();
    await page.getByRole('heading', { name: 'Start your store' }).waitFor();
    assert.equal(await page.getByLabel('Starter').isChecked(), true, 'the plan chosen on the landing page');
    await page.getByTestId('free-only').waitFor();

    const email = `founder-${Date.now()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Store name').fill('Browser Kites');
    await page.getByRole('button', { name: 'Create my store' }).click();
    await page.locator('#field-password-error').filter({ hasText: 'Use at least 12 characters.' }).waitFor();
    assert.equal(await page.getByLabel('Store name').inputValue(), 'Browser Kites', 'kept after the refusal');

    await page.getByLabel('Password').fill('kites fly over the harbour');
    await page.getByRole('button', { name: 'Create my store' }).click();
    await page.waitForURL(`${env.server.base}/?welcome=free`);
    await page.getByTestId('notice').filter({ hasText: 'Your store is ready on the Free plan' }).waitFor();
    assert.equal(await page.getByTestId('store-name').innerText(), 'Browser Kites');
    await context.close();
  });

  test('a signup whose answer was lost, sent again, ends signed in to the one store it made', async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.server.base}/signup`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    const email = `lost-answer-${Date.now()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('kites fly over the harbour');
    await page.getByLabel('Store name').fill('Second Try Kites');
    await page.getByLabel('Free').check();
    await loseNextAnswer(page, page.locator('form').filter({ has: page.getByRole('button', { name: 'Create my store' }) }));
    await page.getByRole('button', { name: 'Create my store' }).click();
    await page.getByTestId('form-alert').filter({ hasText: 'We could not reach the server' }).waitFor();
    const stores = () => env.server.sql(`SELECT count(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = '${email}'`);
    assert.equal(stores(), '1', 'the first try made the store');

    await page.getByRole('button', { name: 'Create my store' }).click();
    await page.waitForURL(`${env.server.base}/?welcome=ready`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Second Try Kites');
    assert.equal(stores(), '1', 'and the second found it');
    await context.close();
  });
});
