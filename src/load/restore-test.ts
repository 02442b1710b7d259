import { randomBytes } from 'node:crypto';
import { TsError } from '../core/errors.js';
import { silentReporter, type Reporter } from '../core/events.js';
import { quoteIdent } from '../core/ident.js';
import { Session } from '../db/session.js';
import { PLAIN } from '../db/session-profile.js';
import { PROGRESS_DB } from '../format/naming.js';
import { readManifest } from '../format/dump-check.js';
import { openStore } from '../storage/open-store.js';
import type { LoadOptions, LoadResult } from './load-options.js';
import { runLoad } from './loader.js';
import { selectRestore } from './restore-filter.js';
import { lockName } from './load-lease.js';
import { SqlProgressStore, forgetLoads } from './sql-progress-store.js';

/**
 * tsload --restore-test: the restore drill. The dump (or the part the filters choose) is loaded
 * into scratch databases of our own on the given server — `tsdrill_<random>_<n>_<source name>`,
 * refused if one exists already — verified like every load (per chunk against the manifest for our
 * dumps, row counts per table against the file for another tool's), and dropped again with their
 * progress records, whatever the outcome (only databases this run named, after it saw they did not
 * exist, are dropped). Events are created disabled, so nothing of the copy runs meanwhile. The exit
 * code says how it went (0 restored and verified, 4 mismatch, 6 bad dump, 1 failed, …).
 */
export interface RestoreTestResult extends LoadResult {
  /** Source database → scratch database it was loaded into (all dropped again). */
  readonly scratch: ReadonlyMap<string, string>;
}

/** A database of the dump to give a scratch database: its key in the load's renames, and its name for the scratch name. */
export interface ScratchSource<K> {
  readonly key: K;
  readonly name: string;
}

/** Picks the scratch database of every source database (another tool's dump: known once it is planned). */
export type ScratchTargets = <K>(sources: readonly ScratchSource<K>[]) => Promise<Map<K, string>>;

/** A left-behind scratch database is swept once its loader's last heartbeat (load-lease.ts: every 15 s) is this old. */
const SWEEP_AFTER_SECONDS = 120;

/** A scratch database's name: tsdrill_<6 hex>_<n>_<source> (scratchName). */
const DRILL_NAME = /^tsdrill_[0-9a-f]{6}_[0-9]+_/;

function scratchName(tag: string, n: number, source: string): string {
  const clean = source.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `tsdrill_${tag}_${n}_${clean}`.slice(0, 64);
}

/** The drill's load: into the scratch databases only, verified, forgetting its progress, events disabled. */
function drillOptions(opts: LoadOptions, renames: ReadonlyMap<string, string>): LoadOptions {
  return Object.freeze({ ...opts, targetDatabase: null, renames, verify: true, keepProgress: false, dropTable: 'fail', restore: Object.freeze({ ...opts.restore, eventsDisabled: opts.restore.eventsDisabled ?? 'disable' }) });
}

/** The scratch databases of one drill: named, checked absent, and dropped again (these only). */
class ScratchDatabases {
  private readonly tag = randomBytes(3).toString('hex');
  private readonly named: string[] = [];

  private constructor(
    private readonly control: Session,
    private readonly reporter: Reporter,
  ) {}

  static async open(opts: LoadOptions, reporter: Reporter): Promise<ScratchDatabases> {
    const drill = new ScratchDatabases(await Session.open(opts.connection, PLAIN), reporter);
    try {
      await drill.sweep();
    } catch (e) {
      await drill.control.close();
      throw e;
    }
    return drill;
  }

  /**
   * Scratch databases an earlier drill left behind (killed with -9, the host rebooted) are dropped
   * first, so nightly drills do not pile them up. Only what is surely a drill's: a name of the drill's
   * pattern, a load recorded into it (tsload created it), and no loader holding it (its lease lock is
   * free: the drill is gone). A database of that name without a recorded load is only named.
   */
  private async sweep(): Promise<void> {
    const names = (await this.control.query<{ n: string }>("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'tsdrill\\_%'")).map((r) => r.n).filter((n) => DRILL_NAME.test(n));
    if (names.length === 0) return;
    const store = new SqlProgressStore(this.control);
    const dropped: string[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const recorded = (await store.exists()) && (await store.run(name)) !== null;
      if (!recorded) {
        unknown.push(name);
        continue;
      }
      if ((await this.control.scalar('SELECT IS_USED_LOCK(?)', [lockName(name)])) !== null) continue; // a drill running now
      // nor one whose heartbeat is recent: its control session may be reconnecting (the lock then free a moment)
      const recent = await this.control.scalar(`SELECT COUNT(*) FROM ${PROGRESS_DB}.leases WHERE target_db = ? AND heartbeat_at > UTC_TIMESTAMP() - INTERVAL ${SWEEP_AFTER_SECONDS} SECOND`, [name]).catch(() => '0');
      if (Number(recent) > 0) continue;
      const failed = await this.dropOne(name);
      if (failed === null) dropped.push(name);
      else this.reporter.emit({ kind: 'warning', message: `restore test: ${name}, left behind by an earlier drill, could not be dropped: ${failed}`, database: name });
    }
    if (dropped.length > 0) this.reporter.emit({ kind: 'info', message: `restore test: dropped scratch database(s) an earlier drill left behind (killed before it could drop them): ${dropped.join(', ')}` });
    if (unknown.length > 0) this.reporter.emit({ kind: 'warning', message: `restore test: ${unknown.join(', ')} look like scratch databases of a drill but hold no load recorded by tsload: left alone (drop them yourself if a drill left them)` });
  }

