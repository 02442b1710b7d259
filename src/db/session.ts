import mysql from 'mysql2';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { explainDbError } from './server-errors.js';
import type { ErrorObject } from '../core/errors.js';
import { TsError } from '../core/errors.js';

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
      charset: 'UTF8MB4_GENERAL_CI',
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
        if (err) reject(explainDbError(err, object));
        else resolve(affected(result));
      });
    });
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
   * Streams a SELECT as raw rows. The mysql2 stream pauses the socket when the consumer falls behind
   * (backpressure reaches the server). Breaking out of the loop ends the query by closing the stream.
   */
  async *rawRows(sql: string, signal?: AbortSignal, highWaterMark = 512): AsyncGenerator<RawRow> {
    const q = this.conn.query({ sql, rowsAsArray: true, typeCast: false });
    const stream = q.stream({ highWaterMark });
    const onAbort = (): void => {
      stream.destroy(new TsError({ code: 'interrupted', message: 'interrupted' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const row of stream) yield row as RawRow;
    } catch (e) {
      throw explainDbError(e);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
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

function stringCast(field: { type: string; string: (enc?: string) => string | null; buffer: () => Buffer | null }, next: () => unknown): unknown {
  void next;
  if (field.type === 'BLOB' || field.type === 'GEOMETRY') {
    const b = field.buffer();
    return b === null ? null : b.toString('utf8');
  }
  return field.string('utf8');
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
