// Microbenchmarks (tinybench) of the per-byte hot paths, in MB/s, single thread, no server:
// CSV and SQL encoding of raw rows (dump), sha256 (dump and load), gzip / gunzip (-c gzip),
// splitting a chunk file into sub-chunks (load's CSV reading).
//
//   make build && node bench/micro/hot-paths.mjs [filter-regex]
//   MICRO_TIME=3000 node bench/micro/hot-paths.mjs encode       (ms per benchmark, default 1500)
//
// MB/s = 10^6 bytes of INPUT per second (raw column bytes for the encoders, file bytes otherwise),
// from tinybench's mean latency; ± is the relative margin of error at 95 %.
// Row decoding (mysql2 packets → Buffers) needs a server and is not covered here.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Bench } from 'tinybench';
import { createRowEncoder } from '../../dist/format/row-encoders.js';
import { streamSource, subChunks } from '../../dist/load/sub-chunks.js';
import { eventsRows, ordersRows, rawBytes, toWire } from './rows.mjs';

const filter = new RegExp(process.argv[2] ?? '.');
const bench = new Bench({ time: Number(process.env.MICRO_TIME ?? 1500), warmupTime: 300 });
/** name -> { bytes per iteration, rows per iteration } */
const sizes = new Map();
const add = (name, bytes, rows, fn) => {
  if (!filter.test(name)) return;
  sizes.set(name, { bytes, rows });
  bench.add(name, fn);
};

const ROWS = 20000;
const orders = ordersRows(ROWS);
const events = eventsRows(ROWS);

function encodeAll(format, table, wire) {
  const enc = createRowEncoder(format, { table: 't', columns: table.columns, statementSize: 1 << 20 });
  let out = 0;
  if (wire) {
    for (const row of wire) {
      enc.pushWire(row, 0, row.length);
      if (enc.pending >= 1 << 20) out += enc.take().length;
    }
  } else {
    for (const row of table.rows) {
      enc.push(row);
      if (enc.pending >= 1 << 20) out += enc.take().length;
    }
  }
  enc.finish();
  return out + enc.take().length;
}

// "wire" = from text-protocol row packets (what the dumper reads off the socket), when the encoder has it
const hasWire = typeof createRowEncoder('csv', { table: 't', columns: orders.columns, statementSize: 1 }).pushWire === 'function';
for (const [name, table] of [['orders', orders], ['events', events]]) {
  const wire = hasWire ? toWire(table.rows) : null;
  for (const format of ['csv', 'sql']) {
    add(`encode ${format} ${name}`, rawBytes(table.rows), ROWS, () => encodeAll(format, table, null));
    if (wire) add(`encode ${format} ${name} (wire rows)`, rawBytes(table.rows), ROWS, () => encodeAll(format, table, wire));
  }
}

// A realistic data file to hash / compress / split: the CSV of the orders rows, repeated to 16 MiB.
const csvOnce = (() => {
  const enc = createRowEncoder('csv', { table: 't', columns: orders.columns, statementSize: 1 << 20 });
  for (const row of orders.rows) enc.push(row);
  enc.finish();
  return enc.take();
})();
const file = Buffer.concat(Array.from({ length: Math.ceil((16 << 20) / csvOnce.length) }, () => csvOnce)).subarray(0, 16 << 20);
const pieces = (buf, size) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
const filePieces = pieces(file, 1 << 20);
const fileLines = file.reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 0);

add('sha256 (1 MiB updates)', file.length, 0, () => {
  const h = createHash('sha256');
  for (const p of filePieces) h.update(p);
  return h.digest('hex');
});
for (const level of [1, 6]) {
  add(`gzip level ${level}`, file.length, 0, () => zlib.gzipSync(file, { level }));
}
const gz = zlib.gzipSync(file, { level: 6 });
add('gunzip', file.length, 0, () => zlib.gunzipSync(gz));
add('load: split CSV into sub-chunks (1 MiB reads)', file.length, fileLines, async () => {
  let n = 0;
  for await (const sc of subChunks(streamSource(Readable.from(filePieces)), { rows: 50000, bytes: 4 << 20 })) n += sc.lineCount;
  return n;
});

await bench.run();

console.log(`| benchmark | MB/s | rows/s | ± % |`);
console.log(`|---|---|---|---|`);
for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') {
    console.log(`| ${task.name} | ${r.state}${r.error ? `: ${r.error.message}` : ''} | | |`);
    continue;
  }
  const { bytes, rows } = sizes.get(task.name);
  const seconds = r.latency.mean / 1000;
  const mbs = bytes / seconds / 1e6;
  console.log(`| ${task.name} | ${mbs.toFixed(0)} | ${rows ? Math.round(rows / seconds).toLocaleString('en') : ''} | ${r.latency.rme.toFixed(1)} |`);
}
console.log(`\nnode ${process.version}, one thread; input: ${ROWS} rows per encoder iteration, 16 MiB file otherwise.`);