  readonly assign: ScratchTargets = async <K>(sources: readonly ScratchSource<K>[]): Promise<Map<K, string>> => {
    const out = new Map<K, string>();
    for (const s of sources) {
      const name = scratchName(this.tag, this.named.length + out.size + 1, s.name);
      if (Number(await this.control.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])) > 0) {
        throw new TsError({ code: 'usage', message: `restore test: the scratch database ${name} exists already`, object: { database: name }, suggestion: 'rerun (the name is random), or drop it if a killed drill left it behind' });
      }
      out.set(s.key, name);
    }
    this.named.push(...out.values());
    this.reporter.emit({ kind: 'info', message: `restore test: loading ${sources.map((s) => `${s.name} → ${out.get(s.key)!}`).join(', ')} (dropped afterwards)` });
    return out;
  };

  /** Drops one scratch database and forgets its load; the server's reason when it cannot, else null. */
  private async dropOne(name: string): Promise<string | null> {
    try {
      await this.control.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    await forgetLoads(this.control, [name]).catch(() => undefined);
    return null;
  }

  /** Drops the scratch databases and forgets their loads; the outcome of the drill stays the drill's. */
  async drop(): Promise<void> {
    try {
      const dropped: string[] = [];
      const left: string[] = [];
      for (const name of this.named) {
        const failed = await this.dropOne(name);
        if (failed === null) dropped.push(name);
        else left.push(`${name} (${failed})`);
      }
      if (dropped.length > 0) this.reporter.emit({ kind: 'info', message: `restore test: scratch database(s) dropped: ${dropped.join(', ')}` });
      // never claimed dropped when the server refused (an account without DROP): named, for a person to drop
      if (left.length > 0) this.reporter.emit({ kind: 'warning', message: `restore test: scratch database(s) left behind, not dropped: ${left.join('; ')}; drop them by hand (DROP DATABASE) or grant the drill's account DROP on tsdrill\\_%` });
    } finally {
      await this.control.close();
    }
  }
}

export async function runRestoreTest(opts: LoadOptions, reporter: Reporter, signal?: AbortSignal): Promise<RestoreTestResult> {
  const store = await openStore(opts.source);
  let databases: string[];
  try {
    const manifest = await readManifest(store);
    databases = (await selectRestore(manifest, store, opts.restore.filters, silentReporter)).manifest.databases.map((d) => d.name);
  } finally {
    await store.close();
  }
  const drill = await ScratchDatabases.open(opts, reporter);
  try {
    const scratch = await drill.assign(databases.map((d) => ({ key: d, name: d })));
    const result = await runLoad(drillOptions(opts, scratch), reporter, signal);
    reporter.emit({ kind: 'info', message: `restore test: ${result.mismatches.length === 0 ? 'every chunk verified against the manifest' : `${result.mismatches.length} verification mismatch(es)`}` });
    return { ...result, scratch };
  } finally {
    await drill.drop();
  }
}

/**
 * The drill for another tool's dump (a mysqldump file, a mydumper directory): `load` runs the
 * import with the drill's options, and calls `targets` once it knows the dump's databases.
 */
export async function runImportRestoreTest<R extends { readonly mismatches: readonly unknown[] }>(opts: LoadOptions, reporter: Reporter, load: (drill: LoadOptions, targets: ScratchTargets) => Promise<R>): Promise<R> {
  const drill = await ScratchDatabases.open(opts, reporter);
  try {
    const result = await load(drillOptions(opts, new Map()), drill.assign);
    reporter.emit({ kind: 'info', message: `restore test: ${result.mismatches.length === 0 ? "every table's row count verified against the dump" : `${result.mismatches.length} verification mismatch(es)`}` });
    return result;
  } finally {
    await drill.drop();
  }
}
