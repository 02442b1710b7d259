/**
 * The load's preflight: everything that would make the load fail, decided from gathered facts
 * (preflight-facts.ts) before anything is changed. Pure, so every rule is unit-testable. Runs before
 * every load and under --dry-run; returns every problem, each with its fix.
 */
import type { Problem } from '../core/problem.js';
import { absentDefiners, blockingViews, type AbsentDefiners, type Account, type DefinerPlan } from './absent-definers.js';
import { quoteIdent } from '../core/ident.js';
import { formatBytes } from '../core/sizes.js';
import { allowsAny, type GrantSet } from '../db/privileges.js';
import type { DatabaseEntry, Manifest, TableEntry } from '../format/manifest.js';
import { fitsPacket, packetToFit } from '../format/longest-line.js';
import type { DropTableMode, LoadOptions } from './load-options.js';
import { PROGRESS_DB, type RunRecord } from './progress-store.js';
import { bulkUsable, needsLocalInfile } from './insert-method.js';
import { memoSelection, selectionFingerprint } from './restore-filter.js';
import { clashingObjects, describeExisting, OBJECT_CLASH_FIX, type ExistingObject } from './existing-objects.js';
import { utf8mb4CollationProblems } from './utf8mb4-collations.js';
import { utf8mb4KeyProblems } from './utf8mb4-keys.js';

/** What the target server says, gathered once (preflight-facts.ts). */
export interface LoadFacts {
  readonly localInfile: boolean;
  readonly maxAllowedPacket: number;
  readonly readOnly: boolean;
  /** Binary logging is on and log_bin_trust_function_creators is off: functions and triggers need SUPER. */
  readonly creatorsUntrusted: boolean;
  readonly grants: GrantSet;
  /** Tables that exist now, per target database (names as the server lists them). */
  readonly existingTables: ReadonlyMap<string, ReadonlySet<string>>;
  /** Views, routines, triggers and events that exist now, per target database (existing-objects.ts). */
  readonly existingObjects: ReadonlyMap<string, readonly ExistingObject[]>;
  /** Table names compare case-insensitively (lower_case_table_names ≠ 0). */
  readonly caseInsensitive: boolean;
  /** @@GLOBAL.explicit_defaults_for_timestamp is OFF (tables are created with it ON: session-profile.ts loadSchema). */
  readonly explicitDefaultsOff: boolean;
  /** The progress store's run record per target database (null: none). */
  readonly runs: ReadonlyMap<string, RunRecord | null>;
  /** @@GLOBAL.innodb_autoinc_lock_mode (null: no such variable): the advice of autoinc-hint.ts and --insert-method auto. */
  readonly autoincLockMode: number | null;
  /** The server takes MariaDB's bulk INSERT (COM_STMT_BULK_EXECUTE: --insert-method bulk). */
  readonly bulkOperations: boolean;
  /** Rows would be binary-logged as statements (binlog_format=STATEMENT, not --skip-binlog): no bulk INSERT then. */
  readonly statementBinlog: boolean;
  /** @@GLOBAL.innodb_default_row_format, lower case (null: no such variable). */
  readonly innodbDefaultRowFormat: string | null;
  /** The target's collations (information_schema.COLLATIONS; empty: not read). */
  readonly collations: ReadonlySet<string>;
  /** MAXLEN per character set, lower case (information_schema.CHARACTER_SETS). */
  readonly charsetWidths: ReadonlyMap<string, number>;
  /** Whether the target has each DEFINER of the dump's objects (null: mysql.user is not readable). */
  readonly definers: ReadonlyMap<string, boolean> | null;
}

export interface LoadPreflightPlan {
  readonly manifest: Manifest;
  readonly targets: readonly { readonly name: string; readonly source: DatabaseEntry }[];
  readonly opts: Pick<LoadOptions, 'dropTable' | 'deferIndexes' | 'verify' | 'restore' | 'insertMethod' | 'skipDefiner' | 'engine' | 'convertUtf8mb4'>;
  /** The dump's SHOW CREATE TABLE per table, read for the checks that need them (--convert-utf8mb4: readDefinitions). */
  readonly definitions?: ReadonlyMap<TableEntry, string>;
  /** The accounts --load-users creates before the objects (null or absent: no --load-users). */
  readonly accounts?: readonly Account[] | null;
  /** Of the views the DEFINER check would refuse, those with SQL SECURITY INVOKER (absent-definers.ts blockingViews). */
  readonly invokerViews?: ReadonlySet<string>;
}

