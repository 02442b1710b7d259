import { BULK_NULL, BULK_VALUE, HEX, INDEX, STRING, TEXT, bulkKinds, lenencSize, putLenenc, rowBound, type BulkCodec, type BulkRows, type CsvBulkConverter } from './bulk-row-data.js';
import { CsvBulkError, type BulkErrorCode } from './csv-bulk-error.js';
import { WasmCsvBulkConverter, csvBulkModule } from './wasm-csv-bulk.js';
export { BULK_ERROR_CODES, CsvBulkError, type BulkErrorCode } from './csv-bulk-error.js';
export type { BulkCodec, BulkRows, CsvBulkConverter } from './bulk-row-data.js';

/*
 * From a CSV data file (docs/FORMAT.md §4) to the row data of a COM_STMT_BULK_EXECUTE packet
 * (MariaDB ≥ 10.2: one prepared INSERT, an array of rows bound to it). Per row, per column: an
 * indicator byte (0 = a value follows, 1 = NULL) and the value in its parameter type's binary form.
 * The loader sends text, number, float and hex columns as MYSQL_TYPE_STRING (the server converts the
 * text as LOAD DATA would) and index columns (ENUM index / SET bit mask) as unsigned LONGLONG, which
 * the server stores as that index / mask, as `CAST(@c AS UNSIGNED)` does for LOAD DATA.
 *
 * Input rules beyond the dump's own output, decided here:
 * - an empty unquoted `number`/`float` field is sent as the empty string (the server decides, as
 *   LOAD DATA's would);
 * - only the six escapes the dump writes are accepted inside quotes (`\0 \n \r \Z \" \\`), any other
 *   backslash pair is an error, as is a quote or backslash in an unquoted value (other than `\N`);
 * - hex digits may be upper or lower case; an odd number of them is an error.
 */

const MYSQL_TYPE_STRING = 254;
const MYSQL_TYPE_LONGLONG = 8;
const UNSIGNED = 0x80;
const PARAM_TYPE: Record<BulkCodec, readonly [number, number]> = {
  text: [MYSQL_TYPE_STRING, 0],
  number: [MYSQL_TYPE_STRING, 0],
  float: [MYSQL_TYPE_STRING, 0],
  hex: [MYSQL_TYPE_STRING, 0],
  index: [MYSQL_TYPE_LONGLONG, UNSIGNED],
};

/** The parameter types block of the packet: 2 bytes per column (type, flags). */
export function bulkParamTypes(codecs: readonly BulkCodec[]): Buffer {
  const out = Buffer.alloc(2 * codecs.length);
  codecs.forEach((c, i) => {
    out[2 * i] = PARAM_TYPE[c][0];
    out[2 * i + 1] = PARAM_TYPE[c][1];
  });
  return out;
}

const LF = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The byte an escape letter stands for, -1 for a letter the dump never writes. */
const UNESCAPE = new Int16Array(256).fill(-1);
UNESCAPE[0x30] = 0x00; // 0
UNESCAPE[0x6e] = 0x0a; // n
UNESCAPE[0x72] = 0x0d; // r
UNESCAPE[0x5a] = 0x1a; // Z
UNESCAPE[QUOTE] = QUOTE;
UNESCAPE[BACKSLASH] = BACKSLASH;

/** A hex digit's value, -1 for other bytes. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
for (let i = 10; i < 16; i++) HEX_VALUE['ABCDEF'.charCodeAt(i - 10)] = i;

function fail(code: BulkErrorCode, offset: number, column: number): never {
  throw new CsvBulkError(code, offset, column);
}

const TWO_32 = 0x100000000;

/** Writes an index field's decimal [p, end) as a u64 LE at o. */
function putIndex(src: Buffer, p: number, end: number, out: Buffer, o: number, column: number): void {
  if (p === end) fail('bad-index', p, column);
  if (end - p <= 15) {
    let v = 0;
    for (let q = p; q < end; q++) {
      const d = src[q]! - 0x30;
      if (d < 0 || d > 9) fail('bad-index', q, column);
      v = v * 10 + d;
    }
    out.writeUInt32LE(v % TWO_32, o);
    out.writeUInt32LE(Math.floor(v / TWO_32), o + 4);
    return;
  }
  let v = 0n;
  for (let q = p; q < end; q++) {
    const d = src[q]! - 0x30;
    if (d < 0 || d > 9) fail('bad-index', q, column);
    v = v * 10n + BigInt(d);
  }
  if (v > 0xffffffffffffffffn) fail('index-range', p, column);
  out.writeBigUInt64LE(v, o);
}

/**
 * Converts the row src[p, lf) (lf: its LF) to out at o and returns the new end; out must have
 * rowBound(lf - p, columns) bytes free at o. The JavaScript reference of assembly/csv-bulk.ts.
 */
