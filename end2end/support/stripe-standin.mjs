// A stand-in for Stripe in the tests: the part of Stripe's API the app calls (Checkout Sessions:
// create, retrieve, expire; billing-portal sessions; customers to read; subscriptions to read
// and update), a hosted checkout page to pay on, and a billing portal page. Paying, and updating a
// subscription, send the app the events Stripe sends, built from the fixture events of the pinned
// API version (end2end/fixtures/stripe) and signed with the webhook secret the way Stripe signs them.
//
// The app reaches it through its real Stripe client with only the base URL changed
// (`STRIPE_API_BASE`). Webhooks go to `/webhooks/stripe` on the origin of the session's
// success URL, which is the app's public URL.
//
// Used as a module (`startStripeStandIn`) by the browser tests, or run on its own by the Rust
// tests: `node stripe-standin.mjs` prints `listening on <base>` (env: `PORT`, `STRIPE_WEBHOOK_SECRET`).
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '../fixtures/stripe');

const fixture = (type) => JSON.parse(readFileSync(join(FIXTURES, `${type}.json`), 'utf8'));
const id = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as Stripe signs a webhook. */
export function signature(body, secret, timestamp = now()) {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

const apiError = (res, status, message) =>
  send(res, status, { error: { type: 'invalid_request_error', message } });

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
button{font-size:1rem;padding:.6rem 1.2rem;background:#635bff;color:#fff;border:0;border-radius:6px}</style></head>
<body><main>${body}</main></body></html>`;
}

/** Starts the stand-in on `port` (0: any free one). `secret` signs the webhooks. */
export async function startStripeStandIn({ port = 0, secret, eventDelayMs = 800 } = {}) {
  if (!secret) throw new Error('the Stripe stand-in needs the webhook secret');
  const sessions = new Map();
  const customers = new Map();
  const subscriptions = new Map();
  const webhookUrls = new Map(); // subscription id → where its events go (the app that paid)
  const idempotent = new Map();
  const requests = [];
  const delivered = [];

  /** Signs an event built from the fixture of `type` around `object` and posts it to the app. */
  async function deliver(webhookUrl, type, object) {
    const event = fixture(type);
    Object.assign(event, { id: id('evt'), created: now() });
    event.data.object = object;
    const body = JSON.stringify(event);
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature(body, secret) },
      body,
    });
    delivered.push({ type, status: response.status });
    if (!response.ok) console.error(`stripe stand-in: ${type} answered ${response.status}`);
    return response.status;
  }

  function subscriptionFor(session, customer) {
    const sub = fixture('customer.subscription.created').data.object;
    const subId = id('sub');
    const item = sub.items.data[0];
    Object.assign(item, { id: id('si'), subscription: subId, created: now(), current_period_start: now(), current_period_end: now() + 30 * 86400 });
    item.price.id = session.price;
    item.plan.id = session.price;
    Object.assign(sub, {
      id: subId, customer: customer.id, created: now(), start_date: now(), billing_cycle_anchor: now(),
      metadata: session.subscription_metadata, status: 'active', latest_invoice: id('in'),
    });
    sub.items.url = `/v1/subscription_items?subscription=${subId}`;
    return sub;
  }

  function invoiceFor(sub, paid) {
    const invoice = fixture(paid ? 'invoice.paid' : 'invoice.payment_failed').data.object;
    Object.assign(invoice, { id: sub.latest_invoice, customer: sub.customer, created: now(), customer_email: customers.get(sub.customer)?.email ?? null });
    invoice.parent.subscription_details = { metadata: sub.metadata, subscription: sub.id };
    return invoice;
  }

  /** The hosted checkout's "Pay": customer, subscription, the session completed, and the events. */
  function pay(session) {
    const customer = fixture('customer.created').data.object;
    Object.assign(customer, { id: id('cus'), email: session.customer_email, created: now() });
    customers.set(customer.id, customer);
    const sub = subscriptionFor(session, customer);
    subscriptions.set(sub.id, sub);
    webhookUrls.set(sub.id, `${new URL(session.success_url).origin}/webhooks/stripe`);
    Object.assign(session, { status: 'complete', payment_status: 'paid', customer: customer.id, subscription: sub.id, invoice: sub.latest_invoice });
    session.customer_details = { address: null, email: session.customer_email, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
    const webhookUrl = `${new URL(session.success_url).origin}/webhooks/stripe`;
    // Stripe's events come a moment after the customer is sent back, and not always in order.
    setTimeout(async () => {
      await deliver(webhookUrl, 'customer.subscription.created', sub);
      await deliver(webhookUrl, 'checkout.session.completed', publicSession(session));
      await deliver(webhookUrl, 'invoice.paid', invoiceFor(sub, true));
    }, eventDelayMs);
  }

  /** `POST /v1/subscriptions/:id` with `trial_end` and `items[0][id|price]`, as Stripe checks them. */
  function updateSubscription(sub, form) {
    const trialEnd = form.get('trial_end');
    if (trialEnd !== null) {
      const end = trialEnd === 'now' ? now() : Number(trialEnd);
      if (!Number.isInteger(end)) throw new Error(`Invalid integer: ${trialEnd}`);
      if (trialEnd !== 'now' && end <= now()) throw new Error('Invalid timestamp: must be an integer Unix timestamp in the future.');
      Object.assign(sub, { trial_end: end, status: end > now() ? 'trialing' : 'active' });
      if (end > now()) sub.trial_start ??= now();
    }
    const itemId = form.get('items[0][id]');
    if (itemId !== null) {
      const item = sub.items.data.find((i) => i.id === itemId);
      if (!item) throw new Error(`Invalid subscription_item id: ${itemId}`);
      const price = form.get('items[0][price]');
      if (price) {
        item.price.id = price;
        item.plan.id = price;
      }
    }
  }

  const publicSession = (session) => {
    const { price, subscription_metadata, ...rest } = session;
    return rest;
  };

  function createSession(form, base) {
    const session = fixture('checkout.session.completed').data.object;
    const sessionId = id('cs_test');
    const metadata = {};
    const subscriptionMetadata = {};
    for (const [key, value] of form) {
      const meta = key.match(/^metadata\[(.+)\]$/);
      if (meta) metadata[meta[1]] = value;
      const subMeta = key.match(/^subscription_data\[metadata\]\[(.+)\]$/);
      if (subMeta) subscriptionMetadata[subMeta[1]] = value;
    }
    const price = form.get('line_items[0][price]');
    if (form.get('mode') !== 'subscription') throw new Error('only subscription mode is stood in for');
    if (!price) throw new Error('Missing required param: line_items[0][price].');
    if (!form.get('success_url')) throw new Error('Missing required param: success_url.');
    Object.assign(session, {
      id: sessionId, created: now(), expires_at: now() + 86400, status: 'open', payment_status: 'unpaid',
      client_reference_id: form.get('client_reference_id'), customer: form.get('customer'),
      customer_email: form.get('customer_email'), metadata, success_url: form.get('success_url'),
      cancel_url: form.get('cancel_url'), subscription: null, invoice: null,
      url: `${base}/pay/${sessionId}`, price, subscription_metadata: subscriptionMetadata,
    });
    session.customer_details = null;
    sessions.set(sessionId, session);
    return session;
  }

  const server = createServer(async (req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    const url = new URL(req.url, base);
    const path = url.pathname;
    try {
      if (path.startsWith('/v1/')) {
        if (!/^Bearer sk_test_/.test(req.headers.authorization ?? '')) {
          return apiError(res, 401, 'Invalid API Key provided.');
        }
        requests.push({ method: req.method, path, idempotencyKey: req.headers['idempotency-key'] ?? null });
      }
      let match;
      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        const form = await readForm(req);
        const key = req.headers['idempotency-key'];
        if (key && idempotent.has(key)) return send(res, 200, publicSession(sessions.get(idempotent.get(key))));
        let session;
        try {
          session = createSession(form, base);
        } catch (error) {
          return apiError(res, 400, error.message);
        }
        if (key) idempotent.set(key, session.id);
        return send(res, 200, publicSession(session));
      }
      if ((match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/)) && req.method === 'GET') {
        const session = sessions.get(match[1]);
        return session ? send(res, 200, publicSession(session)) : apiError(res, 404, `No such checkout.session: '${match[1]}'`);
      }
      if ((match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/)) && req.method === 'POST') {
        await readForm(req);
        const session = sessions.get(match[1]);
        if (!session) return apiError(res, 404, `No such checkout.session: '${match[1]}'`);
        if (session.status !== 'open') {
          return apiError(res, 400, `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`);
        }
        session.status = 'expired';
        return send(res, 200, publicSession(session));
      }
      if (req.method === 'POST' && path === '/v1/billing_portal/sessions') {
        const form = await readForm(req);
        const customer = form.get('customer');
        if (!customers.has(customer)) return apiError(res, 400, `No such customer: '${customer}'`);
        const portalId = id('bps');
        return send(res, 200, {
          id: portalId, object: 'billing_portal.session', configuration: 'bpc_standin', created: now(),
          customer, flow: null, livemode: false, locale: null, on_behalf_of: null,
          return_url: form.get('return_url'), url: `${base}/portal/${portalId}?customer=${customer}&return_url=${encodeURIComponent(form.get('return_url') ?? '')}`,
        });
      }
      if ((match = path.match(/^\/v1\/customers\/([^/]+)$/)) && req.method === 'GET') {
        const customer = customers.get(match[1]);
        return customer ? send(res, 200, customer) : apiError(res, 404, `No such customer: '${match[1]}'`);
      }
      if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/)) && req.method === 'GET') {
        const sub = subscriptions.get(match[1]);
        return sub ? send(res, 200, sub) : apiError(res, 404, `No such subscription: '${match[1]}'`);
      }
      if ((match = path.match(/^\/v1\/subscriptions\/([^/]+)$/)) && req.method === 'POST') {
        const form = await readForm(req);
        const sub = subscriptions.get(match[1]);
        if (!sub) return apiError(res, 404, `No such subscription: '${match[1]}'`);
        try {
          updateSubscription(sub, form);
        } catch (error) {
          return apiError(res, 400, error.message);
        }
        // Stripe tells of the change afterwards, as an event.
        setTimeout(() => deliver(webhookUrls.get(sub.id), 'customer.subscription.updated', sub), eventDelayMs);
        return send(res, 200, sub);
      }
      // The hosted checkout page.
      if ((match = path.match(/^\/pay\/([^/]+)$/))) {
        const session = sessions.get(match[1]);
        if (!session) return send(res, 404, page('Not found', '<h1>This checkout page does not exist</h1>'));
        if (req.method === 'POST') {
          await readForm(req);
          if (session.status !== 'open') return send(res, 409, page('Checkout closed', '<h1>This checkout is closed</h1>'));
          pay(session);
          const back = session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id);
          res.writeHead(303, { location: back });
          return res.end();
        }
        if (session.status !== 'open') return send(res, 200, page('Checkout closed', '<h1>This checkout is closed</h1>'));
        return send(res, 200, page('Checkout', `<h1>Subscribe</h1>
<p>Price <span data-testid="price">${escape(session.price)}</span>, monthly, for <span data-testid="email">${escape(session.customer_email ?? session.customer)}</span>.</p>
<p>Card 4242 4242 4242 4242 (stand-in: nothing is charged).</p>
<form method="post"><button type="submit">Pay and subscribe</button></form>
<p><a href="${escape(session.cancel_url)}">Back</a></p>`));
      }
      // The billing portal page.
      if ((match = path.match(/^\/portal\/([^/]+)$/))) {
        return send(res, 200, page('Billing portal', `<h1>Billing portal</h1>
<p>Customer <span data-testid="customer">${escape(url.searchParams.get('customer'))}</span></p>
<p><a href="${escape(url.searchParams.get('return_url'))}">Return to the store</a></p>`));
      }
      // For tests: make a subscription's next change happen (a failed renewal, say), with its events.
      if ((match = path.match(/^\/_standin\/subscriptions\/([^/]+)$/)) && req.method === 'POST') {
        const form = await readForm(req);
        const sub = subscriptions.get(match[1]);
        if (!sub) return apiError(res, 404, 'No such subscription');
        const webhookUrl = form.get('webhook_url');
        sub.status = form.get('status');
        // A trial (begun in Stripe's dashboard, say) runs a week unless told otherwise.
        if (sub.status === 'trialing') Object.assign(sub, { trial_start: now(), trial_end: Number(form.get('trial_end') ?? now() + 7 * 86400) });
        const type = sub.status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated';
        if (sub.status === 'past_due') await deliver(webhookUrl, 'invoice.payment_failed', invoiceFor(sub, false));
        const status = await deliver(webhookUrl, type, sub);
        return send(res, 200, { delivered: type, status });
      }
      if (path === '/_standin/state') {
        return send(res, 200, { requests, delivered, sessions: [...sessions.values()].map(publicSession), subscriptions: [...subscriptions.values()] });
      }
      return apiError(res, 404, `Unrecognized request URL (${req.method}: ${path}).`);
    } catch (error) {
      console.error('stripe stand-in:', error);
      return apiError(res, 500, String(error));
    }
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    requests,
    delivered,
    sessions,
    subscriptions,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const standIn = await startStripeStandIn({
    port: Number(process.env.PORT ?? 0),
    secret: process.env.STRIPE_WEBHOOK_SECRET,
    eventDelayMs: Number(process.env.EVENT_DELAY_MS ?? 800),
  });
  console.log(`listening on ${standIn.base}`);
}
