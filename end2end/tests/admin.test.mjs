// The admin panel in a real browser: staff find a store by name, slug or owner email, read its
// page, suspend and reactivate it with a reason (the owner sees the store close and reopen), and
// open a read-only support session that shows a banner on every page until it is ended.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

const ADMIN = { email: 'admin@platform.test', password: DEMO.password };
const SUPPORT = { email: 'support@platform.test', password: DEMO.password };
const HARBOUR_OWNER = 'mira@harbour-books.test';

describe('admin panel', () => {
  const env = serverAndBrowser();
  let harbour;

  /** Staff (and a second store to find) made the way `storefront staff create` makes them. */
  function seed() {
    const { server } = env;
    for (const [who, role] of [[ADMIN, 'admin'], [SUPPORT, 'support']]) {
      server.sql(`
        WITH a AS (INSERT INTO accounts (email, password_hash)
                   SELECT '${who.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
        INSERT INTO staff (account_id, role) SELECT id, '${role}' FROM a`);
    }
    harbour = server.sql(`
      WITH t AS (INSERT INTO tenants (name, slug, plan_id) VALUES ('Harbour Books', 'harbour-books', 'starter') RETURNING id),
           s AS (INSERT INTO tenant_slugs (slug, tenant_id) SELECT 'harbour-books', id FROM t),
           a AS (INSERT INTO accounts (email, password_hash)
                 SELECT '${HARBOUR_OWNER}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id),
           m AS (INSERT INTO memberships (tenant_id, account_id, role) SELECT t.id, a.id, 'owner' FROM t, a)
      SELECT id FROM t`);
  }

  async function staffPage(who) {
    if (harbour === undefined) seed();
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.server.base}/auth/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${env.server.base}/admin`);
    return { context, page };
  }

  test('staff find a store by name, slug or owner email and read its page, without its business data', async () => {
    const { context, page } = await staffPage(SUPPORT);
    const { base } = env.server;
    assert.match(await page.locator('h1').innerText(), /Platform overview/);
    await page.getByRole('link', { name: 'Stores' }).click();
    await page.waitForURL(`${base}/admin/stores`);

    for (const search of ['harbour', 'harbour-books', 'mira@harbour']) {
      await page.getByLabel('Name, slug or owner email').fill(search);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.searchParams.get('q') === search);
      const rows = page.getByTestId('stores').locator('tbody tr');
      assert.equal(await rows.count(), 1, `searching ${search}`);
      assert.match(await rows.first().innerText(), /Harbour Books[\s\S]*mira@harbour-books\.test/);
    }
    await page.getByLabel('Name, slug or owner email').fill('no store is called this');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No store matches this search.').waitFor();

    await page.getByLabel('Name, slug or owner email').fill('demo');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Demo Store' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/admin/stores/'));
    assert.equal(await page.getByTestId('store-title').innerText(), 'Demo Store');
    const facts = await page.getByTestId('store-facts').innerText();
    assert.match(facts, /Slug\s+demo/);
    assert.match(facts, /Products\s+\d+/);
    assert.match(await page.getByTestId('members').innerText(), new RegExp(DEMO.email.replace('.', '\\.')));
    // Support staff look; only admins act.
    assert.equal(await page.getByRole('button', { name: 'Suspend the store' }).count(), 0);
    const demoProduct = env.server.sql("SELECT name FROM products WHERE tenant_id = (SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo') LIMIT 1");
    assert.doesNotMatch(await page.content(), new RegExp(demoProduct), 'a product on the store\'s admin page');
    await context.close();
  });

  test('an admin suspends a store with a reason and reactivates it; its owner sees both', async () => {
    const { context, page } = await staffPage(ADMIN);
    const { base } = env.server;
    await page.goto(`${base}/admin/stores/${harbour}`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    const suspend = page.getByRole('region', { name: 'Suspend' });

    // No reason: refused, and nothing changes.
    await suspend.getByLabel(/Close this store/).check();
    await suspend.getByRole('button', { name: 'Suspend the store' }).click();
    assert.equal(await page.getByTestId('store-state').innerText(), 'Active');
    await suspend.getByLabel('Reason').fill('Chargebacks under review');
    await suspend.getByRole('button', { name: 'Suspend the store' }).click();
    await page.getByText('The store is suspended.').waitFor();
    assert.equal(await page.getByTestId('store-state').innerText(), 'Suspended by staff');
    assert.match(await page.getByTestId('platform-audit').innerText(), /store\.suspended[\s\S]*Chargebacks under review/);

    const owner = await env.browser.newContext();
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, base, { email: HARBOUR_OWNER, password: DEMO.password });
    await ownerPage.goto(`${base}/products`);
    assert.match(await ownerPage.content(), /suspended this store[\s\S]*contact support/);

    const reactivate = page.getByRole('region', { name: 'Reactivate' });
    await reactivate.getByLabel('Reason').fill('Resolved with the bank');
    await reactivate.getByLabel(/Reopen this store/).check();
    await reactivate.getByRole('button', { name: 'Reactivate the store' }).click();
    await page.getByText('The store is reactivated.').waitFor();
    assert.equal(await page.getByTestId('store-state').innerText(), 'Active');

    await ownerPage.goto(`${base}/products`);
    assert.doesNotMatch(await ownerPage.content(), /suspended/);
    await owner.close();
    await context.close();
  });

  test('a support session needs a reason, reads the store with a banner on every page, cannot write, and ends on demand', async () => {
    const { context, page } = await staffPage(SUPPORT);
    const { base } = env.server;
    const demo = env.server.sql("SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo'");
    await page.goto(`${base}/admin/stores/${demo}`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    const support = page.getByRole('region', { name: 'Support session' });
    await support.getByLabel('Reason').fill('Owner asked about order totals');
    await support.getByRole('button', { name: 'Open a support session' }).click();
    await page.waitForURL(`${base}/`);
    const banner = page.getByTestId('support-banner');
    assert.match(await banner.innerText(), /Support session in Demo Store[\s\S]*Owner asked about order totals/);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store');

    await page.getByRole('link', { name: 'Orders' }).first().click();
    await page.waitForURL(`${base}/orders`);
    await banner.waitFor();
    // Read-only: a support session has the viewer's pages, without the forms that write.
    await page.goto(`${base}/products/new`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    await page.getByText('Your role lets you see products, not change them.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create product' }).count(), 0);
    await banner.waitFor();

    await banner.getByRole('button', { name: 'End the support session' }).click();
    await page.waitForURL(`${base}/admin/stores/${demo}`);
    assert.equal(await page.getByTestId('support-banner').count(), 0);
    assert.match(await page.getByTestId('platform-audit').innerText(), /support_session\.ended[\s\S]*support_session\.started/);

    // The store's owner sees it in their audit log.
    const owner = await env.browser.newContext();
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, base, DEMO);
    await ownerPage.goto(`${base}/audit`);
    assert.match(await ownerPage.content(), /support@platform\.test \(platform support\)/);
    await owner.close();
    await context.close();
  });
});
