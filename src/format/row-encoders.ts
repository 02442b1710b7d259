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

type FieldWriter = (sink: ByteSink, value: Buffer) => void;

// ------------------------------------------------------------------ CSV

/** CSV dialect (docs/FORMAT.md): escapes inside "…": \\ \" \0 \n \r \Z. A raw LF only ends a row. */
const CSV_ESCAPES = escapeTable({ 0x00: '0', 0x0a: 'n', 0x0d: 'r', 0x1a: 'Z', 0x22: '"', 0x5c: '\\' });

const CSV_FIELD: Record<ColumnCodec, FieldWriter> = {
  text: (s, v) => {
    s.byte(0x22);
    s.escaped(v, CSV_ESCAPES);
    s.byte(0x22);
  },
  number: (s, v) => s.bytes(v),
  float: (s, v) => s.bytes(v),
  hex: (s, v) => s.hex(v),
};

class CsvEncoder implements RowEncoder {
  private readonly sink = new ByteSink();
  private readonly writers: FieldWriter[];

  constructor(spec: EncoderSpec) {
    this.writers = spec.columns.filter((c) => c.dumped).map((c) => CSV_FIELD[c.codec]);
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
      } else w[i]!(s, v);
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
  text: (s, v) => {
    s.byte(0x27);
    s.escaped(v, SQL_ESCAPES);
    s.byte(0x27);
  },
  number: (s, v) => s.bytes(v),
  float: (s, v) => s.bytes(v),
  hex: (s, v) => {
    if (v.length === 0) {
      s.byte(0x27);
      s.byte(0x27);
      return;
    }
    s.byte(0x30);
    s.byte(0x78);
    s.hex(v);
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

  push(row: RawRow): void {
    const r = this.row;
    r.len = 0;
    r.byte(0x28);
    const w = this.writers;
    for (let i = 0; i < w.length; i++) {
      if (i > 0) r.byte(0x2c);
      const v = row[i];
      if (v === null || v === undefined) r.ascii('NULL');
      else w[i]!(r, v);
    }
    r.byte(0x29);
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
