import { TsError, messageOf, type ErrorObject } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { quoteIdent } from '../core/ident.js';
import { isTransient } from '../db/server-errors.js';
import { Session, type ConnectionSettings, type SessionProfile } from '../db/session.js';
import { KILLER } from '../db/session-profile.js';

/** The slice of a session the progress store and the lease run their statements on. */
export interface StatementRunner {
  exec(sql: string, params?: readonly unknown[], object?: ErrorObject): Promise<number>;
  query<T = Record<string, string | null>>(sql: string, params?: readonly unknown[], object?: ErrorObject): Promise<T[]>;
  scalar(sql: string, params?: readonly unknown[]): Promise<string | null>;
}

const TRIES = 5;

/**
 * The loader's control session, which survives a lost connection like the data sessions do: a
 * statement that fails with a transient error (2006/2013, ECONNRESET, a deadlock, a lock wait
 * timeout) is run again — on a fresh connection when the connection went, with the current
 * database set again and `onReconnect` run first (the lease takes its locks again there). Every
 * statement the loader runs here is idempotent (DDL steps add only what is missing, records are
 * upserts), except inside a transaction, which is never retried statement by statement: a
 * transaction (`transaction`) is retried whole, with the same limits. A failure that is final names
 * what the session was doing.
 */
export class ControlSession implements StatementRunner {
  private generation = 0;
  private reconnecting: Promise<void> | null = null;
  private database: string | null = null;
  private inTransaction = false;
  private broken = false;
  /** Statements waiting for their answer (a stop kills the one running). */
  private running = 0;
  /** Run on every fresh connection, before the failed statement is retried. */
  onReconnect: ((s: Session, lostThreadId: number) => Promise<void>) | null = null;

