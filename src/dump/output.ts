import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { TsError } from '../core/errors.js';
import { manifestFiles } from '../format/manifest.js';
import { parseManifest } from '../format/manifest-parse.js';
import { CLAIM_FILE, IN_PROGRESS_FILE, MANIFEST_FILE, isClaimTemp, isDumpFilePath } from '../format/naming.js';
import type { DumpStore, RefreshResult, StoredEntry } from '../storage/dump-store.js';
import { readPidSpace } from '../storage/pid-space.js';

interface Marker {
  readonly tool: 'tsdump';
  readonly version: string;
  readonly startedAt: string;
  readonly host: string;
  readonly pid: number;
  /** Random, per run: tells this run's marker from another's of the same host and pid (containers all run as PID 1). */
  readonly runId?: string;
  /** The PID namespace (and boot) the pid is of, where the system tells it: see readPidSpace. */
  readonly pidSpace?: string;
}

/** The runIds of the runs of this process (several only in tests). */
const ownRuns = new Set<string>();

/** This process's pid space (readPidSpace), written in its marker and claim. */
export const PID_SPACE = readPidSpace();

/** The tsdump JSON (marker or claim) at `path`, when `entries` hold it as a regular file. */
async function readMarker(store: DumpStore, entries: readonly StoredEntry[], at = IN_PROGRESS_FILE): Promise<Marker | null> {
  if (!entries.some((e) => e.path === at && e.regular)) return null;
  return readMarkerAt(store, at);
}

async function readMarkerAt(store: DumpStore, at: string): Promise<Marker | null> {
  try {
    const m = JSON.parse((await store.readFile(at)).toString('utf8')) as Partial<Marker>;
    return m.tool === 'tsdump' && typeof m.startedAt === 'string' && typeof m.host === 'string' && typeof m.pid === 'number' ? (m as Marker) : null;
  } catch {
    return null;
  }
}

/**
 * The files of an earlier dump, when the store holds one of ours: a manifest.json that parses as a
 * tsdump manifest, or our JSON marker. A file of that name that is anything else (a web project's
 * manifest.json, an empty marker, a symbolic link) makes nothing ours.
 */
async function earlierDump(store: DumpStore, entries: readonly StoredEntry[]): Promise<{ listed: Set<string>; what: string; marker: Marker | null } | null> {
  const marker = await readMarker(store, entries);
  if (entries.some((e) => e.path === MANIFEST_FILE && e.regular)) {
    try {
      const m = parseManifest((await store.readFile(MANIFEST_FILE)).toString('utf8'));
      return { listed: new Set([MANIFEST_FILE, ...manifestFiles(m).map((f) => f.path)]), what: `the dump ${m.dumpId} of ${m.finishedAt}`, marker };
    } catch {
      return null;
    }
  }
  return marker ? { listed: new Set([IN_PROGRESS_FILE]), what: `an interrupted dump started ${marker.startedAt} on ${marker.host}`, marker } : null;
}

/** A running tsdump refreshes its marker this often (OutputHold), so a run on another host can tell it is alive. */
export const MARKER_REFRESH_MS = 30_000;
/** A marker judged by its age (judgedByAge) refreshed less than this long ago is taken for a tsdump still running. */
const MARKER_STALE_MS = 4 * MARKER_REFRESH_MS;

