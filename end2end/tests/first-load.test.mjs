// The first load of the dashboard in a browser with nothing cached: every byte that crosses the
// network is counted (as sent, compressed) and printed; the site's files come compressed and
// cached for a year under names that change with their content, so a second visit fetches none
// of them, nor does following a link to the next page; and each page comes to life.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, serverAndBrowser, signIn } from '../support/harness.mjs';

/** Every response of `page` from now on: its URL, headers and the bytes it took on the wire. */
async function recordTraffic(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const responses = new Map();
  // The memory cache tells by an event of its own, sent before the response.
  const fromMemory = new Set();
  cdp.on('Network.requestServedFromCache', ({ requestId }) => fromMemory.add(requestId));
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const fromCache = Boolean(response.fromDiskCache || response.fromMemoryCache || fromMemory.has(requestId));
    responses.set(requestId, { url: response.url, status: response.status, headers: response.headers, fromCache, bytes: 0 });
  });
  cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const response = responses.get(requestId);
    if (response) response.bytes = encodedDataLength;
  });
  return responses;
}

const header = (response, name) =>
  Object.entries(response.headers).find(([key]) => key.toLowerCase() === name)?.[1];

describe('first load', () => {
  const env = serverAndBrowser();

  test('a cold dashboard load is counted, its files come compressed and immutable, and neither a link nor a second visit fetches them again', async () => {
    const { base } = env.server;
    const signingIn = await env.browser.newContext();
    await signIn(await signingIn.newPage(), base, DEMO);
    const cookies = await signingIn.cookies();
    await signingIn.close();

    // A browser that has signed in, with an empty cache.
    const context = await env.browser.newContext();
    await context.addCookies(cookies);
    const page = await context.newPage();
    const traffic = await recordTraffic(page);
    await page.goto(`${base}/`);
    await page.locator('html[data-hydrated]').waitFor();
    await page.waitForLoadState('networkidle');

    const all = [...traffic.values()];
    const total = all.reduce((sum, r) => sum + r.bytes, 0);
    for (const r of all) console.log(`first load: ${String(r.bytes).padStart(8)} bytes  ${new URL(r.url).pathname}`);
    console.log(`first load of the dashboard: ${total} bytes in ${all.length} responses (goal: 500,000)`);

    const files = all.filter((r) => new URL(r.url).pathname.startsWith('/pkg/'));
    assert.deepEqual(files.map((r) => new URL(r.url).pathname.replace(/\.[0-9a-f]{16}/, '.<hash>')).sort(),
      ['/pkg/storefront.<hash>.css', '/pkg/storefront.<hash>.js', '/pkg/storefront.<hash>_bg.wasm']);
    for (const file of files) {
      assert.equal(header(file, 'content-encoding'), 'br', `${file.url} is not sent as brotli`);
      assert.equal(header(file, 'cache-control'), 'public, max-age=31536000, immutable', file.url);
      assert.match(header(file, 'vary') ?? '', /accept-encoding/i, file.url);
    }
    const html = all.find((r) => new URL(r.url).pathname === '/');
    assert.equal(header(html, 'content-encoding'), 'gzip', 'the page itself is compressed');
    assert.equal(header(html, 'cache-control'), 'no-store', 'a store\'s page is never kept');

    // A link to the next page, and a second visit: the page is the only thing fetched, the
    // site's files come from the cache without asking the server, and each page comes to life.
    const fromCacheOnly = async (where) => {
      await page.locator('html[data-hydrated]').waitFor();
      const again = [...traffic.values()].filter((r) => new URL(r.url).pathname.startsWith('/pkg/'));
      assert.equal(again.length, 3, `${where}: the page still uses its three files`);
      const fetched = again.filter((r) => !r.fromCache || r.bytes > 0 || r.status !== 200);
      assert.deepEqual(fetched.map((r) => r.url), [], `${where}: fetched or revalidated again`);
      const pages = [...traffic.values()].filter((r) => !new URL(r.url).pathname.startsWith('/pkg/'));
      console.log(`${where}: ${pages.reduce((sum, r) => sum + r.bytes, 0)} bytes in ${pages.length} responses`);
    };
    traffic.clear();
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.waitForURL(`${base}/orders`);
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await fromCacheOnly('following a link to the orders');

    traffic.clear();
    await page.goto(`${base}/`);
    await fromCacheOnly('a second visit to the dashboard');
    await context.close();
  });
});
