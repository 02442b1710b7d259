import { quoteIdent } from '../core/ident.js';
import { ByteSink, escapeTable } from './byte-sink.js';
import type { ColumnCodec, ColumnSpec, DataFormat } from './manifest.js';

/** A raw row: one Buffer per dumped column (the bytes the server sent), null for SQL NULL. */
export type RawRow = readonly (Buffer | null)[];


/**
 * Turns raw rows into the bytes of one data file. The chunk writer owns files, counting, hashing and
 * compression; an encoder only knows its format. Encoders are built once per chunk, so per-column
 * decisions are made up front and the row loop has no format or type switches.
 */
export interface RowEncoder {
  /** Appends one row. */
  push(row: RawRow): void;
  /** Appends one row given as a text-protocol row packet payload: bytes [start, end) of `buf`. */
  pushWire(buf: Buffer, start: number, end: number): void;
  /** Bytes buffered and not yet taken. */
  readonly pending: number;
  /** Takes the buffered bytes (call when pending is large, and once at the end after finish()). */
  take(): Buffer;
  /** Ends the file (closes an open statement). */
  finish(): void;
}

export interface EncoderSpec {
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
  /** SQL format: the longest statement to write, in bytes (one row may exceed it alone). */
  readonly statementSize: number;
}

type FieldWriter = (sink: ByteSink, src: Buffer, start: number, end: number) => void;

/**
 * Walks the length-encoded fields of a wire row, calling `field(i, start, end)` or `nul(i)`.
 * Length prefixes: < 0xfb the length itself; 0xfc 2 bytes; 0xfd 3 bytes; 0xfe 8 bytes; 0xfb NULL.
 */
function forEachWireField(row: Buffer, from: number, columns: number, field: (i: number, start: number, end: number) => void, nul: (i: number) => void): void {
  let p = from;
  for (let i = 0; i < columns; i++) {
    const first = row[p++]!;
    let len: number;
    if (first < 0xfb) len = first;
    else if (first === 0xfb) {
      nul(i);
      continue;
    } else if (first === 0xfc) {
      len = row[p]! | (row[p + 1]! << 8);
      p += 2;
    } else if (first === 0xfd) {
      len = row[p]! | (row[p + 1]! << 8) | (row[p + 2]! << 16);
      p += 3;
    } else {
      len = row.readUInt32LE(p) + row.readUInt32LE(p + 4) * 0x100000000;
      p += 8;
    }
    field(i, p, p + len);
    p += len;
  }
}

// ------------------------------------------------------------------ CSV

/** CSV dialect (docs/FORMAT.md): escapes inside "…": \\ \" \0 \n \r \Z. A raw LF only ends a row. */
const CSV_ESCAPES = escapeTable({ 0x00: '0', 0x0a: 'n', 0x0d: 'r', 0x1a: 'Z', 0x22: '"', 0x5c: '\\' });

const CSV_FIELD: Record<ColumnCodec, FieldWriter> = {
  text: (s, v, a, b) => {
    s.byte(0x22);
    s.escaped(v, CSV_ESCAPES, a, b);
    s.byte(0x22);
  },
  number: (s, v, a, b) => s.bytes(v, a, b),
  float: (s, v, a, b) => s.bytes(v, a, b),
  hex: (s, v, a, b) => s.hex(v, a, b),
};

class CsvEncoder implements RowEncoder {
  private readonly sink = new ByteSink();
  private readonly writers: FieldWriter[];
  private wire: Buffer = Buffer.alloc(0);
  private readonly wireField = (i: number, start: number, end: number): void => {
    if (i > 0) this.sink.byte(0x2c);
    this.writers[i]!(this.sink, this.wire, start, end);
  };
  private readonly wireNull = (i: number): void => {
    if (i > 0) this.sink.byte(0x2c);
    this.sink.byte(0x5c);
    this.sink.byte(0x4e);
  };

  constructor(spec: EncoderSpec) {
    this.writers = spec.columns.filter((c) => c.dumped).map((c) => CSV_FIELD[c.codec]);
  }

  pushWire(buf: Buffer, start: number): void {
    this.wire = buf;
    forEachWireField(buf, start, this.writers.length, this.wireField, this.wireNull);
    this.sink.byte(0x0a);
  }

  get pending(): number {
    return this.sink.len;
  }

  push(row: RawRow): void {
    const s = this.sink;
    const w = this.writers;
    for (let i = 0; i < w.length; i++) {
      if (i > 0) s.byte(0x2c);
      const v = row[i];
      if (v === null || v === undefined) {
        s.byte(0x5c);
        s.byte(0x4e);
      } else w[i]!(s, v, 0, v.length);
    }
    s.byte(0x0a);
  }

