// The sign-in phase of scripts/bench: signs each store's owner in through the real sign-in form,
// as a browser would (a form post from the app's own page, the session cookie kept), `concurrency`
// at a time. Reads `email \t tenant \t customer \t product \t product \t product` lines on stdin;
// writes `tenant \t cookie \t customer \t products…` lines to `out`, and one JSON line of figures.
// A 503 with Retry-After is the server shedding password checks it has no slot for in time (its
// busy page asks to try again in a few seconds): the owner waits as long and tries again, as a
// person would, up to MAX_TRIES; these answers are counted apart (`busy`), not as errors.
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';

const [base, password, out, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 32);
const owners = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) owners.push(line.split('\t'));
}

const MAX_TRIES = 5;
const signedIn = new Array(owners.length);
const latencies = [];
let errors = 0;
let busy = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function signIn(email) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${base}/auth/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }),
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    if (response.status === 503 && retryAfter > 0 && attempt < MAX_TRIES) {
      busy += 1;
      await response.arrayBuffer();
      await sleep(retryAfter * 1000);
      continue;
    }
    return response;
  }
}
let next = 0;
async function worker() {
  while (next < owners.length) {
    const index = next++;
    const [email, ...rest] = owners[index];
    const started = performance.now();
    try {
      const response = await signIn(email);
      const cookie = response.headers.getSetCookie()
        .map((c) => c.match(/^storefront_session=([^;]+)/)?.[1]).find(Boolean);
      await response.arrayBuffer();
      if (response.status !== 303 || response.headers.get('location') !== '/' || !cookie) {
        errors += 1;
        if (errors <= 3) console.error(`sign-in of ${email}: ${response.status} ${response.headers.get('location')}`);
        continue;
      }
      signedIn[index] = [rest[0], cookie, ...rest.slice(1)].join('\t');
    } catch (error) {
      errors += 1;
      if (errors <= 3) console.error(`sign-in of ${email}: ${error}`);
    } finally {
      latencies.push(performance.now() - started);
    }
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
writeFileSync(out, signedIn.filter(Boolean).join('\n') + '\n');
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
console.log(`BENCH_JSON ${JSON.stringify({
  kind: 'sign_in', requests: owners.length, seconds: Number(seconds.toFixed(2)),
  rps: Number((owners.length / seconds).toFixed(1)), p50_ms: Number(at(50).toFixed(2)),
  p99_ms: Number(at(99).toFixed(2)), errors, busy,
})}`);