/** Whether a process of `pid` is seen from here (one of another user's too). */
function pidSeen(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the marker's liveness is told by its age, not by its pid: a marker of another host, or
 * of this host name whose pid is ours or not seen here, unless the marker was written in our PID
 * namespace (then that pid is a process that has ended). The same host name with another PID
 * namespace is another container: its pid (every tsdump may be PID 1, as we are) says nothing here.
 */
function judgedByAge(marker: Marker): boolean {
  if (marker.host !== os.hostname()) return true;
  if (marker.pid !== process.pid && pidSeen(marker.pid)) return false;
  return PID_SPACE === undefined || marker.pidSpace !== PID_SPACE;
}

/**
 * Whether the marker's tsdump is still running: when judgedByAge, whether its marker was refreshed
 * in the last MARKER_STALE_MS (`age`, by the store's clock); otherwise whether its pid lives. A
 * marker of a run of this process is taken for one that has ended (runs in one process are tests).
 */
function stillRunning(marker: Marker | null, age = Infinity): boolean {
  if (!marker) return false;
  if (marker.runId !== undefined && ownRuns.has(marker.runId)) return false;
  if (judgedByAge(marker)) return age < MARKER_STALE_MS;
  return marker.pid !== process.pid && pidSeen(marker.pid);
}

function runningElsewhere(store: DumpStore, m: Marker, age: number): TsError {
  const remote = judgedByAge(m);
  return new TsError({
    code: 'usage',
    message: `output ${store.display} is being written by another tsdump (pid ${m.pid} on ${m.host}, started ${m.startedAt}${remote ? `; its marker was refreshed ${Math.max(0, Math.round(age / 1000))} s ago` : ''}); nothing was deleted`,
    suggestion: `wait for it to finish or stop it, or choose another -o directory (two runs in one directory would mix their snapshots)${remote ? `; a tsdump that was killed stops refreshing its marker: ${MARKER_STALE_MS / 60_000} minutes later --overwrite replaces its dump` : ''}`,
  });
}

/** Another tsdump holds the claim (CLAIM_FILE): it is deciding about the output, or was killed doing so. */
function beingClaimed(store: DumpStore, m: Marker | null, file = CLAIM_FILE): TsError {
  const who = m ? ` (pid ${m.pid} on ${m.host}, started ${m.startedAt})` : '';
  const dead = m !== null && m.host === os.hostname() && m.pid !== process.pid && !judgedByAge(m) && !stillRunning(m);
  return new TsError({
    code: 'usage',
    message: `output ${store.display} is being claimed by another tsdump${who}; nothing was deleted`,
    object: { file },
    suggestion: dead
      ? `that process is not running: it was killed while claiming the output; remove ${file} there and run again`
      : `wait for it to finish or stop it, or choose another -o directory (if no tsdump runs there, one was killed while claiming it: remove ${file})`,
  });
}

/**
 * Why the output cannot take a dump (see prepareOutput), or null: read-only, so the preflight asks
 * it too. `entries` is the store's listing (not empty).
 */
export async function outputRefusal(store: DumpStore, entries: readonly StoredEntry[], overwrite: boolean, now = Date.now(), retries = 3): Promise<TsError | null> {
  // another tsdump between listing the output and putting its marker in place, or making its claim
  const claiming = entries.find((e) => e.path === CLAIM_FILE) ?? entries.find((e) => isClaimTemp(e.path));
  if (claiming) {
    const holder = await readMarker(store, entries, claiming.path);
    // gone since the listing: that run is past its claim (its marker in place, or refused); look again
    if (!holder && !(await store.stat(claiming.path).catch(() => null)) && retries > 0) {
      const again = await store.list();
      return again.length === 0 ? null : outputRefusal(store, again, overwrite, Date.now(), retries - 1);
    }
    return beingClaimed(store, holder, claiming.path);
  }
  const earlier = await earlierDump(store, entries);
  const age = now - (entries.find((e) => e.path === IN_PROGRESS_FILE)?.modified ?? -Infinity);
  if (!overwrite) {
    if (stillRunning(earlier?.marker ?? null, age)) return runningElsewhere(store, earlier!.marker!, age);
    return new TsError({
      code: 'usage',
      message: `output ${store.display} is not empty`,
      suggestion: earlier ? `it holds ${earlier.what}: pass --overwrite to replace it, or choose another -o` : 'choose an empty or new -o directory',
    });
  }
  if (!earlier) {
    return new TsError({ code: 'usage', message: `output ${store.display} is not empty and holds no tsdump dump (no manifest.json or in-progress marker of ours); --overwrite only replaces a dump`, suggestion: 'choose an empty or new -o directory' });
  }
  if (stillRunning(earlier.marker, age)) return runningElsewhere(store, earlier.marker!, age);
  const foreign = entries.filter((e) => !e.regular || !(earlier.listed.has(e.path) || isDumpFilePath(e.path)));
  if (foreign.length > 0) {
    return new TsError({
      code: 'usage',
      message: `output ${store.display} holds ${earlier.what}, but also ${foreign.length} file(s) tsdump did not write (${foreign.slice(0, 5).map((e) => e.path).join(', ')}${foreign.length > 5 ? ', …' : ''}); nothing was deleted`,
      object: { file: foreign[0]!.path },
      suggestion: 'move those files away, or choose another -o directory',
    });
  }
  return null;
}

/**
 * Step 1: the output must be empty, or (with --overwrite) hold one of our dumps. An overwrite
 * deletes only files of that dump: the ones its manifest lists, and names tsdump writes (chunks,
 * schema files, `*.partial`) in an interrupted one. Anything else in there stops the dump before
 * anything is deleted: a wrong -o must never wipe someone's directory. Our in-progress marker is
 * put in place before anything is deleted (replacing an interrupted run's), then the manifest goes,
 * then the rest: a run killed at any point of it leaves an interrupted dump of ours, never a
 * "complete" one nor files no later run takes for ours. The earlier run's unfinished uploads (S3,
 * a killed run's) of our names go too.
 *
 * All of it under the claim (CLAIM_FILE, created exclusively first), and the listing that decides
 * is taken under it: two runs started at once (with --overwrite, both would find the same earlier
 * dump) are serialised before either deletes anything. The one that does not get the claim stops
 * at once naming the other; the one that gets it second finds the first one's marker (refused: a
 * tsdump still running). `warn` hears that the store cannot make the claim exclusive.
 */
export async function prepareOutput(store: DumpStore, overwrite: boolean, toolVersion: string, warn: (message: string) => void = () => undefined, refreshMs = MARKER_REFRESH_MS): Promise<OutputHold> {
  const runId = randomBytes(8).toString('hex');
  ownRuns.add(runId);
  const marker: Marker = { tool: 'tsdump', version: toolVersion, startedAt: new Date().toISOString(), host: os.hostname(), pid: process.pid, runId, ...(PID_SPACE ? { pidSpace: PID_SPACE } : {}) };
  const bytes = Buffer.from(JSON.stringify(marker) + '\n', 'utf8');
  const claim = await store.claim(CLAIM_FILE, bytes);
  // the claim's holder, or (done claiming meanwhile) the marker it put in place
  if (claim === 'lost') throw beingClaimed(store, (await readMarkerAt(store, CLAIM_FILE)) ?? (await readMarkerAt(store, IN_PROGRESS_FILE)));
  if (claim === 'unguarded') {
    warn(`${store.display} does not honour conditional writes (If-None-Match), so the claim of the output is not exclusive: two tsdumps started at once into it would not be told apart; start one at a time`);
  }
  try {
    const listed = await store.list();
    // a marker's age by the store's clock: our claim was written just now
    const now = listed.find((e) => e.path === CLAIM_FILE)?.modified ?? Date.now();
    // without our claim, and the temp files of other runs' claims being made now (they lose)
    const entries = listed.filter((e) => e.path !== CLAIM_FILE && !isClaimTemp(e.path));
    if (entries.length > 0) {
      const refusal = await outputRefusal(store, entries, overwrite, now);
      if (refusal) throw refusal;
    }
    if (entries.some((e) => e.path === IN_PROGRESS_FILE)) await store.replace(IN_PROGRESS_FILE, bytes);
    // 'lost' only to a tsdump that puts its marker without the claim (one before the claim existed)
    else if ((await store.claim(IN_PROGRESS_FILE, bytes)) === 'lost') {
      throw new TsError({
        code: 'usage',
        message: `output ${store.display} was claimed by another tsdump started at the same time; nothing was deleted`,
        object: { file: IN_PROGRESS_FILE },
        suggestion: 'let that one finish, or choose another -o directory (two runs in one directory would mix their snapshots)',
      });
    }
    if (entries.length > 0) {
      await store.remove(MANIFEST_FILE);
      for (const e of entries) if (e.path !== MANIFEST_FILE && e.path !== IN_PROGRESS_FILE) await store.remove(e.path);
      // a killed earlier run's uploads (S3): invisible, but stored and billed until aborted
      await store.discardUnfinished(isDumpFilePath).catch(() => undefined);
    }
  } catch (e) {
    await store.remove(CLAIM_FILE).catch(() => undefined);
    throw e;
  }
  await store.remove(CLAIM_FILE);
  await store.flush();
  return keepMarkerFresh(store, bytes, refreshMs, warn);
}

/** The output held by this run: its marker refreshed until release(). */
export interface OutputHold {
  /** Aborted (its reason the TsError saying so) when a refresh finds that the output is no longer ours. */
  readonly lost: AbortSignal;
  /**
   * Checks, now, that the marker is still this run's (before the manifest is written); throws the
   * TsError saying why not. A store that cannot answer now (its error) does not fail the run: only
   * a marker found replaced or removed says the output is lost.
   */
  confirm(): Promise<void>;
  /** Stops refreshing the marker (waits for a refresh under way, RELEASE_WAIT_MS at most). Idempotent. */
  release(): Promise<void>;
}

/**
 * How long release() waits for a refresh under way: one hung on a slow store (an S3 put retried
 * for minutes) must not hold up the end of the run. A refresh that ends later changes nothing: it
 * writes only a marker that still holds our bytes.
 */
export const RELEASE_WAIT_MS = 5_000;

/**
 * Refreshes the marker every `every` ms: one that finds the marker not ours aborts `lost`; one that
 * fails (the store's error) is tried again at the next tick, and no tick queues a refresh while one
 * is under way (a store that hangs holds one, not a queue). Each tick also looks at how long the
 * marker has gone unrefreshed: more than two and a half intervals (the tick 90 s after the last
 * refresh at the default, 30 s before MARKER_STALE_MS, after which another host's --overwrite
 * takes it for a killed run's) are told to `warn` once, and so is the first refresh that works
 * after that warning. A single failed refresh says nothing (the one after it comes two intervals
 * after the last that worked).
 */
function keepMarkerFresh(store: DumpStore, bytes: Buffer, every: number, warn: (message: string) => void): OutputHold {
  const lost = new AbortController();
  // the marker's last write (its put in place, then each refresh), and what the refreshes since said
  let refreshedAt = Date.now();
  let failure: string | null = null;
  let warned = false;
  let running = false;
  let released = false;
  const seconds = (): number => Math.round((Date.now() - refreshedAt) / 1000);
  const beat = async (): Promise<void> => {
    if (lost.signal.aborted || released) return;
    running = true;
    let r: RefreshResult;
    try {
      r = await store.refresh(IN_PROGRESS_FILE, bytes);
    } catch (e) {
      failure = (e as Error).message;
      throw e;
    } finally {
      running = false;
    }
    if (r === 'refreshed') {
      if (warned && !released) warn(`the in-progress marker of output ${store.display} is refreshed again, after ${seconds()} s`);
      [refreshedAt, failure, warned] = [Date.now(), null, false];
    } else if (!lost.signal.aborted) lost.abort(await outputLost(store, r));
  };
  let last: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (!warned && !released && !lost.signal.aborted && Date.now() - refreshedAt > 2.5 * every) {
      warned = true;
      warn(
        `the in-progress marker of output ${store.display} has not been refreshed for ${seconds()} s (${failure ?? 'a refresh is still waiting for the store'}); the dump goes on and keeps trying: ` +
          `a tsdump --overwrite on another host takes a marker not refreshed for ${MARKER_STALE_MS / 60_000} minutes for a killed run's and would replace this dump`,
      );
    }
    if (!running) last = last.then(beat).catch(() => undefined);
  }, every);
  timer.unref();
  // one refresh at once: what came after the marker's put (an --overwrite deleting a large dump) took time
  last = last.then(beat).catch(() => undefined);
  return {
    lost: lost.signal,
    confirm: async () => {
      last = last.then(beat).catch(() => undefined);
      await last;
      if (lost.signal.aborted) throw lost.signal.reason;
    },
    release: async () => {
      released = true;
      clearInterval(timer);
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([last, new Promise<void>((r) => (waited = setTimeout(r, RELEASE_WAIT_MS)))]);
      clearTimeout(waited);
    },
  };
}

