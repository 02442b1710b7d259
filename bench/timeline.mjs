// The timeline of one load (bench/load-timeline.sh writes OUT): per table the span of its data
// chunks, its index build and its verification (from tsload's --progress json events), and per
// second how many cores mariadbd, the loader and the rest of the machine used (from /proc
// samples). Idle core time is 2 cores minus what everything used: where the load waited.
//
//   node bench/timeline.mjs OUT_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const run = Object.fromEntries(readFileSync(join(dir, 'run.txt'), 'utf8').trim().split(/\s+/).map((kv) => kv.split('=')));
const t0 = Number(run.start_ms);
const HZ = 100;
const samples = readFileSync(join(dir, 'samples.txt'), 'utf8')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => l.split(' ').map(Number))
  .map(([t, srv, cli, busy, total, iowait]) => ({ t: (t - t0) / 1000, srv, cli, busy, total, iowait: iowait ?? 0 }));

let status = [];
try {
  status = readFileSync(join(dir, 'status.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length > 1)
    .map(([t, ...kv]) => ({ t: (Number(t) - t0) / 1000, ...Object.fromEntries(kv.map((x) => x.split('=')).map(([k, v]) => [k.toLowerCase(), Number(v)])) }));
} catch {
  // no status samples (an older OUT): the chart has no server columns
}
const statusAt = (t) => status.reduce((best, x) => (Math.abs(x.t - t) < Math.abs((best?.t ?? 1e9) - t) ? x : best), null);
const MB = 1024 * 1024;

const events = readFileSync(join(dir, 'events.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l));
const at = (e) => (Date.parse(e.t) - t0) / 1000;
const spans = new Map(); // "table phase" -> {start, end, n}
const add = (key, start, end) => {
  const s = spans.get(key);
  if (!s) spans.set(key, { start, end, n: 1 });
  else {
    s.start = Math.min(s.start, start);
    s.end = Math.max(s.end, end);
    s.n++;
  }
};
const phases = [];
for (const e of events) {
  if (e.kind === 'chunk-done') add(`${e.table} ${e.phase}`, at(e) - e.seconds, at(e));
  else if (e.kind === 'table-done' && e.phase === 'indexes') add(`${e.table} indexes`, at(e) - e.seconds, at(e));
  else if (e.kind === 'table-done' && e.phase === 'analyze') add(`${e.table} analyze`, at(e) - e.seconds, at(e));
  else if (e.kind === 'phase-start' || e.kind === 'phase-done') phases.push(`${at(e).toFixed(1).padStart(6)} ${e.kind} ${e.phase}`);
  else if (e.kind === 'summary') phases.push(`${at(e).toFixed(1).padStart(6)} summary ok=${e.ok}`);
}
const wall = Number(run.wall_ms) / 1000;
const cores = 2;
console.log(`rc=${run.rc} wall ${wall.toFixed(1)} s`);
console.log('\nspans (s from start):');
for (const [k, s] of [...spans].sort((a, b) => a[1].start - b[1].start)) console.log(`  ${k.padEnd(22)} ${s.start.toFixed(1).padStart(6)} → ${s.end.toFixed(1).padStart(6)}  (${(s.end - s.start).toFixed(1)} s, ${s.n} item(s))`);
console.log('\nphases:');
for (const p of phases) console.log(`  ${p}`);

const cols = (t) => {
  const x = statusAt(t);
  if (!x) return '';
  return `${String(Math.round((x.innodb_checkpoint_age ?? 0) / MB)).padStart(6)} ${String(Math.round(((x.innodb_buffer_pool_pages_dirty ?? 0) * 16384) / MB)).padStart(7)} ${String(x.innodb_buffer_pool_wait_free ?? '').padStart(8)} ${String(x.innodb_log_waits ?? '').padStart(8)}`;
};
// per-second buckets of core use
console.log('\n   t   server client other  idle iowait  ckptMB dirtyMB waitfree logwaits   running');
let idleSum = 0;
let srvSum = 0;
let cliSum = 0;
for (let i = 1; i < samples.length; i++) {
  const a = samples[i - 1];
  const b = samples[i];
  const dt = b.t - a.t;
  if (dt <= 0) continue;
  const srv = (b.srv - a.srv) / HZ / dt;
  const cli = Math.max(0, (b.cli - a.cli) / HZ / dt);
  const busy = ((b.busy - a.busy) / (b.total - a.total)) * cores;
  const other = Math.max(0, busy - srv - cli);
  const idle = Math.max(0, cores - busy);
  const iowait = ((b.iowait - a.iowait) / (b.total - a.total)) * cores;
  idleSum += idle * dt;
  srvSum += srv * dt;
  cliSum += cli * dt;
  if (i % 2 === 0 || process.env.ALL) {
    const running = [...spans].filter(([, s]) => s.start <= b.t && s.end >= a.t).map(([k]) => k.replace(' data', ' D').replace(' indexes', ' IDX').replace(' verify', ' V'));
    console.log(`${b.t.toFixed(1).padStart(6)} ${srv.toFixed(2).padStart(6)} ${cli.toFixed(2).padStart(6)} ${other.toFixed(2).padStart(5)} ${idle.toFixed(2).padStart(5)} ${iowait.toFixed(2).padStart(5)}  ${cols(b.t)}   ${running.join(', ')}`);
  }
}
console.log(`\ntotals: server ${srvSum.toFixed(1)} CPU s, client ${cliSum.toFixed(1)} CPU s, idle ${idleSum.toFixed(1)} core-s of ${(cores * wall).toFixed(1)}`);

// Threads: over each span of the spans list (and the whole run), the threads that ran: % of the
// span on a CPU, % runnable but waiting for one (starved), % blocked (neither).
let threads = [];
try {
  threads = readFileSync(join(dir, 'threads.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')).filter((f) => f.length >= 4).map(([t, id, run, wait]) => ({ t: (Number(t) - t0) / 1000, id, run: Number(run) / 1e9, wait: Number(wait) / 1e9 }));
} catch {
  // no thread samples
}
if (threads.length > 0) {
  const byId = new Map();
  for (const x of threads) {
    if (!byId.has(x.id)) byId.set(x.id, []);
    byId.get(x.id).push(x);
  }
  const within = (list, from, to) => {
    const a = list.find((x) => x.t >= from);
    const b = [...list].reverse().find((x) => x.t <= to);
    if (!a || !b || b.t <= a.t) return null;
    return { run: b.run - a.run, wait: b.wait - a.wait, dt: b.t - a.t };
  };
  const windows = [['whole run', 0, wall], ...[...spans].filter(([, s]) => s.end - s.start >= 3).map(([k, s]) => [k, s.start, s.end])];
  const step = Number(process.env.STEP ?? 0);
  if (step > 0) for (let t = 0; t + step <= wall; t += step) windows.push([`${t}-${t + step}s`, t, t + step]);
  for (const [name, from, to] of windows) {
    const rows = [];
    for (const [id, list] of byId) {
      const d = within(list, from, to);
      if (d && d.run / d.dt > 0.05) rows.push({ id, ...d });
    }
    rows.sort((a, b) => b.run - a.run);
    const sum = (k, who) => rows.filter((r) => r.id.startsWith(who)).reduce((n, r) => n + r[k], 0);
    console.log(`\nthreads over ${name} (${from.toFixed(1)}–${to.toFixed(1)} s): server on-CPU ${sum('run', 's').toFixed(1)} s, starved ${sum('wait', 's').toFixed(1)} s; client on-CPU ${sum('run', 'c').toFixed(1)} s`);
    for (const r of rows.slice(0, 8)) console.log(`  ${r.id.padEnd(9)} cpu ${((100 * r.run) / r.dt).toFixed(0).padStart(3)} %  runq ${((100 * r.wait) / r.dt).toFixed(0).padStart(3)} %  blocked ${((100 * (r.dt - r.run - r.wait)) / r.dt).toFixed(0).padStart(3)} %`);
  }
}
