import mysql from 'mysql2';
import net from 'node:net';
import { Readable } from 'node:stream';
import type { ErrorObject } from '../core/errors.js';
import { TsError, sysCodeOf } from '../core/errors.js';
import type { WireBatch } from '../core/wire-row.js';
import { sessionAuthPlugins } from './auth-plugins.js';
import { prepareBulk, requestBulkOperations, sendBulk, type BulkStatement } from './bulk-insert.js';
import { describeTls, tlsAttempts, type ConnectionSettings, type TlsAttempt } from './connection.js';
import { FRAME_ROOM, MAX_PACKET_PAYLOAD, framedFile, pacedFile, sendFramedQuery, type FramedPacket } from './framed-query.js';
import { ReadArena, arenaSocket } from './read-arena.js';
import { affected, stringCast, warningCount, type ServerWarning } from './driver-results.js';
import { binaryRowBatches, prepareSelect, type LayoutFor, type PreparedSelect } from './binary-rows.js';
import { rawRowBatches, wireRowBatches, type RawRow } from './row-stream.js';
import { explainConnectError, explainDbError } from './server-errors.js';
import { PLAIN, type SessionProfile } from './session-profile.js';

export { SSL_MODES, type ConnectionSettings, type SslMode, type SslSettings } from './connection.js';
export type { RawRow } from './row-stream.js';
export type { ServerWarning } from './driver-results.js';
export type { SessionProfile } from './session-profile.js';

type CoreConnection = mysql.Connection;

export { FRAME_ROOM } from './framed-query.js';
export { MAX_BULK_PAYLOAD, bulkRoom, type BulkStatement } from './bulk-insert.js';

export type InfileFactory = (requestedName: string) => Readable;

/**
 * One server session. The only place (with db/) that talks mysql2. Queries return plain rows;
 * `rawRows` streams a SELECT as raw byte rows with backpressure to the socket.
 */
/** The charset number of `binary`. */
const BINARY_CHARSET = 63;

export class Session {
  private closed = false;
  /** Rejects of the statements waiting for an answer: destroy() fails them (mysql2 would leave them pending). */
  private readonly waiting = new Set<(e: unknown) => void>();
  private infileFactory: InfileFactory | undefined;
  /** Warnings the last exec/loadLocal statement raised (LOAD DATA reports bad rows only this way). */
  lastWarningCount = 0;

  private constructor(
    private readonly conn: CoreConnection,
    readonly threadId: number,
    readonly label: string,
    /** The handshake charset is binary: mysql2 writes query text and parameters as latin1 (one byte per char). */
    private readonly binaryHandshake: boolean,
    /** Where the socket reads go, when they reuse memory (read-arena.ts). */
    private readonly arena: ReadArena | null = null,
    /** The server takes COM_STMT_BULK_EXECUTE from this session (MariaDB ≥ 10.5 with mysql2: bulk-insert.ts). */
    readonly bulkOperations = false,
  ) {}

  /**
   * Text for this session's queries and parameters. On a binary-handshake session (see
   * session-profile.ts) mysql2 writes every char as one byte, so text is passed as its UTF-8 bytes,
   * one char per byte; elsewhere it is passed as it is.
   */
  wireText(text: string): string {
    return this.binaryHandshake ? Buffer.from(text, 'utf8').toString('latin1') : text;
  }

  /**
   * Connects and sets the session up as `profile` says (see session-profile.ts). TLS follows the
   * settings' --ssl-mode (see tlsAttempts): with PREFERRED a server without TLS is connected to
   * in plain TCP on a second attempt.
   */
  static async open(settings: ConnectionSettings, profile: SessionProfile = PLAIN): Promise<Session> {
    const attempts = tlsAttempts(settings);
    for (let i = 0; ; i++) {
      const tls = attempts[i];
      try {
        return await Session.connect(settings, profile, tls);
      } catch (e) {
        if (i + 1 < attempts.length && sysCodeOf(e) === 'HANDSHAKE_NO_SSL_SUPPORT') continue;
        const target = settings.socket !== undefined ? `socket ${settings.socket}` : `${settings.host ?? '127.0.0.1'}:${settings.port ?? 3306}`;
        throw explainConnectError(e, tls !== undefined, describeTls(settings), target, settings.endpointOrigin);
      }
    }
  }

