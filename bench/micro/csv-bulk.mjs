// Microbenchmark (tinybench) of the load's CSV -> COM_STMT_BULK_EXECUTE row data converter
// (src/format/csv-bulk.ts), WebAssembly and JavaScript row loops, in MB/s of CSV input, one thread,
// no server. Input: the first 16 MiB (whole rows) of the first chunk of each table of a tsdump CSV
// dump, with the codecs of its manifest; without a dump, the synthetic rows of rows.mjs.
//
//   make build && node bench/micro/csv-bulk.mjs [dump-dir] [filter-regex]
//   e.g. node dist/cli/tsdump.js -h 127.0.0.1 -P 3407 -u root --no-defaults \
//          -T bench.orders,bench.events,bench.nopk_log -o /var/tmp/csvbulk-dump
//        node bench/micro/csv-bulk.mjs /var/tmp/csvbulk-dump
//
// Each iteration converts the 16 MiB into 4 MiB out buffers (a bulk packet's worth), as the
// loader does. MB/s = 10^6 CSV bytes per second from tinybench's mean latency; ± is the relative
// margin of error at 95 %; "MB/s of CPU time" divides by the process's user + system CPU time
// instead (steadier than wall time on a shared machine).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Bench } from 'tinybench';
import { CSV_BULK_ENGINES, csvBulkConverter } from '../../dist/format/csv-bulk.js';
import { createRowEncoder } from '../../dist/format/row-encoders.js';
import { eventsRows, ordersRows } from './rows.mjs';

const dump = process.argv[2] && existsSync(path.join(process.argv[2], 'manifest.json')) ? process.argv[2] : null;
const filter = new RegExp((dump ? process.argv[3] : process.argv[2]) ?? '.');
const SIZE = 16 << 20;
const OUT = 4 << 20;

/** Whole rows of at most SIZE bytes from the start of buf. */
const head = (buf) => buf.subarray(0, buf.lastIndexOf(0x0a, Math.min(buf.length, SIZE) - 1) + 1);

/** [name, codecs, csv] */
function inputs() {
  if (dump) {
    const manifest = JSON.parse(readFileSync(path.join(dump, 'manifest.json'), 'utf8'));
    return manifest.databases.flatMap((db) =>
      db.tables
        .filter((t) => t.chunks.length > 0)
        .map((t) => [`${db.name}.${t.name}`, t.columns.filter((c) => c.dumped).map((c) => c.codec), head(readFileSync(path.join(dump, t.chunks[0].path)))]),
    );
  }
  return [['orders (synthetic)', ordersRows(60000)], ['events (synthetic)', eventsRows(60000)]].map(([name, table]) => {
    const enc = createRowEncoder('csv', { table: 't', columns: table.columns, statementSize: 1 << 20 }, 'js');
    // rows.mjs has ENUM values as their text; the dump writes their index
    const index = table.columns.map((c) => c.codec === 'index');
    for (const row of table.rows) enc.push(row.map((v, i) => (index[i] && v ? Buffer.from(String(1 + (v.length % 6))) : v)));
    enc.finish();
    return [name, table.columns.map((c) => c.codec), head(enc.take())];
  });
}

const bench = new Bench({ time: Number(process.env.MICRO_TIME ?? 1500), warmupTime: 300 });
const sizes = new Map();
/** name -> CPU microseconds (user + system) and CSV bytes over all its iterations, warm-up included */
const cpu = new Map();
const out = Buffer.alloc(OUT);
for (const [name, codecs, csv] of inputs()) {
  for (const engine of CSV_BULK_ENGINES) {
    const task = `csv-bulk ${name} (${engine})`;
    if (!filter.test(task)) continue;
    const rows = csv.reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 0);
    sizes.set(task, { bytes: csv.length, rows });
    const c = { micros: 0, bytes: 0 };
    cpu.set(task, c);
    bench.add(task, () => {
      const t0 = process.cpuUsage();
      const conv = csvBulkConverter(codecs, engine);
      let n = 0;
      for (let p = 0; p < csv.length; ) {
        const r = conv.convert(csv, p, csv.length, out, 0, OUT);
        p += r.consumed;
        n += r.rows;
      }
      conv.dispose();
      const t = process.cpuUsage(t0);
      c.micros += t.user + t.system;
      c.bytes += csv.length;
      if (n !== rows) throw new Error(`${task}: ${n} rows, expected ${rows}`);
    });
  }
}

await bench.run();

console.log(`| benchmark | MB/s | rows/s | ± % | MB/s of CPU time |`);
console.log(`|---|---|---|---|---|`);
for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') {
    console.log(`| ${task.name} | ${r.state}${r.error ? `: ${r.error.message}` : ''} | | |`);
    continue;
  }
  const { bytes, rows } = sizes.get(task.name);
  const seconds = r.latency.mean / 1000;
  const c = cpu.get(task.name);
  console.log(`| ${task.name} | ${(bytes / seconds / 1e6).toFixed(0)} | ${Math.round(rows / seconds).toLocaleString('en')} | ${r.latency.rme.toFixed(1)} | ${(c.bytes / c.micros).toFixed(0)} |`);
}
console.log(`\nnode ${process.version}, one thread; input: ${dump ? `the first ${SIZE >> 20} MiB of each table's first chunk of ${dump}` : 'synthetic rows'}; out buffers of ${OUT >> 20} MiB.`);
