import { quoteIdent } from '../core/ident.js';
import { escapeTable } from './byte-sink.js';
import { SinkEncoder } from './sink-encoder.js';
import { WasmRowEncoder, wireEncoderModule } from './wasm-row-encoder.js';
import type { ColumnCodec, ColumnSpec, DataFormat } from './manifest.js';
import type { Dialect, EncoderEngine, EncoderSpec, RowEncoder } from './row-encoder.js';
export { ENCODER_ENGINES, type EncoderEngine, type EncoderSpec, type RawRow, type RowEncoder } from './row-encoder.js';

/** Column kinds of the row loop. `Record<ColumnCodec, …>` makes a new codec fail to compile until handled. */
const TEXT = 0;
const RAW = 1;
const HEX = 2;
const KIND_OF: Record<ColumnCodec, number> = { text: TEXT, number: RAW, float: RAW, hex: HEX, index: RAW };

function columnKinds(columns: readonly ColumnSpec[]): Uint8Array {
  return Uint8Array.from(columns.filter((c) => c.dumped).map((c) => KIND_OF[c.codec]));
}

/** The most bytes writeWireRow can write for a packet of `packetBytes` with `columns` columns. */
function rowBound(packetBytes: number, columns: number): number {
  // Text and hex values at most double; per column: quotes or a 0x prefix, a separator, and NULL
  // (4 bytes at most) in place of a 1-byte prefix.
  return 2 * packetBytes + 6 * columns + 2;
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Copies a short constant. */
function put(out: Buffer, o: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) out[o++] = bytes[i]!;
  return o;
}

/**
 * Encodes one wire row (the payload of a text-protocol row packet, from `p`) into `out` at `o`,
 * values separated by commas, and returns the new end. `out` must have rowBound() bytes free.
 * This is the dump's innermost loop: one pass over the packet, no call per value, no bounds checks
 * beyond the one up front (measured: bench/micro/hot-paths.mjs "wire rows").
 */
function writeWireRow(d: Dialect, kinds: Uint8Array, buf: Buffer, p: number, out: Buffer, o: number): number {
  const escapes = d.escapes;
  const quote = d.quote;
  for (let i = 0; i < kinds.length; i++) {
    if (i > 0) out[o++] = 0x2c;
    let len = buf[p++]!;
    if (len >= 0xfb) {
      if (len === 0xfb) {
        o = put(out, o, d.nul);
        continue;
      }
      if (len === 0xfc) {
        len = buf[p]! | (buf[p + 1]! << 8);
        p += 2;
      } else if (len === 0xfd) {
        len = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16);
        p += 3;
      } else {
        len = buf.readUInt32LE(p) + buf.readUInt32LE(p + 4) * 0x100000000;
        p += 8;
      }
    }
    const end = p + len;
    const kind = kinds[i];
    if (kind === TEXT) {
      out[o++] = quote;
      while (p < end) {
        const b = buf[p++]!;
        const e = escapes[b]!;
        if (e === 0) out[o++] = b;
        else {
          out[o++] = 0x5c;
          out[o++] = e;
        }
      }
      out[o++] = quote;
    } else if (kind === RAW) {
      if (len < 64) while (p < end) out[o++] = buf[p++]!;
      else {
        o += buf.copy(out, o, p, end);
        p = end;
      }
    } else if (len === 0) o = put(out, o, d.emptyHex);
    else {
      o = put(out, o, d.hexPrefix);
      while (p < end) {
        const b = buf[p++]!;
        out[o++] = HEX_DIGITS[b >> 4]!;
        out[o++] = HEX_DIGITS[b & 15]!;
      }
    }
  }
  return o;
}

// ------------------------------------------------------------------ CSV

/** CSV dialect (docs/FORMAT.md): escapes inside "…": \\ \" \0 \n \r \Z. A raw LF only ends a row. */
const CSV: Dialect = {
  sql: false,
  quote: 0x22,
  escapes: escapeTable({ 0x00: '0', 0x0a: 'n', 0x0d: 'r', 0x1a: 'Z', 0x22: '"', 0x5c: '\\' }),
  nul: Buffer.from('\\N', 'latin1'),
  hexPrefix: Buffer.alloc(0),
  emptyHex: Buffer.alloc(0),
};

class CsvEncoder extends SinkEncoder {
  private readonly kinds: Uint8Array;

  constructor(spec: EncoderSpec) {
    super();
    this.kinds = columnKinds(spec.columns);
  }

  pushWire(buf: Buffer, start: number, end: number): void {
    const s = this.sink;
    s.ensure(rowBound(end - start, this.kinds.length));
    const o = writeWireRow(CSV, this.kinds, buf, start, s.buf, s.len);
    s.buf[o] = 0x0a;
    s.len = o + 1;
  }
}