export function preflightLoad(plan: LoadPreflightPlan, facts: LoadFacts): Problem[] {
  const problems: Problem[] = [];
  const { manifest, opts } = plan;
  const privileges: Problem[] = [];
  if (facts.caseInsensitive) problems.push(...caseClashes(plan.targets));
  for (const t of plan.targets) {
    const run = facts.runs.get(t.name) ?? null;
    const state = runState(run, manifest.dumpId, t.source.name, selectionFingerprint(t.source, opts.restore), opts.dropTable);
    if (state.kind === 'other-load') {
      problems.push({ code: 'target-changed', object: { database: t.name }, message: state.message, fix: `finish that load with its own dump, or drop database ${t.name} and delete its rows from ${PROGRESS_DB}.runs/progress/steps` });
    }
    const has = (table: string): boolean => tableIn(facts, t.name, table);
    const clashing = state.kind === 'fresh' ? t.source.tables.filter((tb) => has(tb.name)) : [];
    // --no-schema loads rows into tables that exist; --drop-table append loads into them as they are
    if (opts.dropTable === 'fail' && !opts.restore.noSchema) {
      for (const tb of clashing) {
        problems.push({
          code: 'table-exists',
          object: { database: t.name, table: tb.name },
          message: `table ${t.name}.${tb.name} already exists in the target, and no load of this dump into it is recorded`,
          fix: 'load into another database (-B/--rename), or pass --drop-table drop (replace it), --drop-table truncate (keep its definition, empty it) or --drop-table append (load into it as it is)',
        });
      }
    }
    const absent = state.kind === 'fresh' && opts.restore.noSchema ? t.source.tables.filter((tb) => !has(tb.name)).map((tb) => tb.name) : [];
    if (absent.length > 0) {
      problems.push({
        code: 'table-missing',
        object: { database: t.name },
        message: `--no-schema loads rows into existing tables, but ${absent.length} of database ${t.name} do not exist: ${absent.slice(0, 10).join(', ')}${absent.length > 10 ? ', …' : ''}`,
        fix: 'create them first (a load without --no-schema does), or leave them out with -T / --ignore-table',
      });
    }
    // a fresh load creates the dump's views, routines, triggers and events by replacing what has their
    // names: only --drop-table drop may replace the user's (a resume's are its own, created by its first run)
    if (state.kind === 'fresh' && !state.ours && opts.dropTable !== 'drop' && !opts.restore.noSchema) {
      for (const o of clashingObjects(t.source.objects, facts.existingObjects.get(t.name) ?? [], facts.caseInsensitive)) {
        problems.push({
          code: 'object-exists',
          object: { database: t.name },
          message: `${describeExisting(t.name, o)} already exists in the target, and the dump creates a ${o.kind} of that name; this load did not create it and would replace it`,
          fix: OBJECT_CLASH_FIX,
        });
      }
    }
    if (state.kind !== 'done') {
      const replacing = clashing.length > 0 && (opts.dropTable === 'drop' || opts.dropTable === 'truncate');
      const need = opts.restore.noSchema ? ['INSERT', 'SELECT', ...(opts.restore.onDuplicate === 'replace' ? ['DELETE'] : [])] : neededPrivileges(t.source, replacing);
      const missing = need.filter((p) => !allowsAny(facts.grants, [p], t.name));
      if (missing.length > 0) {
        privileges.push({
          code: 'privilege',
          object: { database: t.name },
          message: `the account ${facts.grants.account} lacks ${missing.join(', ')} on database ${t.name}`,
          fix: `GRANT ${missing.join(', ')} ON ${quoteIdent(t.name)}.* TO ${facts.grants.account};`,
        });
      }
    }
  }
  const progressNeed = ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'].filter((p) => !allowsAny(facts.grants, [p], PROGRESS_DB));
  if (progressNeed.length > 0) {
    privileges.push({
      code: 'privilege',
      object: { database: PROGRESS_DB },
      message: `the account ${facts.grants.account} lacks ${progressNeed.join(', ')} on ${PROGRESS_DB}, where tsload records its progress (in the same transactions as the rows)`,
      fix: `GRANT ${progressNeed.join(', ')} ON ${PROGRESS_DB}.* TO ${facts.grants.account};`,
    });
  }
  const stored = plan.targets.filter((t) => !opts.restore.noSchema && facts.runs.get(t.name)?.completedAt == null && t.source.objects.some((o) => o.kind === 'function' || o.kind === 'trigger'));
  if (stored.length > 0 && facts.creatorsUntrusted && !allowsAny(facts.grants, ['SUPER'], null)) {
    privileges.push({
      code: 'privilege',
      object: { database: stored[0]!.name },
      message: `the dump has functions or triggers, and with the binary log on the server lets only SUPER create them (log_bin_trust_function_creators = OFF)`,
      fix: `SET GLOBAL log_bin_trust_function_creators = 1; (and in the server config), or GRANT SUPER ON *.* TO ${facts.grants.account};`,
    });
  }
  const foreign = opts.skipDefiner || opts.restore.noSchema ? [] : foreignDefiners(plan.targets.filter((t) => facts.runs.get(t.name)?.completedAt == null), facts.grants.account);
  if (foreign.length > 0 && !allowsAny(facts.grants, DEFINER_PRIVILEGES, null)) {
    const named = foreign.slice(0, 3).map((o) => `${o.kind} ${o.database}.${o.name} (DEFINER ${o.definer})`).join(', ') + (foreign.length > 3 ? ` and ${foreign.length - 3} more` : '');
    privileges.push({
      code: 'privilege',
      object: { database: foreign[0]!.database },
      message: `the dump's ${named} name another account as DEFINER, and ${facts.grants.account} may create objects only as itself (error 1227: SUPER or SET USER needed)`,
      fix: `load with --skip-definer (the objects then belong to ${facts.grants.account}), or GRANT SET USER ON *.* TO ${facts.grants.account}; (MariaDB 10.5+; SET_ANY_DEFINER on MySQL 8.2+, SUPER before)`,
    });
  }
  problems.push(...absentDefiners(definerPlan(plan, facts), facts.definers).problems);
  // Privileges granted through a role whose grants SHOW GRANTS does not list cannot be judged.
  if (facts.grants.complete) problems.push(...privileges);

  const rows = !opts.restore.noData && plan.targets.some((t) => t.source.tables.some((tb) => tb.rows > 0));
  const csvRows = manifest.options.format === 'csv' && rows;
  if (csvRows && opts.insertMethod === 'bulk' && !facts.bulkOperations) {
    problems.push({
      code: 'unsupported',
      object: {},
      message: "--insert-method bulk: the target does not take MariaDB's bulk INSERT (COM_STMT_BULK_EXECUTE, MariaDB 10.5 and later)",
      fix: '--insert-method load-data (or auto)',
    });
  } else if (csvRows && opts.insertMethod === 'bulk' && facts.statementBinlog) {
    problems.push({
      code: 'unsupported',
      object: {},
      message: "--insert-method bulk: the target logs statements (binlog_format = STATEMENT), and MariaDB takes bulk INSERTs only with row-based logging",
      fix: '--insert-method load-data (or auto), or SET GLOBAL binlog_format = MIXED; (or ROW; and in the server config), or --skip-binlog if the rows need not reach replicas',
    });
  } else if (csvRows && !facts.localInfile && needsLocalInfile(opts.insertMethod, facts)) {
    problems.push({
      code: 'local-infile-off',
      object: {},
      message: `local_infile is OFF on the target: the CSV chunks of this dump load with LOAD DATA LOCAL INFILE${opts.insertMethod === 'load-data' ? ' (--insert-method load-data)' : facts.bulkOperations && facts.statementBinlog ? " (MariaDB's bulk INSERT, which needs none, is refused under binlog_format = STATEMENT)" : ''}`,
      fix: `SET GLOBAL local_infile = ON; (and local_infile=ON under [mysqld] in the server config), or dump again with --format sql${opts.insertMethod === 'load-data' && bulkUsable(facts) ? ", or load with --insert-method auto (MariaDB's bulk INSERT needs no LOCAL INFILE)" : ''}`,
    });
  }
  if (facts.readOnly && !allowsAny(facts.grants, ['SUPER', 'READ_ONLY ADMIN', 'CONNECTION_ADMIN'], null)) {
    problems.push({ code: 'read-only', object: {}, message: 'the target server is read-only (read_only = ON)', fix: 'load into the primary, or SET GLOBAL read_only = OFF; on this server if it is meant to take writes' });
  }
  const rowFormat = rowFormatDiffers(plan, facts);
  if (rowFormat) problems.push(rowFormat);
  if (opts.convertUtf8mb4 && !opts.restore.noSchema) problems.push(...utf8mb4Problems(plan, facts));
  for (const t of opts.restore.noData ? [] : plan.targets) {
    for (const tb of t.source.tables) {
      const worst = tb.chunks.reduce<(typeof tb.chunks)[number] | null>((w, c) => ((c.longestLine?.bytes ?? 0) > (w?.longestLine?.bytes ?? 0) ? c : w), null);
      const ll = worst?.longestLine;
      if (!worst || !ll || fitsPacket(ll.bytes, facts.maxAllowedPacket)) continue;
      const need = packetToFit(ll.bytes);
      problems.push({
        code: 'packet-too-small',
        object: { database: t.name, table: tb.name, chunk: worst.index, file: worst.path },
        message: `line ${ll.line} of ${worst.path} is ${formatBytes(ll.bytes)}, more than the target's max_allowed_packet (${formatBytes(facts.maxAllowedPacket)})`,
        fix: `SET GLOBAL max_allowed_packet = ${need}; (and in the server config), then run the same command again${manifest.options.format === 'sql' ? '; or dump with a smaller --statement-size' : ''}`,
      });
    }
  }
  return problems;
}

