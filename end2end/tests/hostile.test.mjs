// Hostile names in a real browser: markup saved into a store's name, a product, a customer, a
// member's email and the audit log stays text on every page that shows it (store pages, the
// admin panel, a support session), and the Content-Security-Policy blocks a script that an
// escaping bug would let in, while hydration and the interactive pages keep working under it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

const PAYLOADS = {
  title: '</title><script>window.pwned="title"</script><title>',
  attribute: '"><img src=x onerror="window.pwned=\'attribute\'">',
  style: '</style><script>window.pwned="style"</script>',
  link: 'javascript:window.pwned="link"',
};
const HOSTILE_EMAIL = '"><img/src=x/onerror=window.pwned=1>@evil.test';
const SUPPORT = { email: 'support@platform.test', password: DEMO.password };

/** Records the policy's refusals from the first moment of every page. */
async function watchViolations(context) {
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective));
  });
}

async function assertInert(page, where) {
  const found = await page.evaluate(() => ({
    pwned: window.pwned ?? null,
    handlers: document.querySelectorAll('[onerror], [onload], img[src="x"]').length,
    // Injected script elements (the page's own data scripts may hold the names, as JSON).
    scripts: [...document.scripts].filter((s) => s.textContent.trim().startsWith('window.pwned')).length,
    javascriptLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.href.startsWith('javascript:')).length,
  }));
  assert.deepEqual(found, { pwned: null, handlers: 0, scripts: 0, javascriptLinks: 0 }, where);
}

describe('hostile input in the browser', () => {
  const env = serverAndBrowser();
  const ids = {};

  function seed() {
    const { server } = env;
    const q = (text) => `'${text.replaceAll("'", "''")}'`;
    ids.demo = server.sql("SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo'");
    server.sql(`UPDATE tenants SET name = ${q(PAYLOADS.title + PAYLOADS.attribute)} WHERE id = ${ids.demo}`);
    ids.product = server.sql(`INSERT INTO products (tenant_id, name, sku, price_cents)
      VALUES (${ids.demo}, ${q(PAYLOADS.title + PAYLOADS.style)}, 'EVIL-1', 100) RETURNING id`);
    ids.customer = server.sql(`INSERT INTO customers (tenant_id, name, email)
      VALUES (${ids.demo}, ${q(PAYLOADS.attribute + PAYLOADS.link)}, 'evil@evil.test') RETURNING id`);
    server.sql(`WITH a AS (INSERT INTO accounts (email, password_hash)
        SELECT ${q(HOSTILE_EMAIL)}, password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
      INSERT INTO memberships (tenant_id, account_id, role) SELECT ${ids.demo}, id, 'member' FROM a`);
    server.sql(`WITH a AS (INSERT INTO accounts (email, password_hash)
        SELECT '${SUPPORT.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
      INSERT INTO staff (account_id, role) SELECT id, 'support' FROM a`);
  }

  test('markup in names stays text on store pages, in the admin panel and in a support session', async () => {
    seed();
    const { base } = env.server;
    const context = await env.browser.newContext();
    await watchViolations(context);
    const page = await context.newPage();
    await signIn(page, base, DEMO);
    for (const path of ['/', `/products/${ids.product}`, '/products', `/customers/${ids.customer}`, '/customers', '/team', '/audit', '/settings']) {
      await page.goto(`${base}${path}`);
      await page.locator('html[data-hydrated="true"]').waitFor();
      await assertInert(page, path);
    }
    // The title shows the name as typed: escaped once on the server, set as text in the browser.
    await page.goto(`${base}/products/${ids.product}`);
    assert.equal(await page.title(), `${PAYLOADS.title}${PAYLOADS.style} · Storefront`);
    await context.close();

    const staff = await env.browser.newContext();
    await watchViolations(staff);
    const admin = await staff.newPage();
    await signIn(admin, base, SUPPORT);
    for (const path of ['/admin/stores', `/admin/stores?q=evil`, `/admin/stores/${ids.demo}`]) {
      await admin.goto(`${base}${path}`);
      await admin.locator('html[data-hydrated="true"]').waitFor();
      await assertInert(admin, path);
    }
    const support = admin.getByRole('region', { name: 'Support session' });
    await support.getByLabel('Reason').fill(PAYLOADS.attribute);
    await support.getByRole('button', { name: 'Open a support session' }).click();
    await admin.waitForURL(`${base}/`);
    await admin.getByTestId('support-banner').waitFor();
    for (const path of ['/', `/products/${ids.product}`, `/customers/${ids.customer}`, '/team']) {
      await admin.goto(`${base}${path}`);
      await admin.locator('html[data-hydrated="true"]').waitFor();
      await assertInert(admin, `support session ${path}`);
    }
    await staff.close();
  });

  test('the policy lets the nonced scripts hydrate the page and blocks an injected one', async () => {
    const { base } = env.server;
    const context = await env.browser.newContext();
    await watchViolations(context);
    const page = await context.newPage();
    await signIn(page, base, DEMO);
    await page.goto(`${base}/orders`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'the page\'s own scripts ran under the policy');
    // The next page's scripts run under it too.
    await page.getByRole('link', { name: 'Products', exact: true }).first().click();
    await page.waitForURL(`${base}/products`);
    await page.locator('html[data-hydrated="true"]').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__violations), []);

    // What an escaping bug would let in: markup in the server's HTML, an inline script and an
    // inline handler without the nonce. The page is the server's, headers and all, with the
    // markup added on its way to the browser.
    await page.route(`${base}/customers`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('</main>',
        '<script>window.pwned = "inline"</script><img src="/no-such-image" onerror="window.pwned = \'handler\'"></main>');
      await route.fulfill({ response, body: html });
    });
    // Only the policy's refusals are waited for: whether the page hydrates around markup that a
    // test slipped into it is not what this checks (the untouched pages above hydrate).
    await page.goto(`${base}/customers`);
    await page.waitForFunction(() => window.__violations.length >= 2);
    assert.equal(await page.evaluate(() => window.pwned ?? null), null, 'the injected script ran');
    const violations = await page.evaluate(() => window.__violations);
    assert.ok(violations.includes('script-src-elem'), violations.join());
    assert.ok(violations.includes('script-src-attr'), violations.join());
    await context.close();
  });
});
