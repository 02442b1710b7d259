/**
 * Streaming a SELECT through the binary protocol: prepared once, executed once, closed. Rows are
 * handed out as wire rows (each binary row packet's payload, uncopied), as row-stream.ts hands out
 * text rows; the encoder reads them by a layout (binary-layout.ts) made from the columns the
 * prepare reported, so a result the layout cannot read never reaches it: such a SELECT is read
 * through the text protocol instead.
 */
import type mysql from 'mysql2';
import { TsError, errnoOf } from '../core/errors.js';
import type { WireBatch } from '../core/wire-row.js';
import type { ResultColumn } from './binary-layout.js';
import type { ReadArena } from './read-arena.js';
import { WireRows, collectBatches, wireRowBatches, type QueryInternals, type WirePacket } from './row-stream.js';

/** What a prepared SELECT is to mysql2 (PreparedStatementInfo). */
export interface PreparedSelect {
  readonly columns: readonly ResultColumn[];
  readonly parameters: readonly unknown[];
  execute(values: unknown[]): unknown;
}

/** The encoder's layout for a result of these columns, or null when it cannot read them. */
export type LayoutFor = (columns: readonly ResultColumn[]) => Uint8Array | null;

/** The server refused to prepare: too many prepared statements on it (max_prepared_stmt_count). */
const ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;

/** Prepares `sql`; null (no error) when the server is at its max_prepared_stmt_count. */
export function prepareSelect(conn: mysql.Connection, sql: string, done: (err: unknown, stmt: PreparedSelect | null) => void): void {
  conn.prepare(sql, (err, s) => {
    if (err && errnoOf(err) === ER_MAX_PREPARED_STMT_COUNT_REACHED) done(null, null);
    else if (err) done(err, null);
    else done(null, s as unknown as PreparedSelect);
  });
}

/** mysql2's Execute command states the row hook below steps into. */
interface ExecuteStates {
  readField(packet: WirePacket, connection: unknown): unknown;
  fieldsEOF(packet: WirePacket, connection: unknown): unknown;
  row(packet: WirePacket, connection: unknown): unknown;
}

type ExecuteCommand = QueryInternals & ExecuteStates & { _fields: ResultColumn[][]; _resultIndex: number };

function sameLayout(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Streams `sql`, prepared as `stmt` (null: not prepared), as binary rows when `layoutFor` can read
 * its columns: `onLayout` gets the layout before the first row. Otherwise — not prepared, with
 * placeholders, or columns the layout cannot read (a FLOAT, DOUBLE or a type it does not know) —
 * `onLayout(null)` and the rows come through the text protocol. The statement is closed when the
 * stream ends, however it ends.
 */
export async function* binaryRowBatches(
  conn: mysql.Connection,
  sql: string,
  stmt: PreparedSelect | null,
  layoutFor: LayoutFor,
  onLayout: (layout: Uint8Array | null) => void,
  signal?: AbortSignal,
  batchRows = 4096,
  batchBytes = 1 << 20,
  arena: ReadArena | null = null,
): AsyncGenerator<WireBatch> {
  const layout = stmt !== null && stmt.parameters.length === 0 ? layoutFor(stmt.columns) : null;
  if (stmt === null || layout === null) {
    if (stmt !== null) conn.unprepare(sql);
    onLayout(null);
    yield* wireRowBatches(conn, sql, signal, batchRows, batchBytes, arena);
    return;
  }
  try {
    if (signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted' });
    onLayout(layout);
    const q = stmt.execute([]) as ExecuteCommand;
    const proto = Object.getPrototypeOf(q) as ExecuteStates;
    const batch = new WireRows(arena);
    arena?.start();
    yield* collectBatches(conn, q as unknown as mysql.Query, batch, (added, fail) => {
      // Execute's states are its prototype's methods; the result header moves to `this.readField`,
      // so an own readField leads into these instead (and mysql2 builds no row parser of its own)
      const readField = function (this: ExecuteCommand, packet: WirePacket, connection: unknown): unknown {
        const next = proto.readField.call(this, packet, connection);
        return next === proto.fieldsEOF ? fieldsEOF : next === proto.readField ? readField : next;
      };
      const fieldsEOF = function (this: ExecuteCommand, packet: WirePacket, connection: unknown): unknown {
        if (!packet.isEOF()) return proto.fieldsEOF.call(this, packet, connection);
        // what the prepare said the rows would be: the layout was made from it
        const got = layoutFor(this._fields[this._resultIndex]!);
        if (got === null || !sameLayout(got, layout)) {
          fail(new TsError({
            code: 'query',
            message: 'the result columns differ from what the statement was prepared with (was the table altered during the dump?)',
            suggestion: 'run the dump again once the table is no longer being altered',
          }));
        }
        return rowState;
      };
      const rowState = function (this: ExecuteCommand, packet: WirePacket, connection: unknown): unknown {
        if (packet.isEOF()) return proto.row.call(this, packet, connection);
        added(batch.add(packet.buffer, packet.offset, packet.end));
        return rowState;
      };
      q.readField = readField;
      return () => arena?.stop();
    }, signal, batchRows, batchBytes);
  } finally {
    conn.unprepare(sql);
  }
}
