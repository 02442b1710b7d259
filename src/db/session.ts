import mysql from 'mysql2';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { explainDbError } from './server-errors.js';
import type { ErrorObject } from '../core/errors.js';
import { TsError } from '../core/errors.js';
import { encodeWireRow, type WireBatch } from './wire-row.js';

/** Where and how to connect. Built once by the CLI; passed by value (it crosses worker boundaries). */
export interface ConnectionSettings {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly socket?: string;
  readonly database?: string;
  readonly ssl?: SslSettings;
  readonly compress?: boolean;
  readonly connectTimeoutMs?: number;
}

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SslSettings {
  readonly mode: SslMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A raw row: one Buffer per column (the bytes the server sent), null for SQL NULL. */
export type RawRow = (Buffer | null)[];

export interface OpenOptions {
  /** Receive every string as the column's own bytes (character_set_results=binary). Default utf8mb4. */
  readonly binary?: boolean;
  /** Stream source for LOAD DATA LOCAL INFILE; called with the file name the server asks for. */
  readonly infile?: boolean;
  /**
   * Handshake charset (default utf8mb4). 'BINARY' makes the whole session binary and mysql2 send
   * query text as latin1, i.e. one byte per char: a caller can then send arbitrary bytes verbatim.
   */
  readonly charset?: string;
  readonly label?: string;
}

type CoreConnection = mysql.Connection;

export type InfileFactory = (requestedName: string) => Readable;

/**
 * One server session. The only place (with db/) that talks mysql2. Queries return plain rows;
 * `rawRows` streams a SELECT as raw byte rows with backpressure to the socket.
 */
export class Session {
  private closed = false;
  private infileFactory: InfileFactory | undefined;
  /** Warnings the last exec/loadLocal statement raised (LOAD DATA reports bad rows only this way). */
  lastWarningCount = 0;

  private constructor(
    private readonly conn: CoreConnection,
    readonly threadId: number,
    readonly label: string,
  ) {}

  static async open(settings: ConnectionSettings, options: OpenOptions = {}): Promise<Session> {
    const ssl = sslConfig(settings.ssl);
    let sessionRef: Session | undefined;
    const conn = mysql.createConnection({
      host: settings.socket ? undefined : (settings.host ?? '127.0.0.1'),
      port: settings.socket ? undefined : (settings.port ?? 3306),
      socketPath: settings.socket,
      user: settings.user ?? process.env.USER ?? 'root',
      password: settings.password ?? '',
      database: settings.database,
      ssl,
      compress: settings.compress ?? false,
      connectTimeout: settings.connectTimeoutMs ?? 20_000,
      charset: options.charset ?? 'UTF8MB4_GENERAL_CI',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
      flags: options.infile ? ['+LOCAL_FILES'] : ['-LOCAL_FILES'],
      infileStreamFactory: options.infile
        ? (name: string) => {
            const f = sessionRef?.infileFactory;
            if (!f) throw new TsError({ code: 'local-infile', message: `server asked for local file '${name}' that the loader did not request; refused` });
            return f(name);
          }
        : undefined,
    });
    conn.on('error', () => {
      /* fatal errors surface through the pending command; an idle socket error must not crash the process */
    });
    await new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(explainDbError(err, {}, 'cannot connect')) : resolve()));
    });
    const s = new Session(conn, conn.threadId ?? 0, options.label ?? 'session');
    sessionRef = s;
    // Results as the column's own bytes; the client side stays utf8mb4 (mysql2 encodes our SQL text
    // by character_set_client, so SET NAMES binary would break non-latin1 identifiers).
    if (options.binary) await s.exec('SET SESSION character_set_results = binary');
    return s;
  }

  /** Runs a statement and returns its rows as objects (strings for every value). */
  async query<T = Record<string, string | null>>(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      this.conn.query({ sql, values: params as unknown[], typeCast: stringCast }, (err, rows) => {
        if (err) reject(explainDbError(err, object, undefined));
        else resolve((Array.isArray(rows) ? rows : []) as T[]);
      });
    });
  }

  /** Runs a statement; returns affected rows. */
  async exec(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.conn.query({ sql, values: params as unknown[] }, (err, result) => {
        this.lastWarningCount = err ? 0 : warningCount(result);
        if (err) reject(explainDbError(err, object));
        else resolve(affected(result));
      });
    });
  }

  /** The warnings of the last statement (SHOW WARNINGS), at most `limit`. */
  async warnings(limit = 10): Promise<ServerWarning[]> {
    const rows = await this.query<{ Level: string; Code: string; Message: string }>(`SHOW WARNINGS LIMIT ${Math.max(1, Math.floor(limit))}`);
    return rows.map((r) => ({ level: r.Level, code: Number(r.Code), message: r.Message }));
  }

  async scalar(sql: string, params: readonly unknown[] = []): Promise<string | null> {
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      this.conn.query({ sql, values: params as unknown[], rowsAsArray: true, typeCast: stringCast }, (err, r) =>
        err ? reject(explainDbError(err)) : resolve(r as unknown[]),
      );
    });
    const first = rows[0] as (string | null)[] | undefined;
    return first?.[0] ?? null;
  }

  /**
   * Streams a SELECT as raw rows (one Buffer per field), in batches of up to `batchRows` rows or
   * about `batchBytes` bytes. See collectBatches for the backpressure contract.
   */
  rawRowBatches(sql: string, signal?: AbortSignal, batchRows = 1024, batchBytes = 1 << 20): AsyncGenerator<RawRow[]> {
    const q = this.conn.query({ sql, rowsAsArray: true, typeCast: false });
    const batch = new RawRowBatch();
    return this.collectBatches(q, batch, (added) => {
      const onRow = (row: RawRow): void => added(batch.add(row));
      q.on('result', onRow as (row: unknown) => void);
      return () => q.removeListener('result', onRow as (row: unknown) => void);
    }, signal, batchRows, batchBytes);
  }

  /**
   * Streams a SELECT as wire rows: each row is the payload of its text-protocol packet (one
   * length-encoded string per column), recorded as (buffer, start, end) without copying, slicing or
   * splitting into fields. The encoders walk the fields themselves, which saves a Buffer per field
   * and per row — the largest client costs of a dump. Needs one mysql2 internal (the query's row
   * state); when it is not what this code expects, field rows are re-encoded into the wire format.
   * A batch is valid until the next one is requested (its memory is reused).
   */
  wireRowBatches(sql: string, signal?: AbortSignal, batchRows = 4096, batchBytes = 1 << 20): AsyncGenerator<WireBatch> {
    const q = this.conn.query({ sql, rowsAsArray: true, typeCast: false }) as unknown as QueryInternals;
    const protoRow = (Object.getPrototypeOf(q) as { row?: unknown }).row;
    const batch = new WireRows();
    if (typeof protoRow !== 'function') {
      return this.collectBatches(q as unknown as mysql.Query, batch, (added) => {
        const onRow = (row: RawRow): void => {
          const b = encodeWireRow(row);
          added(batch.add(b, 0, b.length));
        };
        q.on('result', onRow as (row: unknown) => void);
        return () => q.removeListener('result', onRow as (row: unknown) => void);
      }, signal, batchRows, batchBytes);
    }
    return this.collectBatches(q as unknown as mysql.Query, batch, (added) => {
      const rowState = function (this: QueryInternals, packet: WirePacket, connection: unknown): unknown {
        if (packet.isEOF()) return (protoRow as (p: WirePacket, c: unknown) => unknown).call(this, packet, connection);
        added(batch.add(packet.buffer, packet.offset, packet.end));
        return rowState;
      };
      // Query#fieldsEOF moves to `this.row`: an own property here wins over the prototype's parser.
      q.row = rowState;
      return () => undefined;
    }, signal, batchRows, batchBytes);
  }

  /**
   * Collects a running query's rows into batches. `install` connects the row source to the batch
   * and calls `added(bytes)` per row. The socket is paused while a full batch waits for the
   * consumer, so backpressure reaches the server and memory stays bounded by the batch size;
   * batches also cut the per-row promise overhead of a row-at-a-time async iterator. Leaving the
   * loop early drains the rest of the result in the background (the session stays usable).
   */
  private async *collectBatches<B>(
    q: mysql.Query,
    batch: RowBatch<B>,
    install: (added: (bytes: number) => void) => () => void,
    signal: AbortSignal | undefined,
    batchRows: number,
    batchBytes: number,
  ): AsyncGenerator<B> {
    const conn = this.conn;
    let bytes = 0;
    let done = false;
    let failure: unknown;
    let paused = false;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    const added = (n: number): void => {
      bytes += n;
      if (batch.length >= batchRows || bytes >= batchBytes) {
        if (!paused) {
          paused = true;
          conn.pause();
        }
        notify();
      }
    };
    const onError = (e: unknown): void => {
      failure = e;
      notify();
    };
    const onEnd = (): void => {
      done = true;
      notify();
    };
    const uninstall = install(added);
    q.on('error', onError);
    q.on('end', onEnd);
    // A query without a callback has no onResult: mysql2 reports a lost connection (KILL CONNECTION,
    // server shutdown) only as a connection 'error' event; without this the loop would wait forever.
    conn.on('error', onError);
    const onAbort = (): void => onError(new TsError({ code: 'interrupted', message: 'interrupted' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (failure) throw explainDbError(failure);
        if (batch.length > 0 && (paused || done)) {
          bytes = 0;
          yield batch.take();
          if (paused) {
            paused = false;
            conn.resume();
          }
          continue;
        }
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      uninstall();
      q.removeListener('error', onError);
      q.removeListener('end', onEnd);
      conn.removeListener('error', onError);
      if (!done) q.on('error', () => undefined);
      if (paused) conn.resume();
    }
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.conn.end(() => resolve());
    }).catch(() => undefined);
  }

  /** Drops the socket without a goodbye (after a fatal error, or to abandon a running query). */
  destroy(): void {
    this.closed = true;
    this.conn.destroy();
  }
}