/**
 * What --convert-utf8mb4 would break, for the databases not loaded yet: index keys past InnoDB's
 * limits once utf8mb3 text takes 4 bytes a character (utf8mb4-keys.ts), and collations the target
 * has no utf8mb4 counterpart of (utf8mb4-collations.ts).
 */
function utf8mb4Problems(plan: LoadPreflightPlan, facts: LoadFacts): Problem[] {
  const targets = pendingTargets(plan, facts).map((p) => p.t);
  const tables = createdTables(plan, facts).map(({ t, tb }) => ({ t, tb, create: plan.definitions?.get(tb) ?? '' }));
  const keyed = tables.map(({ t, tb, create }) => ({ database: t.name, sourceDatabase: t.source.name, table: tb.name, create, columns: tb.columns, engine: plan.opts.engine ?? tb.engine }));
  const collated = [...targets.map((t) => ({ database: t.name, table: null, text: t.source.collation })), ...tables.map(({ t, tb, create }) => ({ database: t.name, table: tb.name, text: create }))];
  return [...utf8mb4KeyProblems(keyed, { defaultRowFormat: facts.innodbDefaultRowFormat, charsetWidths: facts.charsetWidths }), ...utf8mb4CollationProblems(collated, facts.collations)];
}

/** The objects the load creates with a DEFINER the target lacks that do not stop it (absent-definers.ts). */
export function definerWarnings(plan: LoadPreflightPlan, facts: LoadFacts): AbsentDefiners['warnings'] {
  return absentDefiners(definerPlan(plan, facts), facts.definers).warnings;
}

