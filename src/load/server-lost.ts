import { TsError } from '../core/errors.js';

/**
 * A connection that cannot be opened once a load is under way (the server died or restarted, the
 * network went) is not "cannot connect" (exit 3: nothing was done) but a failed load that the rerun
 * resumes (exit 1): rows may be committed by then. For our dumps (loader.ts) and another tool's
 * (import-load.ts) alike, from the moment the lease is held.
 */
export function lostAfterStart(e: unknown): unknown {
  if (!(e instanceof TsError) || e.code !== 'connect') return e;
  return new TsError({
    code: 'connection-lost',
    message: `lost the server after the load started: ${e.message}`,
    object: e.object,
    suggestion: 'the server stopped answering mid-load (a restart, a crash, the network): once it is back, rerun the same command; it resumes where the committed work ends',
    cause: e,
    errno: e.errno,
  });
}
