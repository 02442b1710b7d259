import { TsError } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { MAX_BULK_PAYLOAD, bulkRoom, type BulkStatement, type Session } from '../db/session.js';
import { CsvBulkError, bulkParamTypes, csvBulkConverter, type CsvBulkConverter } from '../format/csv-bulk.js';
import type { TableEntry } from '../format/manifest.js';
import type { ChunkRef } from './load-context.js';
import type { OnDuplicateMode } from './load-options.js';
import { INSERT_VERB, csvStatement, type StatementRows } from './row-checks.js';

/**
 * CSV rows sent by MariaDB's bulk INSERT (--insert-method bulk, db/bulk-insert.ts): the rows of a
 * sub-chunk are converted to the binary protocol (format/csv-bulk.ts) into packets of at most
 * PACKET_BYTES (and the target's max_allowed_packet), each one COM_STMT_BULK_EXECUTE of the table's
 * prepared INSERT, all in the sub-chunk's transaction. Its warnings are checked after each packet
 * (the server keeps only the last statement's), row n of a packet being the packet's n-th line.
 */

/**
 * Bytes of rows per packet. The server answers each, so a packet is a round trip (≈ 0.1 ms against
 * ≈ 15 ms of the server's work on 1 MiB of rows); the buffer is per running chunk.
 */
const PACKET_BYTES = 1024 * 1024;

/** Packet buffers of finished chunks, for the next (a buffer per chunk would be garbage to collect). */
const idleBuffers: Buffer[] = [];

/** One table's bulk INSERT on one session: its prepared statement, converter and packet buffer. */
export class BulkTable {
  private stmt: BulkStatement | null = null;
  private stmtSession: Session | null = null;
  private readonly converter: CsvBulkConverter;
  private readonly types: Buffer;
  /** Bytes before the rows: the packet and command headers (bulkRoom). */
  private readonly room: number;
  /** The largest payload the target takes (max_allowed_packet) and the protocol sends unsplit. */
  private readonly max: number;
  private out: Buffer;
  /** The usual packet buffer's size (a larger one made for a long row is not kept). */
  private readonly size: number;

  constructor(
    private readonly target: string,
    private readonly table: TableEntry,
    private readonly mode: OnDuplicateMode,
    maxPacket: number,
  ) {
    const codecs = table.columns.filter((c) => c.dumped).map((c) => c.codec);
    this.converter = csvBulkConverter(codecs);
    this.types = bulkParamTypes(codecs);
    this.room = bulkRoom(codecs.length);
    this.max = Math.max(64 * 1024, Math.min(maxPacket - 1024, MAX_BULK_PAYLOAD) - this.room);
    const size = this.room + Math.min(PACKET_BYTES, this.max);
    const idle = idleBuffers.findIndex((b) => b.length === size);
    this.out = idle >= 0 ? idleBuffers.splice(idle, 1)[0]! : Buffer.allocUnsafe(size);
    this.size = size;
  }

  /**
   * Inserts the CSV rows of `data` (whole lines; file line `firstLine` first) on `s`; `check` runs
   * after each packet with the rows it held (warnings). Returns the rows the server inserted.
   */
  async insert(s: Session, data: Buffer, firstLine: number, object: ChunkRef, check: (rows: StatementRows) => Promise<void>): Promise<number> {
    const stmt = await this.statement(s, object);
    let inserted = 0;
    let at = 0;
    let line = firstLine;
    while (at < data.length) {
      let r = this.convert(data, at, line, object);
      if (r.rows === 0) {
        // a row larger than a packet: packets as large as the target takes from here on
        if (this.out.length >= this.room + this.max) throw this.tooLarge(object, line);
        this.out = Buffer.allocUnsafe(this.room + this.max);
        r = this.convert(data, at, line, object);
        if (r.rows === 0) throw this.tooLarge(object, line);
      }
      inserted += await s.bulkInsert(stmt, this.out, this.room, this.room + r.written, object);
      await check(csvStatement(data.subarray(at, at + r.consumed), line));
      at += r.consumed;
      line += r.rows;
    }
    return inserted;
  }

  dispose(): void {
    if (this.out.length === this.size && idleBuffers.length < 64) idleBuffers.push(this.out);
    this.converter.dispose();
    // the statement goes with its session (a chunk's sessions are closed after it): no COM_STMT_CLOSE
    // on a connection that may be gone
    this.stmt = null;
  }

  private convert(data: Buffer, at: number, line: number, object: ChunkRef): { consumed: number; written: number; rows: number } {
    let r;
    try {
      r = this.converter.convert(data, at, data.length, this.out, this.room, this.out.length);
    } catch (e) {
      if (!(e instanceof CsvBulkError)) throw e;
      const column = this.table.columns.filter((c) => c.dumped)[e.column]?.name;
      throw this.badLine(object, line + countLines(data, at, e.offset), `${e.message}${column !== undefined ? `, ${quoteIdent(column)}` : ''}`);
    }
    if (r.rows === 0 && data.indexOf(0x0a, at) === -1) throw this.badLine(object, line, 'it does not end with a line feed');
    return r;
  }

  private badLine(object: ChunkRef, line: number, what: string): TsError {
    return new TsError({
      code: 'bad-dump',
      message: `line ${line} of ${object.file} is not a row of ${object.database}.${object.table} as tsdump writes them: ${what}`,
      object: { ...object, row: line },
      suggestion: 'the chunk file was changed after its checksum was taken by a tool that did not update the manifest, or tsdump wrote it wrong: dump again (tsdump verify tells which files differ); --insert-method load-data loads what LOAD DATA makes of it',
    });
  }

  /** The table's INSERT prepared on `s` (again on a new session: a retry reconnects). */
  private async statement(s: Session, object: ChunkRef): Promise<BulkStatement> {
    if (this.stmt && this.stmtSession === s) return this.stmt;
    const cols = this.table.columns.filter((c) => c.dumped);
    const sql = `${INSERT_VERB[this.mode]}${qualified(this.target, this.table.name)} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    this.stmt = await s.prepareBulk(s.wireText(sql), this.types, object);
    this.stmtSession = s;
    return this.stmt;
  }

  private tooLarge(object: ChunkRef, line: number): TsError {
    return new TsError({
      code: 'packet-too-large',
      message: `line ${line} of ${object.file} does not fit one bulk INSERT packet of the target's max_allowed_packet`,
      object: { ...object, row: line },
      suggestion: 'raise max_allowed_packet on the target (SET GLOBAL max_allowed_packet = 1073741824;), or load with --insert-method load-data',
    });
  }
}

function countLines(data: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = data.indexOf(0x0a, from); i !== -1 && i < to; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}
