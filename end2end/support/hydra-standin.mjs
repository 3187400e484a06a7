// A stand-in for Ory Hydra in the browser tests: a real, certified OpenID Provider (npm
// `oidc-provider`) on one port, and on a second port the part of Hydra's admin API a login and
// consent provider uses (login, consent and logout requests: get, accept, reject; revoking a
// subject's login sessions). Like Hydra, it has no login page of its own: it sends the browser to
// the app's pages with challenges.
//
// Every request body the app sends and every answer given is validated against Hydra's
// published OpenAPI document (shared/contracts), so the app is held to Hydra's real contract.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { importJWK, SignJWT } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const SPEC = process.env.HYDRA_SPEC ?? join(here, '../../../shared/contracts/hydra-v26.2.0-api.json');

/** OpenAPI 3.0 `nullable` as JSON Schema types, so ajv can check the document's schemas. */
function asJsonSchema(node) {
  if (Array.isArray(node)) return node.map(asJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, asJsonSchema(v)]));
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  return out;
}

function hydraContract() {
  const spec = JSON.parse(readFileSync(SPEC, 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'hydra', components: asJsonSchema(spec.components) });
  return (schema, value, what) => {
    const validate = ajv.getSchema(`hydra#/components/schemas/${schema}`);
    if (!validate) throw new Error(`no schema ${schema} in Hydra's API document`);
    if (!validate(value)) {
      throw new Error(`${what} does not match Hydra's ${schema}: ${ajv.errorsText(validate.errors)}`);
    }
  };
}

async function listen(server, port) {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}

