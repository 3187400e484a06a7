// Every page, signed out, signed in as a store's owner and as the platform's staff, checked by
// axe-core once it has hydrated: any serious or critical violation fails, with what axe says and
// where. The pages come from the router's own list (app/src/lib.rs), so a new page cannot be left
// out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const STAFF = { email: 'a11y-admin@platform.test', password: DEMO.password };

/** The router's paths, as `/orders/:id`. */
function routes() {
  const source = readFileSync(new URL('../../app/src/lib.rs', import.meta.url), 'utf8');
  return [...source.matchAll(/<Route path=(\((?:[^()]|\([^()]*\))*\)|StaticSegment\("[^"]*"\))/g)].map(([, path]) =>
    '/' + [...path.matchAll(/(Static|Param)Segment\("([^"]*)"\)/g)]
      .map(([, kind, name]) => (kind === 'Param' ? `:${name}` : name))
      .filter(Boolean)
      .join('/'));
}

/** The serious and critical violations on the page now, one line each. */
async function violations(page) {
  await page.locator('html[data-hydrated]').waitFor();
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
  // govern (an injected <script> would be refused, as it should be).
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return found;
}

describe('accessibility', () => {
  const env = serverAndBrowser();

  test('no page has a serious or critical axe-core violation, signed out, signed in or as staff', async () => {
    const { server, browser } = env;
    const { base } = server;
    server.sql(`
      WITH a AS (INSERT INTO accounts (email, password_hash)
                 SELECT '${STAFF.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
      INSERT INTO staff (account_id, role) SELECT id, 'admin' FROM a`);
    const [tenant, product, customer, order] = server.sql(`
      SELECT t.id, (SELECT min(id) FROM products WHERE tenant_id = t.id),
             (SELECT min(id) FROM customers WHERE tenant_id = t.id), (SELECT min(id) FROM orders WHERE tenant_id = t.id)
      FROM tenants t JOIN memberships m ON m.tenant_id = t.id JOIN accounts a ON a.id = m.account_id
      WHERE a.email = '${DEMO.email}'`).split('|');

    const signedOut = ['/', '/auth/login', '/signup', '/signup/welcome?session_id=cs_unknown', '/invitations/accept?token=unknown'];
    const owner = [
      '/', '/?period=Last7Days', '/orders', '/orders?status=cancelled', '/orders/new', `/orders/${order}`,
      '/products', '/products/new', `/products/${product}`, '/products/import',
      '/customers', '/customers/new', `/customers/${customer}`,
      '/settings', '/team', '/audit', '/billing', '/auth/choose-store',
    ];
    const staff = ['/admin', '/admin/stores', `/admin/stores/${tenant}`];

    const visited = new Set();
    const problems = [];
    const check = async (page, paths, who) => {
      for (const path of paths) {
        await page.goto(`${base}${path}`);
        for (const line of await violations(page)) problems.push(`${who} ${path}: ${line}`);
        const pattern = new URL(path, base).pathname.replace(/\/\d+$/, '/:id');
        visited.add(pattern);
      }
    };

    const anonymous = await browser.newContext();
    await check(await anonymous.newPage(), signedOut, 'signed out');
    await anonymous.close();

    const ownerContext = await browser.newContext();
    const ownerPage = await ownerContext.newPage();
    await signIn(ownerPage, base, DEMO);
    // A second store, so that the store choice has a choice to offer.
    server.sql(`
      WITH t AS (INSERT INTO tenants (name, slug, plan_id) VALUES ('Second Shop', 'a11y-second', 'free') RETURNING id),
           s AS (INSERT INTO tenant_slugs (slug, tenant_id) SELECT 'a11y-second', id FROM t)
      INSERT INTO memberships (tenant_id, account_id, role)
      SELECT t.id, a.id, 'viewer' FROM t, accounts a WHERE a.email = '${DEMO.email}'`);
    await check(ownerPage, owner, 'owner');
    // On a phone, where the navigation folds away.
    await ownerPage.setViewportSize({ width: 390, height: 844 });
    await check(ownerPage, ['/', '/orders', `/orders/${order}`], 'owner on a phone');
    await ownerContext.close();

    const staffContext = await browser.newContext();
    const staffPage = await staffContext.newPage();
    await staffPage.goto(`${base}/auth/login`);
    await staffPage.getByLabel('Email').fill(STAFF.email);
    await staffPage.getByLabel('Password').fill(STAFF.password);
    await Promise.all([staffPage.waitForURL(`${base}/admin`), staffPage.getByRole('button', { name: 'Sign in' }).click()]);
    await check(staffPage, staff, 'staff');
    await staffContext.close();

    const missed = routes().filter((route) => !visited.has(route));
    assert.deepEqual(missed, [], 'pages of the router this test does not open');
    assert.deepEqual(problems, []);
  });
});
