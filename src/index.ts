/**
 * The programmatic API of tsdump/tsload: `import { dump, load, verify } from 'tsdump'`.
 *
 * The options are the ones the command lines build (DumpInput / LoadInput: the same fields, typed,
 * with the same defaults applied by the same functions, dumpOptions / loadOptions), so a program
 * and a shell script get the same run. Events are the RunEvents that `--progress json` prints
 * (without its final 'summary': the resolved result is the summary), delivered to `onEvent`, or
 * as an async iterator through `iterate`.
 * An AbortSignal stops a run at the next safe point: the promise rejects with a TsError of code
 * 'interrupted'; a load run again with the same options resumes exactly where the committed work
 * ends, a dump is run again (with `overwrite: true` into the same directory).
 *
 * Nothing here reads argv or the environment or ends the process; failures reject with a TsError
 * (code, object, suggestion; `exitCode` is what the CLI would exit with).
 */
import { TsError } from './core/errors.js';
import type { Reporter, RunEvent } from './core/events.js';
import { dumpOptions, runDump, type DumpInput, type DumpResult } from './dump/dumper.js';
import { checkDump, readManifest, type DumpProblem } from './format/dump-check.js';
import type { Manifest } from './format/manifest.js';
import { loadOptions, runLoad, type LoadInput, type LoadResult } from './load/loader.js';
import type { StoreLocation } from './storage/dump-store.js';
import { openStore, parseLocation } from './storage/open-store.js';

export { ERROR_CODES, EXIT_CODES, TsError, type ErrorCode, type ErrorObject } from './core/errors.js';
export { PROBLEM_CODES, PreflightError, formatProblem, type Problem, type ProblemCode } from './core/problem.js';
export { PHASES, type Phase, type RunEvent, type RunEventKind, type TableSummary, type Totals } from './core/events.js';
export type { ConnectionSettings, SslMode, SslSettings } from './db/session.js';
export { DUMP_DEFAULTS, LOCK_MODES, dumpOptions, type DumpInput, type DumpOptions, type DumpResult, type LockMode, type TableRef, type WhereFilter } from './dump/dumper.js';
export type { DumpProblem, ProblemKind } from './format/dump-check.js';
export { COMPRESSIONS, DATA_FORMATS, type Compression, type DataFormat, type Manifest } from './format/manifest.js';
export { DROP_TABLE_MODES, FULL_RESTORE, LOAD_DEFAULTS, ON_DUPLICATE_MODES, loadOptions, type DropTableMode, type LoadInput, type LoadOptions, type LoadResult, type OnDuplicateMode, type ReplicationOptions, type RestoreOptions, type UsersSelection } from './load/loader.js';
export type { Mismatch } from './load/verify.js';
export type { StoreLocation } from './storage/dump-store.js';

/** How a caller follows and stops a run. */
export interface RunControl {
  /** Every event of the run, in order, as it happens (a throwing handler does not stop the run). */
  readonly onEvent?: (event: RunEvent) => void;
  /** Aborting stops the run at the next safe point; the promise then rejects with code 'interrupted'. */
  readonly signal?: AbortSignal;
}

function reporterOf(control: RunControl): Reporter {
  const on = control.onEvent;
  if (!on) return { emit: () => undefined };
  return {
    emit: (e) => {
      try {
        on(e);
      } catch {
        // the caller's handler is not part of the run
      }
    },
  };
}

function refuseAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new TsError({ code: 'interrupted', message: `${what} not started: the signal was already aborted` });
}

/** After an abort every failure is reported as the interruption it is (a cut query, a closed worker). */
async function interruptible<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (signal?.aborted && e instanceof TsError && e.code !== 'interrupted') {
      throw new TsError({ code: 'interrupted', message: `interrupted: ${e.message}`, object: e.object, suggestion: e.suggestion, cause: e });
    }
    throw e;
  }
}

/**
 * Dumps as `tsdump` does. With `dryRun: true`, checks everything and writes nothing; the result's
 * `plan` says what would be dumped (see DumpResult).
 */
export async function dump(input: DumpInput, control: RunControl = {}): Promise<DumpResult> {
  const opts = dumpOptions(input);
  refuseAborted(control.signal, 'dump');
  return interruptible(control.signal, () => runDump(opts, reporterOf(control), control.signal));
}

/**
 * Loads as `tsload` does, resuming a load of the same dump that was interrupted. The result's
 * `mismatches` lists what verification found different (the CLI exits 4 then): check it, or `ok`.
 * A preflight runs first: when the load would fail it rejects with a PreflightError listing every
 * problem, before anything is changed. With `dryRun: true` it resolves with the plan and `problems`.
 */
export async function load(input: LoadInput, control: RunControl = {}): Promise<LoadResult & { readonly ok: boolean }> {
  const opts = loadOptions(input);
  refuseAborted(control.signal, 'load');
  const result = await interruptible(control.signal, () => runLoad(opts, reporterOf(control), control.signal));
  return { ...result, ok: result.mismatches.length === 0 && result.problems.length === 0 };
}

export interface VerifyResult {
  /** Every file is present with the size and sha256 (and block hashes) the manifest records. */
  readonly ok: boolean;
  readonly problems: readonly DumpProblem[];
  /** Files the manifest lists (schema files and chunks). */
  readonly files: number;
  readonly manifest: Manifest;
}

/** Checks a dump offline as `tsdump verify` does: complete and untampered. Rejects when there is no readable manifest. */
export async function verify(location: StoreLocation | string, control: Pick<RunControl, 'signal'> = {}): Promise<VerifyResult> {
  refuseAborted(control.signal, 'verify');
  const store = await openStore(typeof location === 'string' ? parseLocation(location, 'verify') : location);
  try {
    const manifest = await readManifest(store);
    const problems = await checkDump(store, manifest, { hashes: true });
    return { ok: problems.length === 0, problems, files: dumpFiles(manifest), manifest };
  } finally {
    await store.close();
  }
}

/** Events queued for an iterator that nobody reads beyond this are dropped if they are 'progress' ones (memory stays bounded). */
const QUEUE_LIMIT = 10_000;

/**
 * The events of a run as an async iterator: `const { events, result } = iterate((c) => load(input, c))`,
 * then `for await (const e of events)`. The iterator ends when the run ends (also when it fails:
 * `result` rejects then). Stopping the iteration early does not stop the run (abort its signal).
 */
export function iterate<T>(start: (control: RunControl) => Promise<T>, signal?: AbortSignal): { readonly events: AsyncIterableIterator<RunEvent>; readonly result: Promise<T> } {
  const queue: RunEvent[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const result = start({
    signal,
    onEvent: (e) => {
      if (queue.length >= QUEUE_LIMIT && e.kind === 'progress') return;
      queue.push(e);
      notify();
    },
  });
  result.then(
    () => {
      ended = true;
      notify();
    },
    () => {
      ended = true;
      notify();
    },
  );
  async function* events(): AsyncGenerator<RunEvent> {
    for (;;) {
      if (queue.length > 0) yield queue.shift()!;
      else if (ended) return;
      else await new Promise<void>((r) => (wake = r));
    }
  }
  return { events: events(), result };
}

/** The files of a dump: each database's schema, table schemas, objects and chunks. */
export function dumpFiles(manifest: Manifest): number {
  return manifest.databases.reduce((n, d) => n + 1 + d.tables.length + d.objects.length + d.tables.reduce((m, t) => m + t.chunks.length, 0), 0);
}