// ------------------------------------------------------------------ SQL

/** SQL string escapes (valid without NO_BACKSLASH_ESCAPES, which the loader guarantees). */
const SQL: Dialect = {
  sql: true,
  quote: 0x27,
  escapes: escapeTable({ 0x00: '0', 0x0a: 'n', 0x0d: 'r', 0x1a: 'Z', 0x27: "'", 0x5c: '\\' }),
  nul: Buffer.from('NULL', 'latin1'),
  hexPrefix: Buffer.from('0x', 'latin1'),
  emptyHex: Buffer.from("''", 'latin1'),
};

/**
 * Multi-row INSERT statements, one per line, each at most statementSize bytes unless a single row
 * is larger. Strings never contain a raw LF, so a line is exactly one statement.
 */
class SqlEncoder extends SinkEncoder {
  private readonly kinds: Uint8Array;
  private readonly head: Buffer;
  private statementBytes = 0;

  constructor(private readonly spec: EncoderSpec) {
    super();
    this.kinds = columnKinds(spec.columns);
    this.head = statementHead('sql', spec);
  }

  /**
   * Encodes the row straight into the file buffer after a one-byte gap for the comma. When the row
   * does not fit the open statement (once per statement), it is moved right to make room for
   * ";\n" and the next statement's head instead.
   */
  pushWire(buf: Buffer, start: number, end: number): void {
    const s = this.sink;
    const head = this.head;
    s.ensure(head.length + 3 + rowBound(end - start, this.kinds.length));
    const out = s.buf;
    let o = s.len;
    if (this.statementBytes === 0) {
      o += head.copy(out, o);
      this.statementBytes = head.length;
      o = this.writeRow(buf, start, out, o);
      this.statementBytes += o - s.len - head.length;
      s.len = o;
      return;
    }
    const rowStart = o + 1;
    const rowEnd = this.writeRow(buf, start, out, rowStart);
    const rowLen = rowEnd - rowStart;
    if (this.statementBytes + 1 + rowLen + 2 <= this.spec.statementSize) {
      out[o] = 0x2c;
      this.statementBytes += 1 + rowLen;
      s.len = rowEnd;
      return;
    }
    out.copyWithin(o + 2 + head.length, rowStart, rowEnd);
    out[o++] = 0x3b;
    out[o++] = 0x0a;
    o += head.copy(out, o);
    this.statementBytes = head.length + rowLen;
    s.len = o + rowLen;
  }

  /** Writes `(v1,v2,…)` at `o` and returns the new end. */
  private writeRow(buf: Buffer, start: number, out: Buffer, o: number): number {
    out[o] = 0x28;
    const e = writeWireRow(SQL, this.kinds, buf, start, out, o + 1);
    out[e] = 0x29;
    return e + 1;
  }

  override finish(): void {
    if (this.statementBytes > 0) {
      this.sink.byte(0x3b);
      this.sink.byte(0x0a);
      this.statementBytes = 0;
    }
  }
}

const DIALECTS: Record<DataFormat, Dialect> = { csv: CSV, sql: SQL };

/** The INSERT statement head of the SQL format ('' for CSV). */
function statementHead(format: DataFormat, spec: EncoderSpec): Buffer {
  if (format === 'csv') return Buffer.alloc(0);
  const cols = spec.columns.filter((c) => c.dumped);
  return Buffer.from(`INSERT INTO ${quoteIdent(spec.table)} (${cols.map((c) => quoteIdent(c.name)).join(',')}) VALUES `, 'utf8');
}

const JS_ENCODERS: Record<DataFormat, (spec: EncoderSpec) => RowEncoder> = {
  csv: (spec) => new CsvEncoder(spec),
  sql: (spec) => new SqlEncoder(spec),
};

/** The engine createRowEncoder uses by default here. */
export function defaultEncoderEngine(): EncoderEngine {
  return wireEncoderModule() ? 'wasm' : 'js';
}

/** Both engines write the same bytes; `engine` is for tests and benchmarks. */
export function createRowEncoder(format: DataFormat, spec: EncoderSpec, engine: EncoderEngine = defaultEncoderEngine()): RowEncoder {
  if (engine === 'js') return JS_ENCODERS[format](spec);
  const module = wireEncoderModule();
  if (!module) throw new Error('the WebAssembly row encoder is not available (dist/wasm/wire-encoder.wasm: run make build)');
  return new WasmRowEncoder(module, DIALECTS[format], columnKinds(spec.columns), statementHead(format, spec), spec.statementSize);
}

export const DATA_EXTENSIONS: Record<DataFormat, string> = { csv: 'csv', sql: 'sql' };