/** The slice of mysql2's Query and Packet internals that wireRowBatches relies on. */
interface WirePacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
}

interface QueryInternals {
  row: unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

function rawRowSize(row: RawRow): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) n += row[i]?.length ?? 0;
  return n;
}

/** Rows gathered for one batch; `take` hands them out and starts an empty batch. */
interface RowBatch<B> {
  readonly length: number;
  take(): B;
}

class RawRowBatch implements RowBatch<RawRow[]> {
  private rows: RawRow[] = [];
  get length(): number {
    return this.rows.length;
  }
  add(row: RawRow): number {
    this.rows.push(row);
    return rawRowSize(row);
  }
  take(): RawRow[] {
    const out = this.rows;
    this.rows = [];
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** One half of WireRows: parallel arrays, so a row costs no object of its own. */
class WireRowsHalf implements WireBatch {
  buffers: Buffer[] = [];
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  length = 0;
}

/**
 * Wire rows gathered for a batch: row i is `buffers[i]` bytes [starts[i], ends[i]) — the packet
 * payload in the socket's own buffer. Two halves take turns: take() hands out one and fills the
 * other, so batches allocate nothing once warm; a batch handed out is valid until the next take().
 */
export class WireRows implements RowBatch<WireBatch> {
  private halves = [new WireRowsHalf(), new WireRowsHalf()] as const;
  private current = 0;
  get length(): number {
    return this.halves[this.current].length;
  }
  add(buffer: Buffer, start: number, end: number): number {
    const h = this.halves[this.current];
    const n = h.length;
    if (n === h.starts.length) {
      const starts = new Int32Array(2 * n);
      const ends = new Int32Array(2 * n);
      starts.set(h.starts);
      ends.set(h.ends);
      h.starts = starts;
      h.ends = ends;
    }
    h.buffers[n] = buffer;
    h.starts[n] = start;
    h.ends[n] = end;
    h.length = n + 1;
    return end - start;
  }
  take(): WireBatch {
    const out = this.halves[this.current];
    this.current ^= 1;
    const next = this.halves[this.current];
    next.length = 0;
    // drop the references to last-but-one batch's socket reads (they would stay reachable)
    next.buffers.fill(EMPTY);
    return out;
  }
}

function stringCast(field: { type: string; string: (enc?: string) => string | null; buffer: () => Buffer | null }, next: () => unknown): unknown {
  void next;
  if (field.type === 'BLOB' || field.type === 'GEOMETRY') {
    const b = field.buffer();
    return b === null ? null : b.toString('utf8');
  }
  return field.string('utf8');
}

export interface ServerWarning {
  readonly level: string;
  readonly code: number;
  readonly message: string;
}

function warningCount(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'warningStatus' in result) {
    const n = (result as { warningStatus: unknown }).warningStatus;
    return typeof n === 'number' ? n : 0;
  }
  return 0;
}

function affected(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'affectedRows' in result) {
    const n = (result as { affectedRows: unknown }).affectedRows;
    return typeof n === 'number' ? n : 0;
  }
  return 0;
}

function sslConfig(ssl: SslSettings | undefined): mysql.SslOptions | undefined {
  if (!ssl || ssl.mode === 'DISABLED' || ssl.mode === 'PREFERRED') {
    // PREFERRED without a CA cannot be verified; mysql2 has no opportunistic TLS, so plain TCP.
    if (!ssl || ssl.mode === 'DISABLED' || (!ssl.ca && !ssl.cert)) return undefined;
  }
  return {
    ca: ssl.ca ? readFileSync(ssl.ca, 'utf8') : undefined,
    cert: ssl.cert ? readFileSync(ssl.cert, 'utf8') : undefined,
    key: ssl.key ? readFileSync(ssl.key, 'utf8') : undefined,
    rejectUnauthorized: ssl.mode === 'VERIFY_CA' || ssl.mode === 'VERIFY_IDENTITY',
    ...(ssl.mode === 'VERIFY_CA' ? { checkServerIdentity: () => undefined } : {}),
  };
}
