import { randomUUID } from 'node:crypto';
import { TsError } from '../core/errors.js';
import { Session, type ConnectionSettings } from '../db/session.js';
import { KILLER } from '../db/session-profile.js';
import { isTransient } from '../db/server-errors.js';
import { retryTransient, type RetryContext } from './retry.js';

/** What guarding a session needs of a load (ours or another tool's dump's): where to connect, the stop, the limit. */
export interface GuardContext {
  readonly opts: { readonly connection: ConnectionSettings; readonly statementTimeout: number };
  readonly signal?: AbortSignal | undefined;
}

/**
 * Ends a session of ours on the server, from a connection of its own: KILL CONNECTION stops its
 * statement wherever it is (also a LOAD DATA waiting for file data in "Reading file", or one waiting
 * for a lock), its transaction rolls back, and the server thread ends; then the socket is dropped.
 * So a stopping loader leaves nothing running on the server behind it.
 */
export async function killSession(ctx: GuardContext, s: Session): Promise<void> {
  try {
    await withKiller(ctx, async (killer) => void (await killer.exec(`KILL CONNECTION ${s.threadId}`)));
  } finally {
    s.destroy();
  }
}

/** Runs `use` on a short-lived session of the loader's account, when one opens; what fails in it is dropped (best effort). */
async function withKiller(ctx: GuardContext, use: (killer: Session) => Promise<void>): Promise<void> {
  const killer = await Session.open(ctx.opts.connection, KILLER).catch(() => null);
  if (!killer) return;
  try {
    await use(killer);
  } catch {
    // the caller's retry or exit meets what the kill could not end
  } finally {
    await killer.close();
  }
}

/** The user lock each data session holds as its identity on the server (markOwned). */
const tokens = new WeakMap<Session, string>();

/**
 * Marks a data session as ours on the server: it takes a user lock named by a random token, which
 * only it holds, until it ends. A thread id alone does not say whose a connection is: after a
 * server restart the id may be another client's. Best effort: a server that refuses user locks
 * (Galera with wsrep_on before MariaDB 10.6.14 / 10.11.4: error 1235) loads as before, its failed
 * sessions only dropped; a lost connection is the caller's to retry.
 */
export async function markOwned(s: Session): Promise<void> {
  const token = `tsload:${randomUUID()}`;
  try {
    if ((await s.scalar('SELECT GET_LOCK(?, 0)', [token])) === '1') tokens.set(s, token);
  } catch (e) {
    if (isTransient(e)) throw e;
  }
}

/**
 * Gives up a data session whose statement failed, before a retry on a fresh one or when its chunk
 * fails (a reload of a non-transactional chunk, or a rerun, writes those rows again). Its socket is
 * dropped; and if the server still runs its connection — a network cut the server did not notice
 * keeps it waiting for the next command for wait_timeout (8 hours by default), its open
 * transaction holding the rows the retry writes again, which then fails on lock wait timeouts —
 * it is killed there, only while it still holds its token (markOwned), so surely this one.
 */
export async function giveUpSession(ctx: GuardContext, s: Session): Promise<void> {
  s.destroy();
  const token = tokens.get(s);
  if (token === undefined) return;
  await withKiller(ctx, async (killer) => {
    if ((await killer.scalar('SELECT IS_USED_LOCK(?)', [token])) === String(s.threadId)) await killer.exec(`KILL CONNECTION ${s.threadId}`);
  });
}

/**
 * Kills `s` on the server when the load stops (SIGINT/SIGTERM, or a failure elsewhere) while it is
 * in use: the load stops at once instead of after its running statement. Returns the release, to
 * call before the session is closed or given up.
 */
export function killOnAbort(ctx: GuardContext, s: Session): () => void {
  const signal = ctx.signal;
  if (!signal) return () => undefined;
  const kill = (): void => void killSession(ctx, s);
  if (signal.aborted) {
    kill();
    return () => undefined;
  }
  signal.addEventListener('abort', kill, { once: true });
  return () => signal.removeEventListener('abort', kill);
}

/**
 * Runs `body` (statements on `s`) under --statement-timeout: when it has not finished in time, `s`
 * is killed on the server and the load fails with `timedOut()`'s error, never retried (the same
 * statement would most likely hang again), naming what `what` describes.
 */
export async function withDeadline<T>(ctx: GuardContext, s: Session, body: () => Promise<T>, timedOut: (seconds: number) => TsError): Promise<T> {
  const seconds = ctx.opts.statementTimeout;
  if (!(seconds > 0)) return body();
  let expired = false;
  let killing: Promise<void> | null = null;
  const timer = setTimeout(() => {
    expired = true;
    killing = killSession(ctx, s);
  }, seconds * 1000);
  try {
    return await body();
  } catch (e) {
    if (!expired) throw e;
    await killing;
    throw timedOut(seconds);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `work` (idempotent: DDL on a loaded table) on a session `open` makes for it: killed when the
 * load stops (killOnAbort), retried on a fresh session after a transient error (retry.ts); the session
 * is closed after the work, dropped after a failure.
 */
export async function onGuardedSession(ctx: GuardContext & RetryContext, what: string, object: { database: string; table: string }, open: () => Promise<Session>, work: (s: Session) => Promise<void>): Promise<void> {
  await retryTransient(ctx, what, object, async () => {
    const s = await open();
    const unguard = killOnAbort(ctx, s);
    try {
      await work(s);
    } catch (e) {
      s.destroy();
      throw e;
    } finally {
      unguard();
    }
    await s.close();
  });
}
