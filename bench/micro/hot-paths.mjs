// Microbenchmarks (tinybench) of the per-byte hot paths, in MB/s, single thread, no server:
// CSV and SQL encoding of wire rows in socket-like batches (dump; WebAssembly and JavaScript row
// loops), sha256 (dump and load), gzip / gunzip (-c gzip), splitting a chunk file into
// sub-chunks (load).
//
//   make build && node bench/micro/hot-paths.mjs [filter-regex]
//   MICRO_TIME=3000 node bench/micro/hot-paths.mjs encode       (ms per benchmark, default 1500)
//
// MB/s = 10^6 bytes of INPUT per second (raw column bytes for the encoders, file bytes otherwise),
// from tinybench's mean latency; ± is the relative margin of error at 95 %.
// mysql2's packet framing (socket reads -> row packets) needs a server and is not covered here.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Bench } from 'tinybench';
import { ENCODER_ENGINES, createRowEncoder } from '../../dist/format/row-encoders.js';
import { streamSource, subChunks } from '../../dist/load/sub-chunks.js';
import { eventsRows, ordersRows, rawBytes, socketBatches, toWire } from './rows.mjs';

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

function encodeAll(format, table, batches, engine) {
  const enc = createRowEncoder(format, { table: 't', columns: table.columns, statementSize: 1 << 20 }, engine);
  let out = 0;
  for (const b of batches) {
    enc.pushRows(b);
    if (enc.pending >= 1 << 20) {
      const taken = enc.take();
      out += taken.length;
      enc.recycle(taken);
    }
  }
  enc.finish();
  out += enc.take().length;
  enc.dispose();
  return out;
}

// the row loop in WebAssembly (the default) and in JavaScript (the fallback), from wire rows
for (const [name, table] of [['orders', orders], ['events', events]]) {
  const batches = socketBatches(toWire(table.rows));
  for (const format of ['csv', 'sql']) {
    for (const engine of ENCODER_ENGINES) add(`encode ${format} ${name} (${engine})`, rawBytes(table.rows), ROWS, () => encodeAll(format, table, batches, engine));
  }
}

// A realistic data file to hash / compress / split: the CSV of the orders rows, repeated to 16 MiB.
const csvOnce = (() => {
  const enc = createRowEncoder('csv', { table: 't', columns: orders.columns, statementSize: 1 << 20 }, 'js');
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
