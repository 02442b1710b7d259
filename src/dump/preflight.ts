/**
 * The dump's preflight: everything that would make the dump fail, decided from gathered facts
 * (preflight-facts.ts) before anything is created on disk. Pure, so every rule is unit-testable.
 * Runs before every dump and under --dry-run; returns every problem, each with its fix.
 */
import { quoteIdent } from '../core/ident.js';
import type { Problem } from '../core/problem.js';
import { formatBytes } from '../core/sizes.js';
import type { Flavor } from '../db/flavor.js';
import { allowsAny, type GrantSet } from '../db/privileges.js';
import type { DumpOptions } from './dump-options.js';
import type { Selection } from './table-selection.js';

export interface DumpFacts {
  readonly flavor: Flavor;
  readonly grants: GrantSet;
  readonly binlogOn: boolean;
  /** The filters' selection, or the problem that they match nothing. */
  readonly selection: Selection | Problem;
  /** Each --where condition the server refuses (an unknown column, a syntax error), as it said. */
  readonly where: readonly Problem[];
  /** Why the output cannot take this dump (not empty, not ours, unusable), or null. */
  readonly output: Problem | null;
  readonly compressionAvailable: boolean;
}

/** Above this many tables of one database without SELECT, one database-wide GRANT is the fix. */
const TABLES_LISTED = 5;

export function preflightDump(opts: Pick<DumpOptions, 'lockMode' | 'compression' | 'noData' | 'allowInconsistent' | 'coordinates'>, facts: DumpFacts): Problem[] {
  const problems: Problem[] = [];
  const { grants, selection } = facts;
  if ('code' in selection) problems.push(selection);
  else if (grants.complete) problems.push(...selectionPrivileges(selection, grants, opts.noData));
  problems.push(...facts.where);
  if (grants.complete) {
    const lock = opts.lockMode;
    // auto falls back to the verified lock-free snapshot without RELOAD (with a warning)
    if ((lock === 'ftwrl' || lock === 'backup-stage') && !allowsAny(grants, ['RELOAD'], null)) {
      problems.push({
        code: 'privilege',
        object: {},
        message: `cannot take the global read lock (--lock-mode ${lock}): the account ${grants.account} lacks RELOAD`,
        fix: `GRANT RELOAD ON *.* TO ${grants.account}; or use --lock-mode no-lock (exact coordinates are still verified)`,
      });
    }
    // without the lock, snapshots are proven identical from the binary log (snapshot-step.ts)
    const lockFree = lock === 'no-lock' || (lock === 'auto' && !allowsAny(grants, ['RELOAD'], null));
    if (lockFree && !facts.binlogOn && !opts.allowInconsistent && !opts.noData) {
      problems.push({
        code: 'snapshot-unverifiable',
        object: {},
        message: `a lock-free snapshot${lock === 'auto' ? ' (the account lacks RELOAD for the global lock)' : ''} cannot be proven consistent: binary logging is off on the server`,
        fix: `GRANT RELOAD ON *.* TO ${grants.account}; (and --lock-mode ftwrl), or accept an unverified snapshot with --allow-inconsistent (marked in the manifest)`,
      });
    }
    const binlog = facts.flavor.binlogStatusPrivileges;
    // MariaDB gives every snapshot its own coordinates without a privilege (snapshot-step.ts); on
    // MySQL they are not needed with --no-coordinates under the lock, nor lock-free with --allow-inconsistent.
    const positionNeeded = !facts.flavor.hasSnapshotCoordinates && (lockFree ? !opts.allowInconsistent : opts.coordinates);
    if (facts.binlogOn && positionNeeded && !allowsAny(grants, binlog, null)) {
      problems.push({
        code: 'privilege',
        object: {},
        message: `reading the binary log position needs ${binlog.slice(0, -1).join(' or ')} (the coordinates of the snapshot, and the proof of a lock-free one): the account ${grants.account} has none`,
        fix: `GRANT ${binlog[0]} ON *.* TO ${grants.account}; or dump without coordinates: --no-coordinates (under the lock) or --allow-inconsistent (lock-free)`,
      });
    }
  }
  if (opts.lockMode === 'backup-stage' && !facts.flavor.hasBackupStage) {
    problems.push({ code: 'unsupported', object: {}, message: `--lock-mode backup-stage needs MariaDB 10.4 or newer; this server is ${facts.flavor.kind} ${facts.flavor.version}`, fix: 'use --lock-mode auto (or ftwrl)' });
  }
  if (!facts.compressionAvailable) {
    problems.push({ code: 'compression-unavailable', object: {}, message: `-c ${opts.compression} is not available in this Node.js`, fix: 'run tsdump with Node.js 22.15 or newer (make brings one), or use -c gzip' });
  }
  if (facts.output) problems.push(facts.output);
  return problems;
}

