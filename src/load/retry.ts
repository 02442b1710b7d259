import { messageOf } from '../core/errors.js';
import { isTransient } from '../db/server-errors.js';
import type { Reporter } from '../core/events.js';

/** What a retry needs of a load (ours or another tool's): where to warn, and whether it is stopping. */
export interface RetryContext {
  readonly reporter: Reporter;
  readonly signal?: AbortSignal;
}

/**
 * Runs `body` again, on a fresh connection it opens itself, after a transient error (lost
 * connection, deadlock, lock wait timeout): at most `tries` times, with backoff, and not once the
 * load is stopping. `body` must be idempotent (DDL steps add only what is missing). `what` says
 * what was being done, for the warning ("adding the indexes of db.t", "on db.t chunk 3").
 */
export async function retryTransient<T>(ctx: RetryContext, what: string, object: { database?: string; table?: string }, body: (attempt: number) => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await body(attempt);
    } catch (e) {
      if (attempt >= tries || !isTransient(e) || ctx.signal?.aborted) throw e;
      ctx.reporter.emit({ kind: 'warning', message: `transient error ${what} (${messageOf(e)}); retry ${attempt}/${tries - 1} on a fresh connection`, ...object });
      await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
    }
  }
}
