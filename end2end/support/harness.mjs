// Starts the real `storefront serve` on the embedded default (a private PostgreSQL cluster in
// a fresh folder) and a headless Chromium driven by playwright-core.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const BIN = process.env.STOREFRONT_BIN ?? 'target/debug/storefront';

export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function waitUntilReady(base, proc, output) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`storefront exited (${proc.exitCode}):\n${output.join('')}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`storefront did not become ready:\n${output.join('')}`);
}

/**
 * Runs `storefront serve` with its data under `dataDir` (a new folder unless given), on `port`
 * (a free one unless given), with `env` added to its environment.
 */
export async function startServer({ dataDir, port, env = {} } = {}) {
  if (!dataDir) {
    dataDir = await mkdtemp(join(tmpdir(), 'storefront-e2e-'));
    // When the tests run as root, PostgreSQL runs as the postgres user and must reach it.
    await chmod(dataDir, 0o755);
  }
  port ??= await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output = [];
  const proc = spawn(BIN, ['serve'], {
    env: { ...process.env, DATABASE_URL: '', STOREFRONT_DATA_DIR: dataDir, LISTEN_ADDR: `127.0.0.1:${port}`, RUST_LOG: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (chunk) => output.push(chunk.toString()));
  proc.stderr.on('data', (chunk) => output.push(chunk.toString()));
  await waitUntilReady(base, proc, output);
  return {
    base,
    dataDir,
    output,
    /** Stops the server the way an operator would (SIGTERM) and waits for it to exit. */
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
      return proc.exitCode;
    },
    /** Runs SQL as the owner of the server's embedded database (test data set-up). */
    sql(statement) {
      return execFileSync('psql', ['-h', join(dataDir, 'postgres', 'pgdata'), '-U', 'storefront', '-d', 'storefront',
        '-v', 'ON_ERROR_STOP=1', '-qtAc', statement], { encoding: 'utf8' }).trim();
    },
    async remove() {
      await this.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export const DEMO = { email: 'demo@storefront.test', password: 'demo-store-password' };

export async function signIn(page, base, { email, password }) {
  await page.goto(`${base}/auth/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname === '/' || url.pathname === '/auth/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/**
 * The next submission of `form` (a locator) reaches the server and is carried out, but its
 * answer never comes back: the connection drops, as on a train going into a tunnel.
 */
export async function loseNextAnswer(page, form) {
  const endpoint = new URL(await form.getAttribute('action'), page.url()).href;
  await page.route(endpoint, async (route) => {
    await route.fetch();
    await route.abort('connectionreset');
  }, { times: 1 });
}

/**
 * For a `describe` block: starts a server (on the embedded default) and a browser before its
 * tests and stops both after them. The returned object holds `server` and `browser` once
 * started.
 */
export function serverAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.remove();
  });
  return env;
}
