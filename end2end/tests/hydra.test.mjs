// Sign-in through the identity provider (Hydra mode), in a real browser: a certified OpenID
// Provider stands in for Hydra behind Hydra's admin API, and the app is configured exactly as
// for Hydra (HYDRA_PUBLIC_URL, HYDRA_ADMIN_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DEMO, freePort, launchBrowser, startServer } from '../support/harness.mjs';
import { startHydraStandIn } from '../support/hydra-standin.mjs';

const MULTI = { email: 'multi@storefront.test', password: DEMO.password };
const CLERK = { email: 'clerk@storefront.test', password: DEMO.password };
const STAFF = { email: 'admin@platform.test', password: DEMO.password };

describe('sign-in through Hydra', () => {
  let hydra;
  let server;
  let browser;
  let secondStoreOrder;
  let clientSecret;

  before(async () => {
    const [appPort, publicPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    clientSecret = randomBytes(16).toString('hex');
    hydra = await startHydraStandIn({
      appBase: `http://127.0.0.1:${appPort}`, publicPort, adminPort, clientId: 'storefront', clientSecret,
    });
    server = await startServer({
      port: appPort,
      env: {
        HYDRA_PUBLIC_URL: hydra.issuer,
        HYDRA_ADMIN_URL: hydra.adminUrl,
        OIDC_CLIENT_ID: 'storefront',
        OIDC_CLIENT_SECRET: clientSecret,
      },
    });
    // A person in two stores: a viewer of the demo store and the owner of a second one.
    server.sql(`
      WITH a AS (INSERT INTO accounts (email, password_hash)
                 SELECT '${MULTI.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id),
           t AS (INSERT INTO tenants (name, slug, plan_id) VALUES ('Second Store', 'second', 'free') RETURNING id),
           s AS (INSERT INTO tenant_slugs (slug, tenant_id) SELECT 'second', id FROM t)
      INSERT INTO memberships (tenant_id, account_id, role)
      SELECT t.id, a.id, 'owner' FROM t, a
      UNION ALL
      SELECT (SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo'), a.id, 'viewer' FROM a`);
    // A member of the demo store whose sessions staff will end, and a platform admin.
    server.sql(`
      WITH a AS (INSERT INTO accounts (email, password_hash)
                 SELECT '${CLERK.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
      INSERT INTO memberships (tenant_id, account_id, role)
      SELECT (SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo'), a.id, 'member' FROM a`);
    server.sql(`
      WITH a AS (INSERT INTO accounts (email, password_hash)
                 SELECT '${STAFF.email}', password_hash FROM accounts WHERE email = '${DEMO.email}' RETURNING id)
      INSERT INTO staff (account_id, role) SELECT id, 'admin' FROM a`);
    // An order of the second store, whose URL a demo store user will try.
    secondStoreOrder = server.sql(`
      WITH t AS (SELECT tenant_id AS id FROM tenant_slugs WHERE slug = 'second'),
           c AS (INSERT INTO customers (tenant_id, name, email) SELECT id, 'Secret Customer', 'secret@example.test' FROM t RETURNING tenant_id, id)
      INSERT INTO orders (tenant_id, number, customer_id, status, total_cents) SELECT tenant_id, 1001, id, 'paid', 4200 FROM c RETURNING id`);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.remove();
    await hydra?.stop();
    assert.deepEqual(hydra?.contractErrors ?? [], [], 'the app and the stand-in kept to Hydra\'s API');
  });

  async function startAt(page) {
    await page.goto(`${server.base}/login`);
    await page.waitForURL((url) => url.pathname === '/auth/login' && url.searchParams.has('login_challenge'));
  }

  async function submit(page, { email, password }) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('signing in lands in the right store, and a wrong password can be corrected', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    assert.equal(await page.getByTestId('local-sign-in').count(), 0, 'the local sign-in banner shows in Hydra mode');
    const challenge = new URL(page.url()).searchParams.get('login_challenge');

    await submit(page, { email: DEMO.email, password: 'not-the-password' });
    await page.waitForURL((url) => url.searchParams.get('error') === 'credentials');
    assert.match(await page.getByRole('alert').innerText(), /do not match an account/);
    assert.equal(await page.getByLabel('Email').inputValue(), DEMO.email, 'the email typed was lost');
    assert.equal(new URL(page.url()).searchParams.get('login_challenge'), challenge, 'the sign-in was restarted');

    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store');
    await context.close();
  });

  test('a forged logout link with a challenge Hydra never made ends nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);
    // What another site could link to: the logout page with a made-up challenge.
    await page.goto(`${server.base}/auth/logout?logout_challenge=forged-by-another-site`);
    await page.goto(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store', 'the forged link signed the person out');
    await context.close();
  });

  test('a login challenge used once sends the browser on to where Hydra continues the flow', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    const challenge = new URL(page.url()).searchParams.get('login_challenge');
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);
    // The back button, or a second tab: the same challenge again. Hydra answers 410 with the
    // flow's request URL, and the browser goes there instead of to an error.
    const onward = page.waitForRequest((request) => request.url().startsWith(`${hydra.issuer}/oauth2/auth?`));
    await page.goto(`${server.base}/auth/login?login_challenge=${challenge}`);
    await onward;
    await context.close();
  });

  test('after the provider rotates its signing key, signing in still works', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);
    await context.close();
    // The app has the old key set; the next ID token is signed with a key it has never seen.
    hydra.rotateKeys();
    const after = await browser.newContext();
    const next = await after.newPage();
    await startAt(next);
    await submit(next, DEMO);
    await next.waitForURL(`${server.base}/`);
    assert.equal(await next.getByTestId('store-name').innerText(), 'Demo Store');
    await after.close();
  });

  test("a user of one store who pastes another store's order URL sees a not-found page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);
    const response = await page.goto(`${server.base}/orders/${secondStoreOrder}`);
    assert.equal(response.status(), 404);
    const html = await page.content();
    assert.match(html, /Page not found/);
    assert.doesNotMatch(html, /Secret Customer|Second Store/);
    await context.close();
  });

  test('a person with two stores picks one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, MULTI);
    await page.waitForURL(`${server.base}/auth/choose-store`);
    await page.getByRole('button', { name: /Second Store/ }).click();
    await page.waitForURL(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Second Store');
    await context.close();
  });

  test('a remembered sign-in skips the form, and logout ends both sessions', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);

    // The provider remembers the person (Hydra's `skip`): straight back into the store.
    await page.goto(`${server.base}/login`);
    await page.waitForURL(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store');

    await page.getByRole('button', { name: 'Sign out' }).click();
    // Back from the provider's logout, which echoes the logout request's `state`.
    await page.waitForURL((url) => url.origin === server.base && url.pathname === '/' && url.searchParams.has('state'));
    assert.match(await page.content(), /Run your store from one place/);

    // Both sessions are gone: signing in asks for the password again.
    await startAt(page);
    assert.equal(await page.getByLabel('Password').count(), 1);
    await context.close();
  });

  test("staff ending a member's sessions ends the remembered sign-in too", async () => {
    const member = await browser.newContext();
    const memberPage = await member.newPage();
    await startAt(memberPage);
    await submit(memberPage, CLERK);
    await memberPage.waitForURL(`${server.base}/`);

    const staff = await browser.newContext();
    const staffPage = await staff.newPage();
    await startAt(staffPage);
    await submit(staffPage, STAFF);
    await staffPage.waitForURL(`${server.base}/admin`);
    const demo = server.sql("SELECT tenant_id FROM tenant_slugs WHERE slug = 'demo'");
    await staffPage.goto(`${server.base}/admin/stores/${demo}`);
    const revoke = staffPage.locator('details', { hasText: `End ${CLERK.email}'s sessions` });
    await revoke.locator('summary').click();
    await revoke.getByLabel('Reason').fill('Lost their phone');
    await revoke.getByLabel('They must sign in again on every device.').check();
    await revoke.getByRole('button', { name: 'End their sessions' }).click();
    await staffPage.getByText('Their sessions are ended').waitFor();

    // The member's session here is over, and the provider no longer lets them in unasked.
    await memberPage.goto(`${server.base}/products`);
    assert.match(await memberPage.content(), /Please sign in to continue|Sign in/);
    await startAt(memberPage);
    assert.equal(await memberPage.getByLabel('Password').count(), 1, 'a remembered sign-in let them back in');
    await submit(memberPage, CLERK);
    await memberPage.waitForURL(`${server.base}/`);
    await member.close();
    await staff.close();
  });

  async function signedOut(page) {
    await page.goto(`${server.base}/products`);
    return (await page.getByTestId('store-name').count()) === 0 && /Sign in/.test(await page.content());
  }

  test('a login that ends at Hydra ends the sessions begun from it, across a store switch, and no other', async () => {
    const multi = server.sql(`SELECT id FROM accounts WHERE email = '${MULTI.email}'`);
    const known = new Set(await hydra.loginSessionsOf(multi));
    const one = await browser.newContext();
    const onePage = await one.newPage();
    await startAt(onePage);
    await submit(onePage, MULTI);
    await onePage.waitForURL(`${server.base}/auth/choose-store`);
    await onePage.getByRole('button', { name: /Second Store/ }).click();
    await onePage.waitForURL(`${server.base}/`);
    // Switching stores gives the session a new id; it still began from the same login.
    await onePage.goto(`${server.base}/auth/choose-store`);
    await onePage.getByRole('button', { name: /Demo Store/ }).click();
    await onePage.waitForURL(`${server.base}/`);
    assert.equal(await onePage.getByTestId('store-name').innerText(), 'Demo Store');
    const [sid, ...more] = (await hydra.loginSessionsOf(multi)).filter((s) => !known.has(s));
    assert.ok(sid && more.length === 0, 'one new login session at the provider');

    // The same person in another browser: a login of its own.
    const two = await browser.newContext();
    const twoPage = await two.newPage();
    await startAt(twoPage);
    await submit(twoPage, MULTI);
    await twoPage.waitForURL(`${server.base}/auth/choose-store`);
    await twoPage.getByRole('button', { name: /Second Store/ }).click();
    await twoPage.waitForURL(`${server.base}/`);

    // The first login ends at Hydra (an operator, or another app's sign-out): Hydra tells us.
    const revoked = await fetch(`${hydra.adminUrl}/admin/oauth2/auth/sessions/login?sid=${encodeURIComponent(sid)}`, { method: 'DELETE' });
    assert.equal(revoked.status, 204);
    assert.equal(hydra.backchannelLogouts.at(-1)?.status, 200, JSON.stringify(hydra.backchannelLogouts.at(-1)));
    assert.ok(await signedOut(onePage), 'the session begun from the ended login goes on');
    await twoPage.goto(`${server.base}/`);
    assert.equal(await twoPage.getByTestId('store-name').innerText(), 'Second Store', 'another login was ended too');
    await one.close();
    await two.close();
  });

  test('only a real logout token ends sessions: forged, stale and malformed ones end nothing', async () => {
    const account = String(server.sql(`SELECT id FROM accounts WHERE email = '${DEMO.email}'`));
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);

    const now = Math.floor(Date.now() / 1000);
    const honest = await hydra.logoutToken({ sub: account });
    const publishedKid = JSON.parse(Buffer.from(honest.split('.')[0], 'base64url')).kid;
    const foreign = hydra.foreignKey();
    const unsigned = [{ alg: 'none' }, JSON.parse(Buffer.from(honest.split('.')[1], 'base64url'))]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.';
    const forgeries = {
      'signed by a key the provider never published': await hydra.logoutToken({ sub: account }, { key: foreign }),
      'signed by another never-published key': await hydra.logoutToken({ sub: account }, { key: hydra.foreignKey() }),
      'signed by a third never-published key': await hydra.logoutToken({ sub: account }, { key: hydra.foreignKey() }),
      'signed by a foreign key under a published key id': await hydra.logoutToken({ sub: account }, { key: { ...foreign, kid: publishedKid } }),
      'signed with the client secret': await hydra.logoutToken({ sub: account }, { key: clientSecret, alg: 'HS256' }),
      unsigned,
      'for another client': await hydra.logoutToken({ sub: account, aud: ['another-app'] }),
      'from another issuer': await hydra.logoutToken({ sub: account, iss: 'http://127.0.0.1:9/' }),
      'without the logout event': await hydra.logoutToken({ sub: account, events: undefined }),
      'with another event': await hydra.logoutToken({ sub: account, events: { 'http://schemas.openid.net/event/other': {} } }),
      'with a nonce, as an ID token has': await hydra.logoutToken({ sub: account, nonce: 'n-0S6_WzA2Mj' }),
      'naming neither a login session nor a subject': await hydra.logoutToken({}),
      'issued an hour ago': await hydra.logoutToken({ sub: account, iat: now - 3600 }),
      expired: await hydra.logoutToken({ sub: account, exp: now - 120 }),
      'not a token at all': 'not-a-token',
    };
    const fetchesBefore = hydra.keySetFetches;
    for (const [what, token] of Object.entries(forgeries)) {
      const answer = await hydra.deliverLogoutToken(token);
      assert.equal(answer.status, 400, `${what}: ${answer.status} ${answer.body}`);
      assert.match(answer.body, /invalid_request/);
    }
    // Unknown keys send the app to the provider's key set at most once a minute, not per token.
    assert.ok(hydra.keySetFetches - fetchesBefore <= 1, `fetched the key set ${hydra.keySetFetches - fetchesBefore} times`);
    await page.goto(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store', 'a forged logout token ended the session');

    // The real one, by subject: every session of the account begun before it ends.
    assert.equal((await hydra.deliverLogoutToken(honest)).status, 200);
    assert.ok(await signedOut(page), 'the logout token by subject left the session on');

    // Signing in afterwards works (the stand-in still remembers the login; Hydra, which sent the
    // token, would ask again), and the same token sent again ends nothing new. `iat` counts whole
    // seconds, so a session begun in the token's own second ends with it: the new one begins after.
    const { iat } = JSON.parse(Buffer.from(honest.split('.')[1], 'base64url'));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (iat + 1) * 1000 - Date.now())));
    await page.goto(`${server.base}/login`);
    await page.waitForURL(`${server.base}/`);
    assert.equal((await hydra.deliverLogoutToken(honest)).status, 200);
    await page.goto(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Demo Store', 'a replayed logout token ended a later session');
    await context.close();
  });

  test('a new owner ends signup signed in through Hydra, as the new account, once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Someone else signed in to the provider in this browser before.
    await startAt(page);
    await submit(page, DEMO);
    await page.waitForURL(`${server.base}/`);

    await page.goto(`${server.base}/signup`);
    await page.getByLabel('Email').fill('hydra-owner@storefront.test');
    await page.getByLabel('Password').fill('kites fly over the harbour');
    await page.getByLabel('Store name').fill('Hydra Kites');
    await page.getByRole('button', { name: 'Create my store' }).click();
    await page.waitForURL((url) => url.origin === server.base && url.pathname === '/');
    assert.equal(await page.getByTestId('store-name').innerText(), 'Hydra Kites');

    // The provider remembers the new owner now: signing in again asks nothing.
    await page.goto(`${server.base}/login`);
    await page.waitForURL(`${server.base}/`);
    assert.equal(await page.getByTestId('store-name').innerText(), 'Hydra Kites');

    // The ticket served once: after signing out, the password is asked for.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === server.base && url.pathname === '/' && url.searchParams.has('state'));
    await startAt(page);
    assert.equal(await page.getByLabel('Password').count(), 1, 'the signup ticket let someone in twice');
    await context.close();
  });

  test('cancelling ends the sign-in with a clear message', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await startAt(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.pathname === '/auth/login' && url.searchParams.get('error') === 'cancelled');
    assert.match(await page.getByRole('alert').innerText(), /cancelled/);
    await context.close();
  });
});
