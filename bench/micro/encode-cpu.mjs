// CPU seconds of the WebAssembly row loop over fixed rows (min of 5 repetitions): an A/B number
// steadier than MB/s on a shared machine.   node bench/micro/encode-cpu.mjs
import { createRowEncoder } from '../../dist/format/row-encoders.js';
import { eventsRows, ordersRows, socketBatches, toWire } from './rows.mjs';

const ROWS = 20000;
for (const [name, table] of [['orders', ordersRows(ROWS)], ['events', eventsRows(ROWS)]]) {
  const batches = socketBatches(toWire(table.rows));
  for (const format of ['csv', 'sql']) {
    let best = Infinity;
    for (let rep = 0; rep < 5; rep++) {
      const t = process.cpuUsage();
      for (let it = 0; it < 20; it++) {
        const enc = createRowEncoder(format, { table: 't', columns: table.columns, statementSize: 1 << 20 }, 'wasm');
        for (const b of batches) {
          enc.pushRows(b);
          if (enc.pending >= 1 << 20) enc.recycle(enc.take());
        }
        enc.finish();
        enc.take();
        enc.dispose();
      }
      const u = process.cpuUsage(t);
      best = Math.min(best, (u.user + u.system) / 1e6);
    }
    console.log(`${format} ${name}: ${(best * 1000 / (20 * ROWS / 1e6)).toFixed(0)} ms per M rows`);
  }
}