/** The views the DEFINER check refuses unless their file says SQL SECURITY INVOKER (preflight-facts.ts readInvokerViews). */
export function definerBlockingViews(plan: LoadPreflightPlan, facts: LoadFacts): ReturnType<typeof blockingViews> {
  return blockingViews(definerPlan(plan, facts), facts.definers);
}

function definerPlan(plan: LoadPreflightPlan, facts: LoadFacts): DefinerPlan {
  // objects are created only by a load with schema into a target not loaded completely already
  const targets = plan.opts.restore.noSchema ? [] : pendingTargets(plan, facts).map((p) => p.t);
  return { targets, accounts: plan.accounts ?? null, skipDefiner: plan.opts.skipDefiner, invokerViews: plan.invokerViews };
}

/**
 * The targets the load still works on, with their state: all but a finished load of this dump that a
 * rerun only verifies (runState 'done'; one replaced by --drop-table drop/truncate, or by another
 * dump, is loaded again).
 */
function pendingTargets(plan: Omit<LoadPreflightPlan, 'definitions'>, facts: LoadFacts): { t: LoadPreflightPlan['targets'][number]; state: RunState }[] {
  return plan.targets
    .map((t) => ({ t, state: runState(facts.runs.get(t.name) ?? null, plan.manifest.dumpId, t.source.name, selectionFingerprint(t.source, plan.opts.restore), plan.opts.dropTable) }))
    .filter((p) => p.state.kind !== 'done');
}

