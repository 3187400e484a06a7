// The figures of one scripts/bench run: one line each, the ratios WORKLOAD.md asks for (measured
// in this same run), and the JSON summary. Exits 1 on any request error, when the server's peak
// RSS passes its budget (a memory bound, which does not depend on the machine's speed), or on
// Citus when a request kind sent a multi-shard statement; never on a timing.
import { readFileSync } from 'node:fs';

const [path, preset, profile] = process.argv.slice(2);
const rows = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const by = Object.fromEntries(rows.map((row) => [row.kind, row]));
const fixed = (n, digits = 1) => (typeof n === 'number' ? n.toFixed(digits) : '-');

for (const kind of ['sign_in', 'dashboard', 'orders', 'create_order']) {
  const r = by[kind];
  if (!r) continue;
  const shards = r.multi_shard_statements === undefined ? '' : `  multi-shard statements ${r.multi_shard_statements}`;
  const busy = r.busy ? `  busy, tried again ${r.busy}` : '';
  console.log(`${kind.padEnd(14)} ${fixed(r.rps).padStart(8)} req/s  p50 ${fixed(r.p50_ms, 2)} ms  p99 ${fixed(r.p99_ms, 2)} ms  errors ${r.errors}  (${r.requests} requests)${busy}${shards}`);
}
// On Citus (scripts/bench counts them there only): a request that spans shards does not scale
// with the workers, so the three request kinds must send none.
const multiShard = ['dashboard', 'orders', 'create_order'].reduce((sum, kind) => sum + (by[kind]?.multi_shard_statements ?? 0), 0);
const ratios = {};
for (const kind of ['dashboard', 'orders']) {
  // The baseline: what a request cost on 2026-12-01; own: what the app sends now.
  for (const [source, label, name] of [['baseline', '../shared/bench/baseline', 'baseline'], ['own', 'bench/pgbench', 'own_statements']]) {
    const limit = by[`pgbench_${source}_${kind}`];
    if (!limit) continue;
    console.log(`${`pgbench ${label}/${kind}.sql`.padEnd(48)} ${fixed(limit.tps).padStart(8)} tps`);
    if (by[kind]) {
      ratios[`${kind}_over_${name}`] = Number((by[kind].rps / limit.tps).toFixed(2));
      console.log(`${`${kind} ÷ ${name.replace('_', ' ')}`.padEnd(48)} ${fixed(ratios[`${kind}_over_${name}`], 2).padStart(8)}`);
    }
  }
}
// The issue that set it: 1,000 sign-ins at 32 connections once took the server to 480 MB.
const RSS_BUDGET_MB = 150;
const rss = by.rss ?? {};
// The budget is the release build's: the debug build (the smoke run) carries more code.
const overBudget = profile === 'release' && !(rss.peak_mb <= RSS_BUDGET_MB);
console.log(`server RSS (${rss.allocator}): idle ${rss.idle_mb} MB, peak after the sign-ins ${rss.after_sign_in_peak_mb} MB, peak over the run ${rss.peak_mb} MB (release budget ${RSS_BUDGET_MB} MB${overBudget ? ': OVER' : ''})`);

if (by.recovery) {
  const { seconds, database_seconds: database } = by.recovery;
  console.log(seconds === null
    ? 'recovery after a database crash: no dashboard answered 200 within 60 s of PostgreSQL being back'
    : `recovery after a database crash: ${fixed(seconds, 2)} s until a dashboard answers 200 (PostgreSQL back after ${fixed(database, 2)} s)`);
}

const errors = rows.reduce((sum, row) => sum + (row.errors ?? 0), 0);
console.log(`errors: ${errors}`);
if (multiShard > 0) console.log(`multi-shard statements on the request kinds: ${multiShard}`);
console.log(JSON.stringify({ preset, profile, figures: by, ratios, errors, multi_shard_statements: multiShard, rss_budget_mb: RSS_BUDGET_MB, over_budget: overBudget }));
process.exit(errors === 0 && !overBudget && multiShard === 0 ? 0 : 1);
