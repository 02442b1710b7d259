import mysql from 'mysql2';
import { MAX_PACKET_PAYLOAD, sendFramedCommand } from './framed-query.js';

/**
 * MariaDB's array-bound INSERT: COM_STMT_BULK_EXECUTE (MariaDB ≥ 10.2; asked for in mysql2's handshake from 10.5) runs one prepared INSERT
 * for every row of a packet, without parsing SQL for each and — unlike LOAD DATA — holding only
 * InnoDB's AUTO-INC mutex under innodb_autoinc_lock_mode=1 (a LOAD DATA holds the table's AUTO-INC
 * lock to its end, so chunks of an AUTO_INCREMENT table load one at a time: docs/PERFORMANCE.md §3f).
 * It needs no LOCAL INFILE either. The server accepts it only from a client that asked for
 * MARIADB_CLIENT_STMT_BULK_OPERATIONS in the handshake (an extended capability: sent only when the
 * client leaves CLIENT_MYSQL unset, which mysql2 does where the server offers extended metadata).
 *
 * The packet: 0xFA, the statement id (4 bytes), flags (2: STMT_BULK_FLAG_SEND_TYPES), the
 * parameters' types (2 bytes each), then per row and parameter an indicator byte (0 = a value
 * follows, 1 = NULL) and the value in the binary protocol (src/format/csv-bulk.ts writes them).
 */

const COM_STMT_BULK_EXECUTE = 0xfa;
const STMT_BULK_FLAG_SEND_TYPES = 128;
const MARIADB_CLIENT_STMT_BULK_OPERATIONS = 4;
const MARIADB_CLIENT_EXTENDED_METADATA = 8;

/** Bytes a caller leaves before a packet's row data (bulkRoom): the packet header, command header and types. */
export function bulkRoom(params: number): number {
  return 4 + 7 + 2 * params;
}

/** The largest packet payload sent: below the protocol's split (a split packet would need its own framing). */
export const MAX_BULK_PAYLOAD = MAX_PACKET_PAYLOAD - 1;

interface Handshake {
  mariadbExtendedClientFlags: number;
  handshake: { mariadbExtendedCapabilityFlags?: number } | null;
  sendCredentials(c: unknown): unknown;
  sendSSLRequest(c: unknown): unknown;
}

/**
 * Asks for bulk operations in this connection's handshake (still to come: the connection was just
 * created), where the server offers them and the extended capabilities are sent at all. `granted`
 * is told whether they were. A connection that is not at its handshake is left as it is.
 */
export function requestBulkOperations(conn: mysql.Connection, granted: (yes: boolean) => void): void {
  const cmd = (conn as unknown as { _command?: Partial<Handshake> | null })._command;
  if (!cmd || typeof cmd.sendCredentials !== 'function' || typeof cmd.sendSSLRequest !== 'function') return;
  const h = cmd as Handshake;
  const ask = (): void => {
    const offered = (h.handshake?.mariadbExtendedCapabilityFlags ?? 0) & MARIADB_CLIENT_STMT_BULK_OPERATIONS;
    const extended = h.mariadbExtendedClientFlags & MARIADB_CLIENT_EXTENDED_METADATA;
    if (offered && extended) h.mariadbExtendedClientFlags |= MARIADB_CLIENT_STMT_BULK_OPERATIONS;
    granted(Boolean(h.mariadbExtendedClientFlags & MARIADB_CLIENT_STMT_BULK_OPERATIONS));
  };
  // the TLS request carries the capabilities first when there is one; both carry the same
  const sendCredentials = h.sendCredentials;
  const sendSSLRequest = h.sendSSLRequest;
  h.sendSSLRequest = function (this: Handshake, c: unknown) {
    ask();
    return sendSSLRequest.call(this, c);
  };
  h.sendCredentials = function (this: Handshake, c: unknown) {
    ask();
    return sendCredentials.call(this, c);
  };
}

/** A prepared INSERT of `params` parameters, by its server-side id. */
export interface BulkStatement {
  readonly id: number;
  readonly params: number;
  /** The parameter types block (2 bytes per parameter). */
  readonly types: Buffer;
}

export function prepareBulk(conn: mysql.Connection, sql: string, types: Buffer, done: (err: unknown, stmt?: BulkStatement) => void): void {
  conn.prepare(sql, (err, info) => {
    if (err) return done(err);
    const params = types.length / 2;
    const prepared = info as unknown as { id: number; parameters?: unknown[] };
    const got = prepared.parameters?.length ?? params;
    if (got !== params) return done(new Error(`the prepared INSERT takes ${got} parameters, not ${params}`));
    done(null, { id: prepared.id, params, types });
  });
}

/**
 * Sends the rows in buf[at, end) as one COM_STMT_BULK_EXECUTE of `stmt`: the bulkRoom bytes before
 * `at` are overwritten with the packet and command headers. `done` gets mysql2's answer (an OK
 * packet with the rows inserted, or the error).
 */
export function sendBulk(conn: mysql.Connection, stmt: BulkStatement, buf: Buffer, at: number, end: number, done: (err: unknown, result: unknown) => void): void {
  const from = at - bulkRoom(stmt.params);
  if (from < 0) throw new RangeError('sendBulk: no room for the packet header before the rows');
  if (end - from - 4 > MAX_BULK_PAYLOAD) throw new RangeError('sendBulk: packet above the protocol limit');
  let p = from + 4;
  buf[p++] = COM_STMT_BULK_EXECUTE;
  buf.writeUInt32LE(stmt.id, p);
  p += 4;
  buf.writeUInt16LE(STMT_BULK_FLAG_SEND_TYPES, p);
  p += 2;
  stmt.types.copy(buf, p);
  sendFramedCommand(conn, buf, from, end, done);
}