/**
 * The tables whose definitions this load creates (what the --convert-utf8mb4 checks judge, and
 * readDefinitions reads): of the pending targets, those absent, or replaced by --drop-table drop —
 * append and truncate keep an existing one's definition.
 */
export function createdTables(plan: Omit<LoadPreflightPlan, 'definitions'>, facts: LoadFacts): { t: LoadPreflightPlan['targets'][number]; tb: TableEntry }[] {
  return pendingTargets(plan, facts).flatMap((p) => p.t.source.tables.filter((tb) => !tableIn(facts, p.t.name, tb.name) || (p.state.kind === 'fresh' && plan.opts.dropTable === 'drop')).map((tb) => ({ t: p.t, tb })));
}

/** The table exists on the target (case-insensitively where names are folded). */
function tableIn(facts: LoadFacts, db: string, table: string): boolean {
  const existing = facts.existingTables.get(db);
  if (!existing) return false;
  if (existing.has(table)) return true;
  if (!facts.caseInsensitive) return false;
  let folded = FOLDED.get(existing);
  if (!folded) FOLDED.set(existing, (folded = new Set([...existing].map((e) => e.toLowerCase()))));
  return folded.has(table.toLowerCase());
}

/** Each target's existing table names in lower case, made once (tableIn is asked per table of the dump). */
const FOLDED = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

const CASE_FIX = 'load into a server with lower_case_table_names = 0';

/**
 * Under lower_case_table_names ≠ 0 the target keeps one table (or view) where the dump has two
 * whose names differ only in case: the second's rows would be merged into the first (verify finds
 * it only after the load). Databases likewise.
 */
function caseClashes(targets: LoadPreflightPlan['targets']): Problem[] {
  const out: Problem[] = [];
  const clashes = (names: readonly string[]): string[][] => {
    const byLower = new Map<string, string[]>();
    for (const n of names) byLower.set(n.toLowerCase(), [...(byLower.get(n.toLowerCase()) ?? []), n]);
    return [...byLower.values()].filter((g) => g.length > 1).map((g) => g.sort());
  };
  for (const group of clashes(targets.map((t) => t.name))) {
    out.push({ code: 'name-case-clash', object: { database: group[0]! }, message: `databases ${group.join(', ')} differ only in case, and the target's lower_case_table_names makes them one`, fix: `${CASE_FIX}, or --rename all but one of them (--rename ${group[1]}=${group[1]}_2)` });
  }
  for (const t of targets) {
    const names = [...t.source.tables.map((tb) => tb.name), ...t.source.objects.filter((o) => o.kind === 'view').map((o) => o.name)];
    for (const group of clashes(names)) {
      out.push({ code: 'name-case-clash', object: { database: t.name, table: group[0]! }, message: `tables ${group.map((n) => `${t.name}.${n}`).join(', ')} differ only in case, and the target's lower_case_table_names makes them one table`, fix: `${CASE_FIX}, or leave all but one out (--ignore-table ${t.source.name}.${group[1]}) and load each of those on its own into another database (-T ${t.source.name}.${group[1]} -B ${t.name}_2)` });
    }
  }
  return out;
}

/** InnoDB's default row formats by what fits in them (index key prefixes, inline row size). */
const ROW_FORMAT_ROOM: Readonly<Record<string, number>> = { redundant: 0, compact: 1, dynamic: 2 };

/**
 * SHOW CREATE TABLE names no ROW_FORMAT where the table has its server's default: on a target whose
 * innodb_default_row_format differs, such a table would be created with another one — silently (a
 * COMPACT table keeps index keys to 767 bytes, rows to 8126 inline), or refused ('Row size too
 * large', error 1118) after other tables were created. Decided for the dump as a whole: the
 * manifest does not say which definitions name their row format.
 */