/** A key set with one new RS256 signing key, as Hydra's `hydra.openid.id-token` set after a rotation. */
function signingKeys() {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/**
 * Starts the provider on `publicPort` and the admin API on `adminPort`, for an app at `appBase`
 * registered as the first-party client `clientId`/`clientSecret`.
 */
export async function startHydraStandIn({ appBase, publicPort, adminPort, clientId, clientSecret }) {
  const issuer = `http://127.0.0.1:${publicPort}`;
  const check = hydraContract();
  const loginContexts = new Map(); // subject → context accepted at login
  const idTokenClaims = new Map(); // subject → session.id_token accepted at consent
  const logoutForms = new Map(); // logout challenge → the provider's confirmation form
  const loginSessions = new Map(); // subject → ids of the provider sessions it signed in with
  const contractErrors = [];
  const backchannelLogouts = []; // {status, body} of each logout token sent to the app

  // Hydra sends every authorization to the login and consent pages (with `skip` when it
  // remembers); oidc-provider would skip them, so both prompts are always requested until the
  // app has answered them in this authorization (a resumed interaction carries only the last
  // answer: after consent, login was answered before it).
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  // `prompt=login` is Hydra's to act on through `skip` (below); this provider's own check would
  // ask again after consent, whose result no longer carries the login.
  policy.get('login').checks.remove('login_prompt');
  policy.get('login').checks.add(new Check('hydra_asks_always', 'Hydra asks the login provider',
    (ctx) => (ctx.oidc.result?.login || ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT)));
  policy.get('consent').checks.add(new Check('hydra_asks_always', 'Hydra asks the consent provider',
    (ctx) => (ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT)));

  // The provider's cookies outlive a key rotation, like Hydra's (its sessions live in the
  // memory adapter all providers of this process share).
  const cookieKeys = [randomBytes(16).toString('hex')];
  let keys = signingKeys();
  const makeProvider = () => new Provider(issuer, {
    jwks: keys,
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${appBase}/auth/callback`],
      post_logout_redirect_uris: [`${appBase}/`],
      // As registered with Hydra (README): ID tokens carry the login session's `sid`, and a
      // login that ends is told to the app with a logout token naming it.
      backchannel_logout_uri: `${appBase}/auth/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    routes: {
      authorization: '/oauth2/auth',
      token: '/oauth2/token',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
      end_session: '/oauth2/sessions/logout',
    },
    claims: { openid: ['sub', 'tenant_id', 'role', 'staff_role'] },
    conformIdTokenClaims: false,
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub, ...(idTokenClaims.get(sub) ?? {}) }) }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    cookies: { keys: cookieKeys },
    // Hydra sends logout tokens to the registered address, loopback included here (the
    // provider's own guard against private addresses would refuse the app's).
    fetch: (url, options) => fetch(url, { ...options, dispatcher: undefined }),
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Like Hydra: the app's logout page confirms, through the admin API.
        logoutSource: async (ctx, form) => {
          const challenge = randomUUID();
          logoutForms.set(challenge, { form, subject: ctx.oidc.session?.accountId, sid: ctx.oidc.session?.uid });
          ctx.redirect(`${appBase}/auth/logout?logout_challenge=${challenge}`);
        },
      },
    },
  });
  let provider = makeProvider();
  let keySetFetches = 0;
  let handle = provider.callback();
  const publicServer = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      const interaction = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (interaction) {
        const details = await provider.interactionDetails(req, res);
        const page = details.prompt.name === 'login' ? 'login?login_challenge' : 'consent?consent_challenge';
        res.writeHead(302, { location: `${appBase}/auth/${page}=${details.uid}` }).end();
        return;
      }
      const accepted = url.pathname.match(/^\/logout-accepted\/([^/]+)$/);
      if (accepted) {
        const entry = logoutForms.get(accepted[1]);
        logoutForms.delete(accepted[1]);
        if (!entry) { res.writeHead(410).end('logout request expired'); return; }
        const form = entry.form.replace('</form>', '<input type="hidden" name="logout" value="yes"/><button type="submit">Continue</button></form>');
        res.writeHead(200, { 'content-type': 'text/html' })
          .end(`<!DOCTYPE html><html><body>${form}<script>document.forms[0].submit()</script></body></html>`);
        return;
      }
      if (url.pathname === '/.well-known/jwks.json') keySetFetches += 1;
      handle(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });

  /** The authorization request an interaction answers, as Hydra's `request_url`. */
  const requestUrl = (interaction) => `${issuer}/oauth2/auth?${new URLSearchParams(interaction.params)}`;

  // Like Hydra: a challenge already handled answers 410 with where the browser goes on (the
  // flow's request URL); one never made, or expired, answers 404.
  const handled = new Map(); // challenge → request_url
  async function interactionOr410(uid, res) {
    const interaction = uid && await provider.Interaction.find(uid);
    if (interaction) return interaction;
    const [status, schema, body] = handled.has(uid)
      ? [410, 'oAuth2RedirectTo', { redirect_to: handled.get(uid) }]
      : [404, 'errorOAuth2', { error: 'not_found', error_description: 'The challenge was never made or has expired.' }];
    check(schema, body, `the ${status} answer for challenge ${uid}`);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return undefined;
  }

  async function finish(interaction, result) {
    handled.set(interaction.uid, requestUrl(interaction));
    interaction.result = result;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    return { redirect_to: interaction.returnTo };
  }

  /** Notes the provider session an interaction belongs to, so it can be revoked by subject. */
  function seen(interaction) {
    const { accountId, uid } = interaction.session ?? {};
    if (!accountId || !uid) return;
    if (!loginSessions.has(accountId)) loginSessions.set(accountId, new Set());
    loginSessions.get(accountId).add(uid);
  }

  /**
   * A logout token with `claims` over Hydra's (this issuer, for the app, the logout event, issued
   * now, an id), signed with the provider's current key, or with `key` (a private JWK, or a
   * secret for HS256) to forge one. A claim given as `undefined` is left out.
   */
  async function logoutToken(claims, { key = keys.keys[0], alg = 'RS256', header = {} } = {}) {
    const payload = Object.fromEntries(Object.entries({
      iss: issuer,
      aud: [clientId],
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      ...claims,
    }).filter(([, value]) => value !== undefined));
    const signingKey = alg.startsWith('HS') ? new TextEncoder().encode(key) : await importJWK(key, alg);
    return new SignJWT(payload)
      .setProtectedHeader({ alg, ...(alg.startsWith('HS') ? {} : { kid: key.kid }), ...header })
      .sign(signingKey);
  }

  async function deliverLogoutToken(token) {
    const response = await fetch(`${appBase}/auth/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
      redirect: 'manual',
    });
    const answer = { status: response.status, body: await response.text() };
    backchannelLogouts.push(answer);
    return answer;
  }

  const admin = async (req, res) => {
    const url = new URL(req.url, 'http://admin');
    const route = `${req.method} ${url.pathname}`;
    const body = await readJson(req);
    const reply = (schema, value) => {
      check(schema, value, `the answer to ${route}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const client = (id) => ({ client_id: id, skip_consent: false });
    switch (route) {
      case 'GET /admin/oauth2/auth/requests/login': {
        const interaction = await interactionOr410(url.searchParams.get('login_challenge'), res);
        if (!interaction) return;
        const remembered = interaction.session?.accountId;
        seen(interaction);
        // Like Hydra: `prompt=login` asks the person again, whatever is remembered.
        const prompted = String(interaction.params.prompt ?? '').split(' ').includes('login');
        return reply('oAuth2LoginRequest', {
          challenge: interaction.uid,
          skip: Boolean(remembered) && !prompted,
          subject: remembered ?? '',
          client: client(interaction.params.client_id),
          request_url: requestUrl(interaction),
          requested_scope: String(interaction.params.scope ?? '').split(' ').filter(Boolean),
          requested_access_token_audience: [],
          session_id: interaction.session?.uid ?? '',
        });
      }
      case 'PUT /admin/oauth2/auth/requests/login/accept': {
        check('acceptOAuth2LoginRequest', body, `the body of ${route}`);
        const interaction = await interactionOr410(url.searchParams.get('login_challenge'), res);
        if (!interaction) return;
        loginContexts.set(body.subject, body.context);
        return reply('oAuth2RedirectTo', await finish(interaction, { login: { accountId: body.subject, remember: body.remember } }));
      }
      case 'PUT /admin/oauth2/auth/requests/login/reject':
      case 'PUT /admin/oauth2/auth/requests/consent/reject': {
        check('rejectOAuth2Request', body, `the body of ${route}`);
        const key = route.includes('login') ? 'login_challenge' : 'consent_challenge';
        const interaction = await interactionOr410(url.searchParams.get(key), res);
        if (!interaction) return;
        return reply('oAuth2RedirectTo', await finish(interaction, { error: body.error, error_description: body.error_description }));
      }
      case 'GET /admin/oauth2/auth/requests/consent': {
        const interaction = await interactionOr410(url.searchParams.get('consent_challenge'), res);
        if (!interaction) return;
        const subject = interaction.session?.accountId;
        seen(interaction);
        return reply('oAuth2ConsentRequest', {
          challenge: interaction.uid,
          skip: false,
          subject,
          client: client(interaction.params.client_id),
          requested_scope: String(interaction.params.scope ?? '').split(' ').filter(Boolean),
          requested_access_token_audience: [],
          context: loginContexts.get(subject),
          login_session_id: interaction.session?.uid,
        });
      }
      case 'PUT /admin/oauth2/auth/requests/consent/accept': {
        check('acceptOAuth2ConsentRequest', body, `the body of ${route}`);
        const interaction = await interactionOr410(url.searchParams.get('consent_challenge'), res);
        if (!interaction) return;
        const { accountId } = interaction.session;
        const grant = interaction.grantId
          ? await provider.Grant.find(interaction.grantId)
          : new provider.Grant({ accountId, clientId: interaction.params.client_id });
        grant.addOIDCScope((body.grant_scope ?? []).join(' '));
        idTokenClaims.set(accountId, body.session?.id_token ?? {});
        const grantId = await grant.save();
        return reply('oAuth2RedirectTo', await finish(interaction, { consent: { grantId } }));
      }
      case 'GET /admin/oauth2/auth/requests/logout': {
        const challenge = url.searchParams.get('logout_challenge');
        const entry = logoutForms.get(challenge);
        if (!entry) { res.writeHead(410).end('{}'); return; }
        return reply('oAuth2LogoutRequest', { challenge, subject: entry.subject, sid: entry.sid, rp_initiated: true, client: client(clientId), request_url: `${issuer}/oauth2/sessions/logout` });
      }
      case 'PUT /admin/oauth2/auth/requests/logout/accept': {
        const challenge = url.searchParams.get('logout_challenge');
        if (!logoutForms.has(challenge)) { res.writeHead(410).end('{}'); return; }
        return reply('oAuth2RedirectTo', { redirect_to: `${issuer}/logout-accepted/${challenge}` });
      }
      case 'DELETE /admin/oauth2/auth/sessions/login': {
        const subject = url.searchParams.get('subject');
        const sid = url.searchParams.get('sid');
        if (sid) {
          // By login session: that one ends, and (as Hydra does for `sid` only) each client
          // that signed in with it gets a back-channel logout naming it.
          for (const [account, uids] of loginSessions) {
            for (const uid of uids) {
              const session = await provider.Session.findByUid(uid);
              if (session?.sidFor(clientId) !== sid) continue;
              // Hydra's logout token names the login session only (no `sub`).
              await deliverLogoutToken(await logoutToken({ sid }));
              await session.destroy();
              uids.delete(uid);
            }
          }
          res.writeHead(204).end();
          return;
        }
        // By subject: every sign-in of the person is forgotten; the next one asks again.
        if (!subject) {
          res.writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'invalid_request', error_description: 'subject or sid is required' }));
          return;
        }
        for (const uid of loginSessions.get(subject) ?? []) {
          await (await provider.Session.findByUid(uid))?.destroy();
        }
        loginSessions.delete(subject);
        res.writeHead(204).end();
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found' }));
    }
  };
  const adminServer = createServer((req, res) => admin(req, res).catch((error) => {
    contractErrors.push(String(error.message ?? error));
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error.message ?? error) }));
  }));

  await listen(publicServer, publicPort);
  await listen(adminServer, adminPort);
  return {
    issuer,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    /** Anything the app sent or was answered that broke Hydra's contract. */
    contractErrors,
    /** The back-channel logouts sent to the app, and how each was answered. */
    backchannelLogouts,
    /** How often the app fetched the published keys. */
    get keySetFetches() { return keySetFetches; },
    /** The login sessions (as the `sid` of their ID tokens) the subject signed in with. */
    async loginSessionsOf(subject) {
      const sids = [];
      for (const uid of loginSessions.get(subject) ?? []) {
        const sid = (await provider.Session.findByUid(uid))?.sidFor(clientId);
        if (sid) sids.push(sid);
      }
      return sids;
    },
    /**
     * A logout token with `claims` over the defaults (this issuer, for the app, the logout
     * event, issued now), signed with the provider's current key, or with `key` (a private JWK)
     * to forge one. A claim given as `undefined` is left out.
     */
    logoutToken,
    /** Posts a logout token to the app as Hydra does; the app's answer. */
    deliverLogoutToken,
    /** A signing key the provider never published, for forged tokens. */
    foreignKey: () => signingKeys().keys[0],
    /** Signs from now on with a new key, published at the JWKS address instead of the old one. */
    rotateKeys() {
      keys = signingKeys();
      provider = makeProvider();
      handle = provider.callback();
    },
    async stop() {
      publicServer.closeAllConnections();
      adminServer.closeAllConnections();
      await Promise.all([new Promise((r) => publicServer.close(r)), new Promise((r) => adminServer.close(r))]);
    },
  };
}
