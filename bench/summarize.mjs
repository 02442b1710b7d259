// Summarise a whole-run.sh results directory: medians per (phase, threads, cell) and the
// ratios issues 5 and 15 target. Prints Markdown (pasted into docs/PERFORMANCE.md). A cell that
// never ran (peer not installed, MYDUMPER1 unset, COMPRESS="") gives n/a in the ratios.
//
//   node bench/summarize.mjs RESULTS_DIR        (reads RESULTS_DIR/runs.csv and meta.env)
//
// Denominators are the same for every tool: "GB" is the source's InnoDB data_length (the
// clustered indexes, i.e. the rows) in 10^9 bytes; MB/s is that size over the median wall.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/summarize.mjs RESULTS_DIR');
  process.exit(2);
}

const meta = Object.fromEntries(
  readFileSync(join(dir, 'meta.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

const [header, ...lines] = readFileSync(join(dir, 'runs.csv'), 'utf8').trim().split('\n');
const cols = header.split(',');
const runs = lines.map((line) => {
  // every field but the last (verify, quoted) is free of commas
  const fields = line.split(',');
  const head = fields.slice(0, cols.length - 1);
  const verify = fields.slice(cols.length - 1).join(',').replace(/^"|"$/g, '');
  return Object.fromEntries([...head.map((v, i) => [cols[i], v]), ['verify', verify]]);
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const dataGB = Number(meta.data_bytes) / 1e9;
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** @type {Map<string, {phase: string, threads: number, tool: string, client: string, ok: object[], failed: number}>} */
const groups = new Map();
for (const r of runs) {
  const key = `${r.phase}|${r.threads}|${r.tool}`;
  if (!groups.has(key)) {
    groups.set(key, { phase: r.phase, threads: Number(r.threads), tool: r.tool, client: r.client, ok: [], failed: 0 });
  }
  const g = groups.get(key);
  if (r.rc === '0') g.ok.push(r);
  else g.failed++;
}

const stats = new Map();
for (const [key, g] of groups) {
  if (g.ok.length === 0) continue;
  const walls = g.ok.map((r) => Number(r.wall_s));
  const cpu = median(g.ok.map((r) => Number(r.user_s) + Number(r.sys_s)));
  stats.set(key, {
    wall: median(walls),
    min: Math.min(...walls),
    max: Math.max(...walls),
    cpu,
    cpuPerGB: cpu / dataGB,
    server: median(g.ok.map((r) => Number(r.server_cpu_s))),
    other: median(g.ok.map((r) => Number(r.other_cpu_s ?? 0))),
    rssMiB: Math.max(...g.ok.map((r) => Number(r.maxrss_kb))) / 1024,
    outMiB: median(g.ok.map((r) => Number(r.bytes))) / 1048576,
    binlogMiB: median(g.ok.map((r) => Number(r.binlog_bytes))) / 1048576,
    verify: [...new Set(g.ok.map((r) => r.verify).filter(Boolean))].join(' / '),
  });
}

const out = [];
out.push(`## Whole-run benchmark`, '');
out.push(`- machine: ${meta.machine}`);
out.push(`- server: ${meta.server}`);
out.push(
  `- dataset: \`${meta.src_db}\`, ${Number(meta.rows).toLocaleString('en')} rows, ` +
    `data ${fmt(Number(meta.data_bytes) / 1e9, 2)} GB + secondary indexes ${fmt((Number(meta.innodb_bytes) - Number(meta.data_bytes)) / 1e9, 2)} GB (InnoDB) ` +
    `(${meta.tables})`,
);
out.push(`- tools: ${[`node ${meta.node}`, meta.mydumper, meta.mydumper1, `tsdump commit ${meta.commit}`].filter(Boolean).join(', ')}`);
out.push(`- reproduce: \`${meta.command.trim()}\``, '');
out.push(
  '| phase | threads | client | n | wall s median (min–max) | MB/s | client CPU s | client CPU s/GB | server CPU s | other CPU s | peak RSS MiB | output MiB | binlog MiB | verify |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
);
for (const [key, g] of groups) {
  const s = stats.get(key);
  if (!s) {
    out.push(`| ${g.phase} | ${g.threads} | ${g.client} | 0 | FAILED (${g.failed} runs) | | | | | | | | | |`);
    continue;
  }
  const spread = g.ok.length > 1 ? `${fmt(s.wall)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.wall);
  const isLoad = g.phase === 'load';
  out.push(
    `| ${g.phase} | ${g.threads} | ${g.client} | ${g.ok.length}${g.failed ? ` (+${g.failed} failed)` : ''} | ${spread} | ` +
      `${fmt((dataGB * 1000) / s.wall, 0)} | ${fmt(s.cpu)} | ${fmt(s.cpuPerGB)} | ${fmt(s.server)} | ${fmt(s.other)} | ${fmt(s.rssMiB, 0)} | ` +
      `${isLoad ? '' : fmt(s.outMiB, 0)} | ${isLoad ? fmt(s.binlogMiB, 0) : ''} | ${isLoad ? s.verify : ''} |`,
  );
}

const threads = [...new Set(runs.map((r) => Number(r.threads)))].sort((a, b) => a - b);
const get = (phase, t, tool) => stats.get(`${phase}|${t}|${tool}`);
const ratio = (phase, t, a, b, field = 'wall') => {
  const x = get(phase, t, a);
  const y = get(phase, t, b);
  return x && y ? x[field] / y[field] : NaN;
};
const check = (v, limit) => (Number.isFinite(v) ? `${fmt(v, 2)}${v <= limit ? ' ✓' : ' ✗'}` : 'n/a');
const rss = (phase, t, limit) => {
  const v = Math.round(get(phase, t, 'tsdump')?.rssMiB ?? NaN);
  return Number.isFinite(v) ? `${v}${v <= limit ? ' ✓' : ' ✗'}` : 'n/a';
};
/** tsdump's `field` over the lowest of the given peer cells' (the best peer for that field) */
const overBest = (phase, t, peers, field = 'wall') => {
  const ours = get(phase, t, 'tsdump')?.[field];
  const best = Math.min(...peers.map((p) => get(phase, t, p)?.[field] ?? Infinity));
  return ours !== undefined && Number.isFinite(best) ? ours / best : NaN;
};
const rows = [
  // issue 15
  ['dump wall, tsdump / best mydumper --rows (0.10 or 1.0)', (t) => check(overBest('dump', t, ['mydumper', 'mydumper1']), 0.85), '≤ 0.85'],
  ['dump server CPU, tsdump / lowest mydumper --rows (0.10 or 1.0)', (t) => check(overBest('dump', t, ['mydumper', 'mydumper1'], 'server'), 1.0), '≤ 1.0'],
  ['dump -c zstd wall, tsdump / mydumper 1.0 --rows -c zstd', (t) => check(ratio('dump', t, 'tsdump-zstd', 'mydumper1-zstd'), 0.8), '≤ 0.8'],
  ['dump -c gzip wall, tsdump / mydumper 0.10 --rows -c', (t) => check(ratio('dump', t, 'tsdump-gzip', 'mydumper-gzip'), 1.0), '≤ 1.0'],
  ['load wall, tsload / myloader 1.0 -e', (t) => check(ratio('load', t, 'tsdump', 'mydumper1'), 0.7), '≤ 0.7'],
  ['load client CPU per GB, tsload / myloader 1.0 -e', (t) => check(ratio('load', t, 'tsdump', 'mydumper1', 'cpu'), 1.5), '≤ 1.5'],
  ['peak RSS tsdump, MiB', (t) => rss('dump', t, 128), '≤ 128'],
  ['peak RSS tsload, MiB', (t) => rss('load', t, 128), '≤ 128'],
  // issue 5, still standing
  ['dump wall, tsdump / INTO OUTFILE (chunked)', (t) => check(ratio('dump', t, 'tsdump', 'limit'), 1.2), '≤ 1.2'],
  ['dump client CPU per GB, tsdump / mydumper 0.10', (t) => check(ratio('dump', t, 'tsdump', 'mydumper', 'cpu'), 1.5), '≤ 1.5'],
  ['load wall, tsload / myloader 0.10 -e', (t) => check(ratio('load', t, 'tsdump', 'mydumper'), 0.8), '≤ 0.8'],
  ['load wall, tsload / LOAD DATA INFILE (chunked)', (t) => check(ratio('load', t, 'tsdump', 'limit'), 1.1), '≤ 1.1'],
  ['(reference) dump wall, tsdump / mydumper 1.0 default chunks', (t) => fmt(ratio('dump', t, 'tsdump', 'mydumper1-default'), 2), ''],
  ['(reference) dump -c gzip wall, tsdump / mydumper 1.0 --rows -c gzip', (t) => fmt(ratio('dump', t, 'tsdump-gzip', 'mydumper1-gzip'), 2), ''],
  ['(reference) dump wall, mydumper 0.10 / INTO OUTFILE', (t) => fmt(ratio('dump', t, 'mydumper', 'limit'), 2), ''],
  ['(reference) dump wall, mydumper 1.0 --rows / INTO OUTFILE', (t) => fmt(ratio('dump', t, 'mydumper1', 'limit'), 2), ''],
  ['(reference) load wall, myloader 0.10 -e / LOAD DATA INFILE', (t) => fmt(ratio('load', t, 'mydumper', 'limit'), 2), ''],
  ['(reference) load wall, myloader 1.0 -e / LOAD DATA INFILE', (t) => fmt(ratio('load', t, 'mydumper1', 'limit'), 2), ''],
];
out.push('', `### Ratios against the issue 15 and issue 5 targets (medians of one interleaved run)`, '');
out.push(`| ratio | ${threads.map((t) => `t${t}`).join(' | ')} | target |`);
out.push(`|---|${threads.map(() => '---').join('|')}|---|`);
for (const [name, f, target] of rows) out.push(`| ${name} | ${threads.map(f).join(' | ')} | ${target} |`);
out.push(
  '',
  'wall = whole command, start to exit; client CPU = user+sys of the whole client process tree (/usr/bin/time -v); ' +
    'server CPU = mariadbd utime+stime during the run (/proc/<pid>/stat); ' +
    'other CPU = CPU seconds all other processes used meanwhile (/proc/stat; well above 0 = a disturbed run); peak RSS = largest single client process; ' +
    'verify = CHECKSUM TABLE of every table against the source (mismatching columns named).',
);
console.log(out.join('\n'));