  private constructor(
    private current: Session,
    private readonly settings: ConnectionSettings,
    private readonly profile: SessionProfile,
    private readonly reporter: Reporter,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(settings: ConnectionSettings, profile: SessionProfile, reporter: Reporter, signal?: AbortSignal): Promise<ControlSession> {
    const c = new ControlSession(await Session.open(settings, profile), settings, profile, reporter, signal);
    signal?.addEventListener('abort', () => void c.killRunning(), { once: true });
    return c;
  }

  /**
   * On a stop: KILL QUERY of the running statement (a long ALTER adding foreign keys), from a
   * connection of its own. The connection itself stays, for the lease's release.
   */
  private async killRunning(): Promise<void> {
    if (this.running === 0) return;
    const killer = await Session.open(this.settings, KILLER).catch(() => null);
    try {
      await killer?.exec(`KILL QUERY ${this.current.threadId}`).catch(() => undefined);
    } finally {
      await killer?.close();
    }
  }

  /** The connection as it is now (for what needs a plain session: flavor detection). */
  get session(): Session {
    return this.current;
  }

  exec(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<number> {
    return this.run(sql, params, object, (s) => s.exec(sql, params, object));
  }

  query<T = Record<string, string | null>>(sql: string, params: readonly unknown[] = [], object?: ErrorObject): Promise<T[]> {
    return this.run(sql, params, object, (s) => s.query<T>(sql, params, object));
  }

  scalar(sql: string, params: readonly unknown[] = []): Promise<string | null> {
    return this.run(sql, params, undefined, (s) => s.scalar(sql, params));
  }

  async close(): Promise<void> {
    await this.current.close();
  }

  /**
   * Runs `body`'s statements as one transaction; after a transient error anywhere in it (a lost
   * connection, a deadlock, a lock wait timeout) the whole transaction runs again, on a fresh
   * connection when the connection went, at most TRIES times. A connection lost during COMMIT
   * leaves its outcome unknown: `body` must therefore be idempotent as a whole (run again after
   * it committed, it changes nothing more), as the progress store's transactions are (deletes, and
   * updates to fixed values). `what` says what it does, for the warning.
   */
  async transaction(what: string, body: (s: StatementRunner) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await inTransaction(this, body);
        return;
      } catch (e) {
        if (e instanceof TsError && e.code === 'lock') throw e;
        if (attempt >= TRIES || !isTransient(e) || this.signal?.aborted) throw e;
        this.reporter.emit({ kind: 'warning', message: `transient error on the control session (${messageOf(e)}) in the transaction ${what}; retry ${attempt}/${TRIES - 1} of the whole transaction${lost(e) ? ' on a fresh connection' : ''}` });
        await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  private async run<T>(sql: string, params: readonly unknown[], object: ErrorObject | undefined, body: (s: Session) => Promise<T>): Promise<T> {
    const head = sql.trimStart().slice(0, 20).toUpperCase();
    for (let attempt = 1; ; attempt++) {
      const generation = this.generation;
      const inTransaction = this.inTransaction || head.startsWith('COMMIT');
      try {
        await this.healthy();
        this.running++;
        const r = await body(this.current).finally(() => this.running--);
        if (head.startsWith('START TRANSACTION')) this.inTransaction = true;
        else if (head.startsWith('COMMIT') || head.startsWith('ROLLBACK')) this.inTransaction = false;
        else if (head.startsWith('USE ')) this.database = useTarget(sql);
        return r;
      } catch (e) {
        if (head.startsWith('ROLLBACK')) this.inTransaction = false;
        // another loader took the target while the connection was gone: never retried
        if (e instanceof TsError && e.code === 'lock') throw e;
        if (lost(e) && generation === this.generation) this.broken = true;
        if (inTransaction || attempt >= TRIES || !isTransient(e) || this.signal?.aborted) throw whileDoing(e, sql, params);
        this.reporter.emit({ kind: 'warning', message: `transient error on the control session (${messageOf(e)}) while running ${summary(sql, params)}; retry ${attempt}/${TRIES - 1}${lost(e) ? ' on a fresh connection' : ''}`, ...(object ?? {}) });
        await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
      }
    }
  }

  /** After a lost connection: one fresh connection, however many statements were waiting on the old one. */
  private async healthy(): Promise<void> {
    if (!this.broken) return;
    this.reconnecting ??= (async () => {
      try {
        const old = this.current;
        old.destroy();
        const s = await Session.open(this.settings, this.profile);
        try {
          if (this.database !== null) await s.exec(`USE ${quoteIdent(this.database)}`);
          if (this.onReconnect) await this.onReconnect(s, old.threadId);
        } catch (e) {
          s.destroy();
          throw e;
        }
        this.current = s;
        this.inTransaction = false;
        this.broken = false;
        this.generation++;
      } finally {
        this.reconnecting = null;
      }
    })();
    await this.reconnecting;
  }
}

/**
 * `body` between START TRANSACTION and COMMIT on `s`, rolled back when it fails (not retried: see
 * ControlSession.transaction, which retries it whole). For any session the progress store runs on.
 */
export async function inTransaction(s: StatementRunner, body: (s: StatementRunner) => Promise<void>): Promise<void> {
  await s.exec('START TRANSACTION');
  try {
    await body(s);
    await s.exec('COMMIT');
  } catch (e) {
    await s.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

function lost(e: unknown): boolean {
  return e instanceof TsError && (e.code === 'connection-lost' || e.code === 'connect');
}

/** The database of `USE \`db\`` (the loader quotes every identifier). */
function useTarget(sql: string): string | null {
  const m = /^\s*USE\s+`((?:[^`]|``)*)`\s*$/i.exec(sql);
  return m ? m[1]!.replace(/``/g, '`') : null;
}

/**
 * The statement, shortened, for a message: string and hex literals and parameters are left out (an
 * account statement carries a password hash, MySQL's binary ones as 0x…: never printed),
 * identifiers and keywords say what it was.
 */
function summary(sql: string, params: readonly unknown[]): string {
  const text = sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "'…'").replace(/\b0x[0-9a-f]+/gi, '0x…').replace(/\s+/g, ' ').trim();
  const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return params.length > 0 ? `${short} (${params.length} parameter(s))` : short;
}

function whileDoing(e: unknown, sql: string, params: readonly unknown[]): unknown {
  if (!(e instanceof TsError) || e.code === 'lock') return e;
  return new TsError({ code: e.code, message: `${e.message} (control session, while running ${summary(sql, params)})`, object: e.object, suggestion: e.suggestion, cause: e.cause ?? e, errno: e.errno });
}