function rowFormatDiffers(plan: LoadPreflightPlan, facts: LoadFacts): Problem | null {
  const source = plan.manifest.session.innodbDefaultRowFormat;
  const target = facts.innodbDefaultRowFormat;
  if (!source || !target || source === target || plan.opts.restore.noSchema) return null;
  // a roomier default (COMPACT → DYNAMIC, as a migration from MySQL 5.6/5.7 wants) takes every row the
  // source held: only a tighter one changes what fits
  if ((ROW_FORMAT_ROOM[target] ?? 0) >= (ROW_FORMAT_ROOM[source] ?? 0)) return null;
  const innodb = (engine: string | null): boolean => (plan.opts.engine ?? engine ?? '').toLowerCase() === 'innodb';
  const tables = plan.targets.flatMap((t) => t.source.tables.filter((tb) => innodb(tb.engine)).map((tb) => `${t.name}.${tb.name}`));
  if (tables.length === 0) return null;
  return {
    code: 'setting-differs',
    object: {},
    message: `the source's innodb_default_row_format is ${source}, the target's ${target}: InnoDB tables whose definition names no ROW_FORMAT (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ` and ${tables.length - 3} more` : ''}) would be created ${target}, not ${source} as on the source`,
    fix: `SET GLOBAL innodb_default_row_format = ${source}; on the target for the load (set it back afterwards if you must: the tables keep theirs)`,
  };
}

/** Any of these lets an account create views, routines, triggers and events for another DEFINER. */
const DEFINER_PRIVILEGES = ['SUPER', 'SET USER', 'SET_USER_ID', 'SET_ANY_DEFINER'];

/** The dump's objects whose DEFINER is not the loading account (`user`@`host` and 'user'@'host' alike). */
function foreignDefiners(targets: LoadPreflightPlan['targets'], account: string): { kind: string; database: string; name: string; definer: string }[] {
  const plain = (a: string): string => a.replace(/[`']/g, '');
  const me = plain(account);
  return targets.flatMap((t) =>
    t.source.objects.filter((o) => !!o.definer && plain(o.definer) !== me && !/^CURRENT_USER\b/i.test(o.definer)).map((o) => ({ kind: o.kind, database: t.name, name: o.name, definer: o.definer! })),
  );
}

/** `fresh` with `ours`: a finished load of this dump into the target is replaced (--drop-table drop/truncate, another part): the objects there are its. */
type RunState = { readonly kind: 'fresh'; readonly ours?: boolean } | { readonly kind: 'resume' } | { readonly kind: 'done' } | { readonly kind: 'other-load'; readonly message: string };

/** What the run record of a target database means for this dump (as openProgress in resume-check.ts decides). */
function runState(run: RunRecord | null, dumpId: string, sourceDb: string, selection: string, dropTable: DropTableMode): RunState {
  if (!run) return { kind: 'fresh' };
  if (run.completedAt) {
    // the objects there are this dump's only if the finished load covered the same part of it
    const same = run.dumpId === dumpId && run.sourceDb === sourceDb && memoSelection(run) === selection;
    return same && (dropTable === 'fail' || dropTable === 'append') ? { kind: 'done' } : { kind: 'fresh', ours: same };
  }
  if (run.dumpId !== dumpId) return { kind: 'other-load', message: `the target holds an unfinished load of another dump (${run.dumpId}, from database ${run.sourceDb})` };
  if (run.sourceDb !== sourceDb) return { kind: 'other-load', message: `the target holds an unfinished load of source database ${run.sourceDb}, not ${sourceDb}` };
  return { kind: 'resume' };
}

/** The privileges a load of `db` needs on its target database. */
function neededPrivileges(db: DatabaseEntry, replacing: boolean): string[] {
  const need = ['CREATE', 'INSERT', 'SELECT'];
  // ALTER: deferred indexes and foreign keys, AUTO_INCREMENT (ALTER TABLE … ADD needs no INDEX privilege)
  if (db.tables.length > 0) need.push('ALTER');
  if (replacing) need.push('DROP');
  const kinds = new Set(db.objects.map((o) => o.kind));
  if (kinds.has('view')) need.push('CREATE VIEW');
  if (kinds.has('procedure') || kinds.has('function')) need.push('CREATE ROUTINE');
  if (kinds.has('trigger')) need.push('TRIGGER');
  if (kinds.has('event')) need.push('EVENT');
  return need;
}