  private static async connect(settings: ConnectionSettings, profile: SessionProfile, ssl: TlsAttempt): Promise<Session> {
    let sessionRef: Session | undefined;
    const host = settings.host ?? '127.0.0.1';
    const port = settings.port ?? 3306;
    // TLS and protocol compression read and buffer on their own: the arena is for plain sockets
    const arena = profile.readArena && ssl === undefined && !settings.compress ? new ReadArena() : null;
    const stream = arena
      ? () => arenaSocket(arena, settings.socket !== undefined ? { path: settings.socket } : { host, port })
      : settings.socket === undefined && ssl?.verifyIdentity && net.isIP(host) !== 0
        ? () => ipStream(host, port)
        : undefined;
    const conn = mysql.createConnection({
      ...(stream ? { stream } : {}),
      host: settings.socket ? undefined : host,
      port: settings.socket ? undefined : (settings.port ?? 3306),
      socketPath: settings.socket,
      user: settings.user ?? 'root',
      password: settings.password ?? '',
      authPlugins: sessionAuthPlugins(settings, ssl !== undefined),
      database: settings.database,
      ssl,
      compress: settings.compress ?? false,
      connectTimeout: settings.connectTimeoutMs ?? 20_000,
      charset: profile.charset ?? 'UTF8MB4_GENERAL_CI',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
      // mysql2 asks for IGNORE_SPACE by default, which adds it to the session's sql_mode: built-in
      // function names become reserved (`CREATE TABLE count (…)` of a --skip-quote-names dump fails) and
      // objects created without a SET sql_mode keep it in theirs; the mysql/mariadb clients do not ask
      flags: [profile.infile ? '+LOCAL_FILES' : '-LOCAL_FILES', '-IGNORE_SPACE'],
      infileStreamFactory: profile.infile
        ? (name: string) => {
            const f = sessionRef?.infileFactory;
            if (!f) throw new TsError({ code: 'local-infile', message: `server asked for local file '${name}' that the loader did not request; refused` });
            return f(name);
          }
        : undefined,
    });
    let bulk = false;
    requestBulkOperations(conn, (yes) => {
      bulk = yes;
    });
    conn.on('error', () => {
      /* fatal errors surface through the pending command; an idle socket error must not crash the process */
    });
    await new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(err) : resolve()));
    });
    const s = new Session(conn, conn.threadId ?? 0, profile.label, (profile.charset ?? '').toUpperCase() === 'BINARY', arena, bulk);
    sessionRef = s;
    try {
      // Results as the column's own bytes; the client side stays utf8mb4 (mysql2 encodes our SQL text
      // by character_set_client, so SET NAMES binary would break non-latin1 identifiers).
      if (profile.binaryResults) await s.exec('SET SESSION character_set_results = binary');
      for (const q of profile.statements) await s.exec(q);
      for (const q of profile.bestEffort ?? []) await s.exec(q).catch(() => undefined);
    } catch (e) {
      s.destroy();
      throw e;
    }
    return s;
  }

  /**
   * A binary-handshake session stays binary whatever the SQL it runs sets: mysql2 switches the
   * encoding it writes query text in when the server reports a new character_set_client (session
   * tracking), and a restored script's `SET NAMES utf8mb4` would then make it UTF-8-encode the
   * script's bytes a second time.
   */
  private keepBinary(): void {
    if (!this.binaryHandshake) return;
    const config = (this.conn as unknown as { config?: { charsetNumber?: number } }).config;
    if (config && config.charsetNumber !== BINARY_CHARSET) config.charsetNumber = BINARY_CHARSET;
  }

  /** Runs a statement and returns its rows as objects (strings for every value). */
  async query<T = Record<string, string | null>>(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<T[]> {
    return this.waitFor<T[]>(object, (resolve, reject) => {
      this.keepBinary();
      this.conn.query({ sql, values: params as unknown[], typeCast: stringCast }, (err, rows) => {
        if (err) reject(this.explain(err, object));
        else resolve((Array.isArray(rows) ? rows : []) as T[]);
      });
    });
  }

  /** Runs a statement; returns affected rows. */
  async exec(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<number> {
    return this.waitFor<number>(object, (resolve, reject) => {
      this.keepBinary();
      this.conn.query({ sql, values: params as unknown[] }, (err, result) => {
        this.lastWarningCount = err ? 0 : warningCount(result);
        if (err) reject(this.explain(err, object));
        else resolve(affected(result));
      });
    });
  }

  /**
   * Runs the statement whose bytes are `buf[at, end)`, sent as they are: no string is made of them
   * and mysql2 neither scans them for placeholders nor copies them into a packet of its own. The
   * FRAME_ROOM bytes before `at` are scratch: the packet header and the command bytes are written
   * there, over what the caller had, so the caller saves and restores them if it needs them; `buf`
   * must stay unchanged until this settles (the server answers after reading the whole packet).
   * Returns affected rows, like exec.
   */
  async execFramed(buf: Buffer, at: number, end: number, object?: ErrorObject): Promise<number> {
    const length = end - at;
    const writer = this.conn as unknown as { writePacket?: (p: FramedPacket) => void };
    if (at < FRAME_ROOM || length + FRAME_ROOM >= MAX_PACKET_PAYLOAD || typeof writer.writePacket !== 'function' || !this.binaryHandshake) {
      return this.exec(buf.toString(this.binaryHandshake ? 'latin1' : 'utf8', at, end), [], object);
    }
    return this.waitFor<number>(object, (resolve, reject) => {
      this.keepBinary();
      sendFramedQuery(this.conn, buf, at, end, (err, result) => {
        this.lastWarningCount = err ? 0 : warningCount(result);
        if (err) reject(this.explain(err, object));
        else resolve(affected(result));
      });
    });
  }

  /** Prepares an INSERT for bulkInsert; `types` is its parameter types block (2 bytes per parameter). */
  async prepareBulk(sql: string, types: Buffer, object?: ErrorObject): Promise<BulkStatement> {
    return this.waitFor<BulkStatement>(object, (resolve, reject) => {
      this.keepBinary();
      prepareBulk(this.conn, sql, types, (err, stmt) => (err || !stmt ? reject(this.explain(err, object)) : resolve(stmt)));
    });
  }

  /**
   * Inserts the rows in buf[at, end) (bulk row data: src/format/csv-bulk.ts) with one
   * COM_STMT_BULK_EXECUTE of `stmt`; the bulkRoom(params) bytes before `at` are scratch, `buf` must
   * stay unchanged until this settles. Returns the rows inserted (affected rows).
   */
  async bulkInsert(stmt: BulkStatement, buf: Buffer, at: number, end: number, object?: ErrorObject): Promise<number> {
    return this.waitFor<number>(object, (resolve, reject) => {
      sendBulk(this.conn, stmt, buf, at, end, (err, result) => {
        this.lastWarningCount = err ? 0 : warningCount(result);
        if (err) reject(this.explain(err, object));
        else resolve(affected(result));
      });
    });
  }

  /** The warnings of the last statement (SHOW WARNINGS), at most `limit`. */
  async warnings(limit = 10): Promise<ServerWarning[]> {
    const rows = await this.query<{ Level: string; Code: string; Message: string }>(`SHOW WARNINGS LIMIT ${Math.max(1, Math.min(65535, Math.floor(limit)))}`);
    return rows.map((r) => ({ level: r.Level, code: Number(r.Code), message: r.Message }));
  }

  async scalar(sql: string, params: readonly unknown[] = []): Promise<string | null> {
    const rows = await this.waitFor<unknown[]>(undefined, (resolve, reject) => {
      this.keepBinary();
      this.conn.query({ sql, values: params as unknown[], rowsAsArray: true, typeCast: stringCast }, (err, r) =>
        err ? reject(this.explain(err)) : resolve(r as unknown[]),
      );
    });
    const first = rows[0] as (string | null)[] | undefined;
    return first?.[0] ?? null;
  }

  /** Streams a SELECT as raw rows in batches, with backpressure (see row-stream.ts). */
  rawRowBatches(sql: string, signal?: AbortSignal, batchRows?: number, batchBytes?: number): AsyncGenerator<RawRow[]> {
    return rawRowBatches(this.conn, sql, signal, batchRows, batchBytes);
  }

  /** Streams a SELECT as wire rows in batches, with backpressure (see row-stream.ts). A batch is valid until the next. */
  wireRowBatches(sql: string, signal?: AbortSignal, batchRows?: number, batchBytes?: number): AsyncGenerator<WireBatch> {
    return wireRowBatches(this.conn, sql, signal, batchRows, batchBytes, this.arena);
  }

  /**
   * Streams a SELECT through the binary protocol where `layoutFor` can read its result, else through
   * the text protocol (binary-rows.ts): `onLayout` says which, before the first row.
   */
  async *binaryRowBatches(sql: string, layoutFor: LayoutFor, onLayout: (layout: Uint8Array | null) => void, signal?: AbortSignal): AsyncGenerator<WireBatch> {
    const stmt = await this.waitFor<PreparedSelect | null>(undefined, (resolve, reject) => {
      prepareSelect(this.conn, sql, (err, s) => (err ? reject(this.explain(err)) : resolve(s)));
    });
    yield* binaryRowBatches(this.conn, sql, stmt, layoutFor, onLayout, signal, undefined, undefined, this.arena);
  }

  /** Row-at-a-time view of rawRowBatches, for small results (plans, boundaries). */
  async *rawRows(sql: string, signal?: AbortSignal): AsyncGenerator<RawRow> {
    for await (const batch of this.rawRowBatches(sql, signal, 64)) yield* batch;
  }

  /**
   * LOAD DATA LOCAL INFILE fed by a stream. The server must ask for exactly `fileName`; any other
   * request is refused (a hostile server cannot read our files).
   */
  async loadLocal(sql: string, fileName: string, source: () => Readable, object?: ErrorObject): Promise<number> {
    this.infileFactory = (requested) => {
      if (requested !== fileName) {
        throw new TsError({ code: 'local-infile', message: `server asked for local file '${requested}' but the loader requested '${fileName}'; refused`, object });
      }
      this.infileFactory = undefined; // one request per statement
      return source();
    };
    try {
      return await this.exec(sql, [], object);
    } finally {
      this.infileFactory = undefined;
    }
  }

  /**
   * loadLocal of bytes in memory, sent without a copy: `framed` is 4 bytes of scratch space (the
   * packet header is written into them) followed by the file's bytes. mysql2's LOCAL INFILE path
   * copies every piece of the stream into a new Buffer to put a header in front (an 8 MiB
   * allocation per transaction, freed only by a full collection); here the one packet goes to
   * mysql2's packet writer as it is. `framed` must stay unchanged until this settles: the server
   * answers only after reading the whole file, so by then the socket has written it.
   */
  async loadLocalFramed(sql: string, fileName: string, framed: Buffer, object?: ErrorObject): Promise<number> {
    return this.loadLocal(sql, fileName, framedFile(this.conn, framed) ?? (() => Readable.from([framed.subarray(4)])), object);
  }

  /**
   * loadLocal of a file of any size, read piece by piece: each piece goes to mysql2's packet writer
   * as one packet, and the next is read only once the socket has taken the last (its 'drain'), so
   * memory stays a piece or two whatever the file's size. (mysql2's own stream path is left out:
   * see loadLocalFramed for why.) The server reads the whole file before it answers, so the
   * statement settles only after the last piece.
   */
  async loadLocalPieces(sql: string, fileName: string, pieces: () => AsyncIterable<Buffer>, object?: ErrorObject): Promise<number> {
    const paced = pacedFile(this.conn, pieces);
    if (!paced) return this.loadLocal(sql, fileName, () => Readable.from(pieces()), object);
    try {
      return await this.loadLocal(sql, fileName, paced.open, object);
    } finally {
      paced.stop();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.conn.end(() => resolve());
    }).catch(() => undefined);
  }

  /**
   * Drops the socket without a goodbye (after a fatal error, or to abandon a running query). A statement still waiting for
   * its answer fails as a lost connection: mysql2 ignores the close of a connection it was told to close, and would wait forever.
   */
  destroy(): void {
    this.closed = true;
    this.conn.destroy();
    const gone = Object.assign(new Error('the connection was closed by the loader while the statement ran'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    for (const reject of [...this.waiting]) reject(gone);
  }

  /** A driver error as a TsError; a connection lost on a statement about no table says which session it was (control, planner). */
  private explain(err: unknown, object?: ErrorObject): TsError {
    const e = explainDbError(err, object);
    return e.code === 'connection-lost' && !object?.table ? explainDbError(err, object, `the ${this.label} session (connection ${this.threadId})`) : e;
  }

  /** A statement's promise, failed by destroy() if it is still waiting then. */
  private waitFor<T>(object: ErrorObject | undefined, run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown): void => {
        if (settled) return;
        settled = true;
        this.waiting.delete(abandon);
        reject(e);
      };
      const abandon = (e: unknown): void => fail(this.explain(e, object));
      this.waiting.add(abandon);
      run(
        (v) => {
          if (settled) return;
          settled = true;
          this.waiting.delete(abandon);
          resolve(v);
        },
        fail,
      );
    });
  }
}

/**
 * A TCP stream to an IP address whose host name the TLS layer can see. Node checks a server
 * certificate against `servername`, else the socket's `_host`, else 'localhost'; mysql2 sends no
 * servername for an IP address and Node records no `_host` for one, so VERIFY_IDENTITY to
 * 127.0.0.1 was checked against "localhost" (seen: a certificate for localhost only was accepted).
 * Setting `_host` makes the check use the address itself (its IP SANs) before any credential is sent.
 */
function ipStream(host: string, port: number): net.Socket {
  const s = net.connect(port, host);
  s.setNoDelay(true);
  (s as net.Socket & { _host: string | null })._host = host;
  return s;
}
