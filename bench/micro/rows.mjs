// Synthetic raw rows shaped like bench/gen.sh's tables, as the dumper receives them from the
// server: one Buffer per column (the column's bytes as stored), null for SQL NULL.
// Deterministic (a small LCG), no server needed.
import { codecFor } from '../../dist/db/catalog.js';

const ORDERS_COLUMNS = [
  ['id', 'bigint'], ['customer_id', 'int'], ['merchant_id', 'bigint'], ['sku', 'char'], ['quantity', 'smallint'],
  ['amount', 'decimal'], ['tax', 'decimal'], ['discount', 'decimal'], ['currency', 'char'], ['customer_name', 'varchar'],
  ['email', 'varchar'], ['status', 'enum'], ['created_at', 'datetime'], ['updated_at', 'timestamp'], ['shipped_on', 'date'],
  ['note', 'text'], ['attrs', 'longtext'],
];
const EVENTS_COLUMNS = [
  ['device_id', 'int'], ['event_seq', 'bigint'], ['ts', 'datetime'], ['kind', 'varchar'], ['payload', 'varbinary'],
  ['message', 'varchar'],
];

/** ColumnSpec[] (src/format/manifest.ts) for a list of [name, data type]. */
function spec(cols) {
  return cols.map(([name, dataType]) => {
    const charset = dataType === 'varbinary' ? 'binary' : /char|text|enum/.test(dataType) ? 'utf8mb4' : null;
    return {
      name, dataType, columnType: dataType, charset, nullable: true, generated: false, invisible: false, dumped: true,
      codec: codecFor(dataType, charset),
    };
  });
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

const NAMES = ['Anna Smith', 'José García', 'Zoë Müller', "Liam O'Brien", 'Søren Łukasiewicz', 'Élodie Petrović'];
const NOTES = [
  'Please leave the parcel at the back door.', 'Customer called twice; said it\'s "urgent".',
  'Deliver after 18:00\tweekdays only.', 'Fragile!\nHandle with care.', 'Ref C:\\orders\\2019 (legacy import).',
  'Adresse: Straße 12, 3. OG — bitte klingeln. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet.',
];
const MESSAGES = ['Température élevée 🔥', '日本語のメッセージ', 'family 👨‍👩‍👧 zwj', "quote ' and backslash \\ and tab \t", 'العربية نص'];
const b = (s) => Buffer.from(String(s), 'utf8');

export function ordersRows(n, seed = 1) {
  const r = lcg(seed);
  const rows = [];
  for (let i = 1; i <= n; i++) {
    const h = r();
    rows.push([
      b(i), b(1 + (h % 200000)), b(1000000000 + (h % 50000)), b(`SKU-${String(h % 1e7).padStart(8, '0')}`), b(1 + (h % 9)),
      b(((h % 5000000) / 100 + 0.99).toFixed(2)), b(((h % 500000) / 100).toFixed(2)), h % 3 ? b(((h % 5000) / 100 - 10).toFixed(2)) : null,
      b(['EUR', 'USD', 'GBP'][h % 3]), b(NAMES[h % NAMES.length]), b(`user.${h % 9973}@mail.example.org`),
      b(['new', 'paid', 'shipped', 'delivered'][h % 4]), b(`2021-03-${String(1 + (h % 28)).padStart(2, '0')} 12:34:56.${String(h % 1e6).padStart(6, '0')}`),
      b('2021-03-04 05:06:07'), h % 3 ? b('2021-03-09') : null, h % 10 < 4 ? null : b(NOTES[h % NOTES.length]),
      b(`{"channel": "web", "items": ${1 + (h % 9)}, "gift": ${h % 7 === 0}, "coupon": ${h % 5 ? 'null' : '"SAVE10"'}, "tags": ["prime", ${i % 13}]}`),
    ]);
  }
  return { columns: spec(ORDERS_COLUMNS), rows };
}

export function eventsRows(n, seed = 2) {
  const r = lcg(seed);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const h = r();
    const payload = Buffer.alloc(16 + (h % 49));
    for (let j = 0; j < payload.length; j++) payload[j] = r() & 0xff;
    rows.push([b(1 + Math.floor(i / 400)), b(1600000000000 + i * 1000), b('2020-09-13 12:26:40.250'), b('sensor.read'), payload,
      b(`${MESSAGES[h % MESSAGES.length]} #${i}`)]);
  }
  return { columns: spec(EVENTS_COLUMNS), rows };
}

/** Sum of the raw column bytes of some rows (the input size MB/s figures refer to). */
export function rawBytes(rows) {
  let n = 0;
  for (const row of rows) for (const v of row) if (v) n += v.length;
  return n;
}

/** The same rows as text-protocol row packet payloads (length-encoded strings, 0xfb = NULL). */
export function toWire(rows) {
  return rows.map((row) => {
    const parts = [];
    for (const v of row) {
      if (v === null) parts.push(Buffer.from([0xfb]));
      else if (v.length < 0xfb) parts.push(Buffer.from([v.length]), v);
      else if (v.length < 0x10000) parts.push(Buffer.from([0xfc, v.length & 0xff, v.length >> 8]), v);
      else parts.push(Buffer.from([0xfd, v.length & 0xff, (v.length >> 8) & 0xff, v.length >> 16]), v);
    }
    return Buffer.concat(parts);
  });
}

// A batch as the dumper gets it from the socket: row packets back to back in one buffer (4-byte
// packet headers between them), given as (buffer, start, end) per row, 4096 rows per batch.
export function socketBatches(wire) {
  const batches = [];
  for (let i = 0; i < wire.length; i += 4096) {
    const rows = wire.slice(i, i + 4096);
    const buf = Buffer.concat(rows.flatMap((r) => [Buffer.alloc(4), r]));
    const starts = [];
    const ends = [];
    let off = 0;
    for (const r of rows) {
      starts.push(off + 4);
      ends.push(off + 4 + r.length);
      off += 4 + r.length;
    }
    batches.push({ length: rows.length, buffers: rows.map(() => buf), starts, ends });
  }
  return batches;
}