  take(): Buffer {
    return this.sink.take();
  }

  finish(): void {}
}

// ------------------------------------------------------------------ SQL

/** SQL string escapes (valid without NO_BACKSLASH_ESCAPES, which the loader guarantees). */
const SQL_ESCAPES = escapeTable({ 0x00: '0', 0x0a: 'n', 0x0d: 'r', 0x1a: 'Z', 0x27: "'", 0x5c: '\\' });

const SQL_FIELD: Record<ColumnCodec, FieldWriter> = {
  text: (s, v, a, b) => {
    s.byte(0x27);
    s.escaped(v, SQL_ESCAPES, a, b);
    s.byte(0x27);
  },
  number: (s, v, a, b) => s.bytes(v, a, b),
  float: (s, v, a, b) => s.bytes(v, a, b),
  hex: (s, v, a, b) => {
    if (a === b) {
      s.byte(0x27);
      s.byte(0x27);
      return;
    }
    s.byte(0x30);
    s.byte(0x78);
    s.hex(v, a, b);
  },
};

/**
 * Multi-row INSERT statements, one per line, each at most statementSize bytes unless a single row
 * is larger. Strings never contain a raw LF, so a line is exactly one statement.
 */
class SqlEncoder implements RowEncoder {
  private readonly sink = new ByteSink();
  private readonly row = new ByteSink(64 * 1024);
  private readonly writers: FieldWriter[];
  private readonly head: Buffer;
  private statementBytes = 0;

  constructor(private readonly spec: EncoderSpec) {
    const cols = spec.columns.filter((c) => c.dumped);
    this.writers = cols.map((c) => SQL_FIELD[c.codec]);
    this.head = Buffer.from(`INSERT INTO ${quoteIdent(spec.table)} (${cols.map((c) => quoteIdent(c.name)).join(',')}) VALUES `, 'utf8');
  }

  get pending(): number {
    return this.sink.len;
  }

  private wire: Buffer = Buffer.alloc(0);
  private readonly wireField = (i: number, start: number, end: number): void => {
    if (i > 0) this.row.byte(0x2c);
    this.writers[i]!(this.row, this.wire, start, end);
  };
  private readonly wireNull = (i: number): void => {
    if (i > 0) this.row.byte(0x2c);
    this.row.ascii('NULL');
  };

  pushWire(buf: Buffer, start: number): void {
    this.row.len = 0;
    this.row.byte(0x28);
    this.wire = buf;
    forEachWireField(buf, start, this.writers.length, this.wireField, this.wireNull);
    this.row.byte(0x29);
    this.appendRow();
  }

  push(row: RawRow): void {
    const r = this.row;
    r.len = 0;
    r.byte(0x28);
    const w = this.writers;
    for (let i = 0; i < w.length; i++) {
      if (i > 0) r.byte(0x2c);
      const v = row[i];
      if (v === null || v === undefined) r.ascii('NULL');
      else w[i]!(r, v, 0, v.length);
    }
    r.byte(0x29);
    this.appendRow();
  }

  /** Adds the row in `this.row` to the current statement, starting a new one when it would be too long. */
  private appendRow(): void {
    const r = this.row;
    const s = this.sink;
    if (this.statementBytes > 0 && this.statementBytes + 1 + r.len + 2 > this.spec.statementSize) this.closeStatement();
    if (this.statementBytes === 0) {
      s.bytes(this.head);
      this.statementBytes = this.head.length;
    } else {
      s.byte(0x2c);
      this.statementBytes++;
    }
    s.ensure(r.len);
    r.buf.copy(s.buf, s.len, 0, r.len);
    s.len += r.len;
    this.statementBytes += r.len;
  }

  private closeStatement(): void {
    this.sink.byte(0x3b);
    this.sink.byte(0x0a);
    this.statementBytes = 0;
  }

  take(): Buffer {
    return this.sink.take();
  }

  finish(): void {
    if (this.statementBytes > 0) this.closeStatement();
  }
}

const ENCODERS: Record<DataFormat, (spec: EncoderSpec) => RowEncoder> = {
  csv: (spec) => new CsvEncoder(spec),
  sql: (spec) => new SqlEncoder(spec),
};

export function createRowEncoder(format: DataFormat, spec: EncoderSpec): RowEncoder {
  return ENCODERS[format](spec);
}

export const DATA_EXTENSIONS: Record<DataFormat, string> = { csv: 'csv', sql: 'sql' };
