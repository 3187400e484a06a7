// The embedded default: `storefront serve` with no DATABASE_URL keeps its data across restarts
// and stops its PostgreSQL cluster when it exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO, startServer } from '../support/harness.mjs';

async function ordersIn90Days(base) {
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    // A browser sends its page's origin with a form post; the app refuses posts without one.
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams(DEMO),
  });
  assert.equal(login.status, 303);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const html = await (await fetch(`${base}/?period=90`, { headers: { cookie } })).text();
  const match = html.match(/data-testid="figure-orders"[^>]*>([\d,]+)</);
  assert.ok(match, 'the orders figure is on the page');
  return Number(match[1].replace(/,/g, ''));
}

test('data survives a restart, and the cluster stops with the server', async () => {
  const first = await startServer();
  const pidFile = join(first.dataDir, 'postgres', 'pgdata', 'postmaster.pid');
  try {
    assert.ok(existsSync(pidFile), 'the embedded cluster runs while serving');
    const before = await ordersIn90Days(first.base);
    assert.equal(await first.stop(), 0, 'the server exits cleanly on SIGTERM');
    assert.ok(!existsSync(pidFile), 'the embedded cluster is still running after the server stopped');

    const second = await startServer({ dataDir: first.dataDir });
    try {
      assert.equal(await ordersIn90Days(second.base), before);
      assert.doesNotMatch(second.output.join(''), /seeded the demo store/, 'the demo store was seeded twice');
    } finally {
      await second.stop();
    }
  } finally {
    await first.remove();
  }
});
