// Encoder-only scaling benchmark (no server): the dump's per-chunk CPU work — CSV-encode raw rows,
// sha256 the output (and gzip it with COMPRESS=gzip) — run in 1, 2, ... worker_threads at once.
// Prints total MB/s per thread count and the speedup over one thread. Issue 5 target: ≥ 1.7× from
// 1 to 2 threads on a 2-core machine. On a machine with C free cores the curve should stay near
// linear up to C threads and flat beyond (the work is CPU-bound, workers share nothing).
//
//   make build && node bench/micro/scaling.mjs            (THREADS="1 2 4" DURATION=4 COMPRESS=none|gzip)
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';
import { createRowEncoder, defaultEncoderEngine } from '../../dist/format/row-encoders.js';
import { ordersRows, rawBytes, socketBatches, toWire } from './rows.mjs';

/** CPU seconds all processes have used so far (/proc/stat, Linux), or NaN elsewhere. */
function machineBusy() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return (f[1] + f[2] + f[3] + f[6] + f[7] + f[8]) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

if (isMainThread) {
  const cores = availableParallelism();
  const counts = (process.env.THREADS ?? `1 2 ${cores * 2}`).split(/\s+/).filter(Boolean).map(Number);
  const seconds = Number(process.env.DURATION ?? 4);
  const compress = process.env.COMPRESS ?? 'none';
  const results = [];
  for (const n of [...new Set(counts)]) {
    const busy0 = machineBusy();
    const own0 = process.cpuUsage();
    const workers = Array.from({ length: n }, () => new Worker(new URL(import.meta.url), { workerData: { seconds, compress } }));
    const done = await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
    const bytes = done.reduce((s, d) => s + d.bytes, 0);
    const elapsed = Math.max(...done.map((d) => d.elapsed));
    const own = process.cpuUsage(own0);
    const other = machineBusy() - busy0 - (own.user + own.system) / 1e6;
    results.push({ n, mbs: bytes / elapsed / 1e6, other: Math.max(0, other) });
  }
  const base = results[0].mbs;
  console.log(`| threads | MB/s (raw row bytes) | speedup vs ${results[0].n} | other processes' CPU s |`);
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.n} | ${r.mbs.toFixed(0)} | ${(r.mbs / base).toFixed(2)}× | ${r.other.toFixed(1)} |`);
  console.log(`\n${cores} cores, node ${process.version}, ${seconds} s per cell, work = CSV encode (${defaultEncoderEngine()} row loop) + sha256${compress === 'gzip' ? ' + gzip level 6' : ''}.`);
  console.log('other processes\' CPU s well above 0 means the machine was busy: the speedup is then understated.');
} else {
  const { seconds, compress } = workerData;
  const table = ordersRows(20000);
  const perPass = rawBytes(table.rows);
  // wire rows in socket-like batches, as the dumper gets them; the default row loop (WebAssembly)
  const batches = socketBatches(toWire(table.rows));
  const pass = () => {
    const enc = createRowEncoder('csv', { table: 't', columns: table.columns, statementSize: 1 << 20 });
    const h = createHash('sha256');
    for (const b of batches) {
      enc.pushRows(b);
      if (enc.pending >= 1 << 20) {
        const taken = enc.take();
        h.update(compress === 'gzip' ? zlib.gzipSync(taken, { level: 6 }) : taken);
        enc.recycle(taken);
      }
    }
    enc.finish();
    h.update(enc.take());
    enc.dispose();
    return h.digest('hex');
  };
  pass(); // warm-up (JIT)
  let bytes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    pass();
    bytes += perPass;
  }
  parentPort.postMessage({ bytes, elapsed: (performance.now() - t0) / 1000 });
}