/** The output was taken from this run (another tsdump's --overwrite judged its marker stale): what it found there. */
async function outputLost(store: DumpStore, found: Exclude<RefreshResult, 'refreshed'>): Promise<TsError> {
  const other = found === 'replaced' ? await readMarkerAt(store, IN_PROGRESS_FILE) : null;
  const what = found === 'gone' ? 'its in-progress marker was removed' : other ? `its in-progress marker is now another tsdump's (pid ${other.pid} on ${other.host}, started ${other.startedAt})` : 'its in-progress marker was replaced';
  return new TsError({
    code: 'io',
    message: `output ${store.display} is no longer this dump's: ${what}; stopped without writing the manifest`,
    object: { file: IN_PROGRESS_FILE },
    suggestion: `another tsdump --overwrite took it for a killed run's (its marker not refreshed for ${MARKER_STALE_MS / 60_000} minutes: a stalled store, or a clock far off); let that run finish, or dump into another -o`,
  });
}

/**
 * After the manifest: the dump is complete, the marker goes, but never another run's: a marker
 * found replaced or removed fails the run (see OutputHold.confirm).
 */
export async function finishOutput(store: DumpStore, hold: OutputHold): Promise<void> {
  await hold.confirm();
  await hold.release();
  await store.remove(IN_PROGRESS_FILE);
  await store.flush();
}

/**
 * Removes what an interrupted run left half-written (`*.partial`, S3's incomplete multipart
 * uploads); the missing manifest marks the dump incomplete. Call it once nothing writes any more
 * (the workers are closed), or an upload begun after it would be left behind.
 */
export async function cleanupPartials(store: DumpStore): Promise<void> {
  // not a claim (CLAIM_FILE and its temp files): the claim of a run that came later is that run's
  const ours = (p: string): boolean => p.endsWith('.partial') && isDumpFilePath(p) && !p.startsWith(IN_PROGRESS_FILE);
  for (const e of await store.list().catch(() => [])) if (e.regular && ours(e.path)) await store.remove(e.path).catch(() => undefined);
  await store.discardUnfinished(isDumpFilePath).catch(() => undefined);
}