function convertRow(kinds: Uint8Array, src: Buffer, p: number, lf: number, out: Buffer, o: number): number {
  const n = kinds.length;
  for (let c = 0; c < n; c++) {
    const kind = kinds[c]!;
    if (src[p] === BACKSLASH && src[p + 1] === 0x4e && (p + 2 === lf || src[p + 2] === COMMA)) {
      out[o++] = BULK_NULL;
      p += 2;
    } else if (kind === TEXT) {
      if (p === lf || src[p] !== QUOTE) fail('not-enclosed', p, c);
      const open = p;
      out[o] = BULK_VALUE;
      // the value at o + 2 (a 1-byte length), moved right below if its length needs more
      const start = o + 2;
      let w = start;
      let q = p + 1;
      for (;;) {
        if (q >= lf) fail('unclosed-quote', open, c);
        const b = src[q]!;
        if (b === QUOTE) break;
        if (b === BACKSLASH) {
          if (q + 1 >= lf) fail('unclosed-quote', open, c);
          const v = UNESCAPE[src[q + 1]!]!;
          if (v < 0) fail('bad-escape', q, c);
          out[w++] = v;
          q += 2;
        } else {
          out[w++] = b;
          q++;
        }
      }
      p = q + 1;
      const len = w - start;
      const size = lenencSize(len);
      if (size > 1) out.copyWithin(o + 1 + size, start, w);
      o = putLenenc(out, o + 1, len) + len;
    } else {
      let q = p;
      while (q < lf && src[q] !== COMMA) {
        const b = src[q]!;
        if (b === QUOTE || b === BACKSLASH) fail('quote-in-unquoted', q, c);
        q++;
      }
      out[o++] = BULK_VALUE;
      if (kind === STRING) {
        o = putLenenc(out, o, q - p);
        o += src.copy(out, o, p, q);
      } else if (kind === INDEX) {
        putIndex(src, p, q, out, o, c);
        o += 8;
      } else {
        if ((q - p) % 2 !== 0) fail('odd-hex', p, c);
        o = putLenenc(out, o, (q - p) / 2);
        for (let x = p; x < q; x += 2) {
          const hi = HEX_VALUE[src[x]!]!;
          const lo = HEX_VALUE[src[x + 1]!]!;
          if (hi < 0) fail('bad-hex', x, c);
          if (lo < 0) fail('bad-hex', x + 1, c);
          out[o++] = (hi << 4) | lo;
        }
      }
      p = q;
    }
    if (c < n - 1) {
      if (p === lf) fail('too-few-fields', p, c + 1);
      if (src[p] !== COMMA) fail('bad-separator', p, c);
      p++;
    } else if (p !== lf) fail(src[p] === COMMA ? 'too-many-fields' : 'bad-separator', p, c);
  }
  return o;
}

/** The JavaScript converter: the reference the WebAssembly one is tested against, and its fallback. */
export class JsCsvBulkConverter implements CsvBulkConverter {
  private readonly kinds: Uint8Array;
  private scratch = Buffer.alloc(0);

  constructor(codecs: readonly BulkCodec[]) {
    if (codecs.length === 0) throw new Error('csv-bulk: a table without columns');
    this.kinds = bulkKinds(codecs);
  }

  convert(src: Buffer, from: number, to: number, out: Buffer, outAt: number, outEnd: number): BulkRows {
    const kinds = this.kinds;
    let p = from;
    let o = outAt;
    let rows = 0;
    while (p < to) {
      const lf = src.indexOf(LF, p);
      if (lf < 0 || lf >= to) break;
      const bound = rowBound(lf - p, kinds.length);
      if (o + bound <= outEnd) o = convertRow(kinds, src, p, lf, out, o);
      else {
        // near the end of out: convert aside and keep it only if it fits
        if (this.scratch.length < bound) this.scratch = Buffer.allocUnsafe(bound);
        const n = convertRow(kinds, src, p, lf, this.scratch, 0);
        if (o + n > outEnd) break;
        o += this.scratch.copy(out, o, 0, n);
      }
      p = lf + 1;
      rows++;
    }
    return { consumed: p - from, written: o - outAt, rows };
  }

  dispose(): void {
    this.scratch = Buffer.alloc(0);
  }
}

/** The row loops: WebAssembly (the default where it runs) and JavaScript (the reference and fallback). */
export const CSV_BULK_ENGINES = ['wasm', 'js'] as const;
export type CsvBulkEngine = (typeof CSV_BULK_ENGINES)[number];

/** The engine csvBulkConverter uses by default here. */
export function defaultCsvBulkEngine(): CsvBulkEngine {
  return csvBulkModule() ? 'wasm' : 'js';
}

const MAKE: Record<CsvBulkEngine, (codecs: readonly BulkCodec[]) => CsvBulkConverter> = {
  js: (codecs) => new JsCsvBulkConverter(codecs),
  wasm: (codecs) => {
    const module = csvBulkModule();
    if (!module) throw new Error('the WebAssembly CSV converter is not available (dist/wasm/csv-bulk.wasm: run npm run build)');
    return new WasmCsvBulkConverter(module, codecs);
  },
};

/**
 * A converter for one table's column codecs (in the data file's column order). Both engines write
 * the same bytes and fail on the same byte; `engine` is for tests and benchmarks.
 */
export function csvBulkConverter(codecs: readonly BulkCodec[], engine: CsvBulkEngine = defaultCsvBulkEngine()): CsvBulkConverter {
  return MAKE[engine](codecs);
}