/** SELECT on every table dumped (its rows; with --no-data its definition), SHOW VIEW, TRIGGER, EVENT for those objects. */
function selectionPrivileges(selection: Selection, grants: GrantSet, noData: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const db of selection.databases) {
    const tables = selection.tables.filter((t) => t.database === db.name);
    const unreadable = tables.filter((t) => !allowsAny(grants, ['SELECT'], t.database, t.name));
    if (unreadable.length > TABLES_LISTED) {
      problems.push({
        code: 'privilege',
        object: { database: db.name },
        message: `the account ${grants.account} lacks SELECT on ${unreadable.length} table(s) of database ${db.name} (${unreadable.slice(0, TABLES_LISTED).map((t) => t.name).join(', ')}${unreadable.length > TABLES_LISTED ? ', …' : ''})`,
        fix: `GRANT SELECT ON ${quoteIdent(db.name)}.* TO ${grants.account};${noData ? '' : ' or leave them out with --ignore-table'}`,
      });
    } else {
      for (const t of unreadable) {
        problems.push({
          code: 'privilege',
          object: { database: t.database, table: t.name },
          message: `the account ${grants.account} lacks SELECT on table ${t.database}.${t.name}`,
          fix: `GRANT SELECT ON ${quoteIdent(t.database)}.${quoteIdent(t.name)} TO ${grants.account}; or leave it out with --ignore-table ${t.database}.${t.name}`,
        });
      }
    }
    const kinds = new Set(selection.objects.filter((o) => o.database === db.name).map((o) => o.kind));
    const need = [kinds.has('view') ? 'SHOW VIEW' : null, kinds.has('trigger') ? 'TRIGGER' : null, kinds.has('event') ? 'EVENT' : null].filter((p): p is string => p !== null);
    const missing = need.filter((p) => !allowsAny(grants, [p], db.name));
    if (missing.length > 0) {
      problems.push({
        code: 'privilege',
        object: { database: db.name },
        message: `the account ${grants.account} lacks ${missing.join(', ')} on database ${db.name}, needed to read the definitions of its ${missing.map((p) => ({ 'SHOW VIEW': 'views', TRIGGER: 'triggers', EVENT: 'events' })[p]).join(', ')}`,
        fix: `GRANT ${missing.join(', ')} ON ${quoteIdent(db.name)}.* TO ${grants.account};`,
      });
    }
  }
  return problems;
}

/** Step 2 under --dry-run: what the dump would cover, in plain lines. */
export function describeDumpPlan(selection: Selection, opts: Pick<DumpOptions, 'output' | 'format' | 'compression' | 'lockMode' | 'threads' | 'noData' | 'noSchema'>): string[] {
  const where = opts.output.kind === 'local' ? opts.output.dir : `s3://${opts.output.bucket}/${opts.output.prefix}`;
  const lines = [`dry run: would dump ${selection.tables.length} table(s) and ${selection.objects.length} other object(s) of ${selection.databases.length} database(s) to ${where} (${opts.noData ? 'schema only' : `${opts.format}, compression ${opts.compression}`}${opts.noSchema ? ', data only' : ''}), --lock-mode ${opts.lockMode}, ${opts.threads} thread(s); nothing will be written`];
  for (const db of selection.databases) {
    const tables = selection.tables.filter((t) => t.database === db.name);
    lines.push(`database ${db.name}: ${tables.length} table(s)`);
    for (const t of [...tables].sort((a, b) => b.dataLength - a.dataLength)) lines.push(`  table ${t.name}: ~${t.rowsEstimate} rows, ~${formatBytes(t.dataLength)}`);
  }
  return lines;
}

/**
 * Objects the account cannot see are not in the catalog, so the dump would leave them out without
 * a word: information_schema lists triggers only to holders of TRIGGER, events only to holders of
 * EVENT. Not a problem (there may be none), but worth a warning.
 */
export function invisibleObjects(selection: Selection, grants: GrantSet, onlyTables: boolean): string[] {
  if (!grants.complete) return [];
  const out: string[] = [];
  for (const db of selection.databases) {
    const blind = [!allowsAny(grants, ['TRIGGER'], db.name) ? 'triggers (no TRIGGER privilege)' : null, !onlyTables && !allowsAny(grants, ['EVENT'], db.name) ? 'events (no EVENT privilege)' : null].filter((x): x is string => x !== null);
    if (blind.length > 0) out.push(`database ${db.name}: this account cannot see its ${blind.join(' or ')}; any there are would be left out of the dump (GRANT ${blind.map((b) => (b.startsWith('triggers') ? 'TRIGGER' : 'EVENT')).join(', ')} ON ${quoteIdent(db.name)}.* TO ${grants.account})`);
  }
  return out;
}
