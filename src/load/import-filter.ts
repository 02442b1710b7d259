/**
 * Script import, step 2b, selectImport: the part of another tool's dump to load (-s, -T,
 * --ignore-table, -x, --exclude-regex, --no-data, --no-schema), by the rules of our own dumps'
 * restores (restore-filter.ts): format/table-filter.ts's applyFilters over the plan's databases,
 * tables and objects. A trigger goes with its table; a view reading a table, view or function that
 * is not loaded is skipped with a warning naming it; a filter matching nothing is refused (listing
 * what the dump holds); routines and events of a database not selected are not loaded. The filters
 * name the dump's databases (before -B / --rename); a one-database file's unnamed database goes by
 * the name its header comment gives (`-- Host: … Database: shop`), else by -B's.
 *
 * The result is the plan with only what is loaded — every later step sees just that: the tables
 * (their batches emptied under --no-data; sequences left out under --no-schema, which creates
 * nothing) and the object phase's statements of the selected objects and databases.
 */
import { createHash } from 'node:crypto';
import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import type { ObjectKind } from '../core/table-shape.js';
import { dumpedViewReferenceCandidates, type ViewReference } from '../db/view-references.js';
import type { PlannedDatabase, PlannedTable, ScriptPlan, ScriptText } from '../format/script-plan.js';
import { normalizeHead } from '../format/sql-classify.js';
import { applyFilters, type FilterDatabase, type FilteredSelection } from '../format/table-filter.js';
import { PROGRESS_DB } from '../format/naming.js';
import type { LoadOptions, RestoreOptions } from './load-options.js';
import { hasFilters, isPartial } from './restore-filter.js';

interface ImportTable {
  readonly database: string;
  readonly name: string;
  readonly planned: PlannedTable;
}

interface ImportObject {
  readonly database: string;
  readonly kind: ObjectKind;
  readonly name: string;
  readonly table?: string;
  readonly reads?: readonly ViewReference[];
}

interface NamedDatabase {
  readonly name: string;
  readonly planned: PlannedDatabase;
}

const objectKey = (db: string, kind: string, name: string): string => `${db}\u0000${kind}\u0000${name}`;

/** The name a database of the plan goes by in the filters (see the header). */
function filterName(plan: ScriptPlan, d: PlannedDatabase, opts: LoadOptions): string {
  return d.name ?? plan.commentDatabase ?? opts.targetDatabase ?? '';
}

/** The databases of the plan that hold something: the ones an import loads (import-load.ts planImportTargets, a drill's scratch names). */
export function importedDatabases(plan: ScriptPlan): PlannedDatabase[] {
  return plan.databases.filter((d) => d.tables.length > 0 || d.create !== null || plan.objects.some((o) => o.database === d.name && o.what.kind === 'object'));
}

/** What the dump holds, for the message of a filter that matches nothing. */
function holdings(plan: ScriptPlan, opts: LoadOptions): string {
  const MAX = 12;
  const dbs = importedDatabases(plan).map((d) => {
    const tables = d.tables.filter((t) => t.kind === 'table').map((t) => t.name);
    const shown = tables.length > MAX ? `${tables.slice(0, MAX).join(', ')}, … (${tables.length} tables)` : tables.join(', ') || 'no table';
    return `${filterName(plan, d, opts)} (${shown})`;
  });
  return dbs.join('; ') || 'nothing';
}

export function selectImport(plan: ScriptPlan, opts: LoadOptions, reporter: Reporter): ScriptPlan {
  const r = opts.restore;
  if (!isPartial(r)) return plan;
  const dbs: NamedDatabase[] = importedDatabases(plan).map((d) => ({ name: filterName(plan, d, opts), planned: d }));
  if (hasFilters(r.filters) && dbs.some((d) => d.name === '')) {
    throw new TsError({ code: 'usage', message: 'the file holds one database without its name (dumped without --databases, and its header does not name it): the filters cannot name it', suggestion: 'name the target database: -B NAME, and the tables as NAME.table' });
  }
  const f = r.filters;
  const named = new Set([...f.databases, ...f.tables.map((t) => t.database)]);
  for (const name of named) {
    if (!dbs.some((d) => d.name === name)) {
      throw new TsError({
        code: 'usage',
        message: `database '${name}' is not in the dump (it holds ${dbs.map((d) => d.name).join(', ') || 'no database'})`,
        object: { database: name },
        suggestion: 'check -s / -T: they name the databases and tables of the dump, as it names them (before any -B / --rename); nothing was loaded',
      });
    }
  }
  const byName = new Map(dbs.map((d) => [d.planned.name, d.name] as const));
  const existing = readable(plan, byName);
  const catalog = dbs.filter((d) => named.size === 0 || named.has(d.name)).map((d) => catalogOf(plan, d, existing));
  const selection = filtered(catalog, r, () => holdings(plan, opts), reporter);
  const keptTables = new Set(selection.tables.map((t) => t.planned));
  const keptObjects = new Set(selection.objects.map((o) => objectKey(o.database, o.kind, o.name)));
  const keptTableNames = new Set(selection.tables.map((t) => objectKey(t.database, 'table', t.name)));
  const keptDatabases = new Set(selection.databases.map((d) => d.planned));
  const databases = plan.databases.filter((d) => keptDatabases.has(d)).map((d): PlannedDatabase => {
    const db = byName.get(d.name)!;
    const tables = d.tables.filter((t) => (t.kind === 'table' ? keptTables.has(t) : !r.noSchema && keptObjects.has(objectKey(db, 'sequence', t.name))));
    return { ...d, tables: r.noData ? tables.map(withoutData) : tables };
  });
  const sourceNames = new Set(databases.map((d) => d.name));
  const objects = plan.objects.filter((o) => {
    if (!sourceNames.has(o.database)) return false;
    // phpMyAdmin's keys, AUTO_INCREMENT and foreign keys (ALTER TABLE after the data) go with their table
    if (o.what.kind === 'alter-table') return keptTableNames.has(objectKey(byName.get(o.what.database ?? o.database) ?? '', 'table', o.what.table));
    if (o.what.kind !== 'object') return true;
    return keptObjects.has(objectKey(byName.get(o.database)!, o.what.object, o.what.name));
  });
  return { ...plan, databases, objects: r.noSchema ? [] : objects };
}

/** applyFilters, its warnings reported (none under --no-schema: it creates no view), a refusal saying what the dump holds. */
function filtered(catalog: readonly FilterDatabase<NamedDatabase, ImportTable, ImportObject>[], r: RestoreOptions, holds: () => string, reporter: Reporter): FilteredSelection<NamedDatabase, ImportTable, ImportObject> {
  try {
    const { selection, warnings } = applyFilters(catalog, r.filters, { databaseFlag: '-s', action: 'load' });
    if (!r.noSchema) for (const w of warnings) reporter.emit({ kind: 'warning', message: w.message, database: w.database, table: w.name });
    return selection;
  } catch (e) {
    if (!(e instanceof TsError) || e.code !== 'usage') throw e;
    throw new TsError({ code: 'usage', message: e.message, suggestion: `the dump holds: ${holds()}. ${e.suggestion ?? ''}`.trim() });
  }
}

function withoutData(t: PlannedTable): PlannedTable {
  return { ...t, batches: [], rows: 0, bytes: 0 };
}

/** What can be read in the dump (tables, views, sequences; functions), by filter names: a view's reads are matched against it. */
function readable(plan: ScriptPlan, byName: ReadonlyMap<string | null, string>): Set<string> {
  const existing = new Set<string>();
  for (const x of plan.databases) {
    const name = byName.get(x.name);
    if (name === undefined) continue;
    for (const t of x.tables) existing.add(objectKey(name, 'table', t.name));
  }
  for (const o of plan.objects) {
    const name = byName.get(o.database);
    if (name === undefined || o.what.kind !== 'object' || o.what.drop) continue;
    if (o.what.object === 'view') existing.add(objectKey(name, 'table', o.what.name));
    if (o.what.object === 'function') existing.add(objectKey(name, 'function', o.what.name));
  }
  return existing;
}

/** One database of the plan as applyFilters reads it: base tables; sequences and the object phase's objects. */
function catalogOf(plan: ScriptPlan, d: NamedDatabase, existing: ReadonlySet<string>): FilterDatabase<NamedDatabase, ImportTable, ImportObject> {
  const objects: ImportObject[] = d.planned.tables.filter((t) => t.kind === 'sequence').map((t) => ({ database: d.name, kind: 'sequence', name: t.name }));
  const views = new Map<string, ViewReference[]>();
  for (const o of plan.objects) {
    const w = o.what;
    if (o.database !== d.planned.name || w.kind !== 'object' || w.drop) continue;
    const name = w.name;
    if (w.object === 'view') {
      // mysqldump creates a stand-in view first (SELECT 1 AS …), the real one later: the reads of both
      let reads = views.get(name);
      if (!reads) {
        reads = [];
        views.set(name, reads);
        objects.push({ database: d.name, kind: 'view', name, reads });
      }
      reads.push(...viewReads(o, d.name).filter((x) => existing.has(objectKey(x.database, x.kind, x.name)) && !(x.database === d.name && x.name === name && x.kind === 'table')));
    } else if (!objects.some((x) => x.kind === w.object && x.name === name)) {
      objects.push({ database: d.name, kind: w.object, name, ...(w.on !== null ? { table: w.on } : {}) });
    }
  }
  return { database: d, tables: d.planned.tables.filter((t) => t.kind === 'table').map((t) => ({ database: d.name, name: t.name, planned: t })), objects };
}

/**
 * A view's reads, from its text: qualified names, and unqualified ones of its own database
 * (mysqldump and mydumper print the view as SHOW CREATE VIEW gives it in that database); mysqldump
 * wraps it in version comments (`/*!50001 …`), which the reader would skip as comments.
 */
function viewReads(o: ScriptText, database: string): ViewReference[] {
  return dumpedViewReferenceCandidates(normalizeHead(Buffer.from(o.text, 'latin1').toString('utf8')), database);
}

/**
 * What a partial import covers, recorded with its run (runs.options) and compared on resume: the
 * selection's fingerprint per target database, --no-data / --no-schema, and the filters as given
 * (only to name them in a refusal). A full import records 'all'.
 */
export const IMPORT_SELECTION = ['--no-data', '--no-schema', 'selection'] as const;

export function importSelection(d: PlannedDatabase, objects: readonly ScriptText[], r: RestoreOptions): Record<string, string> {
  const out: Record<string, string> = { '--no-data': r.noData ? 'on' : 'off', '--no-schema': r.noSchema ? 'on' : 'off', selection: 'all' };
  if (!hasFilters(r.filters)) return out;
  const parts = [...d.tables.map((t) => `t:${t.name}`), ...objects.flatMap((o) => (o.database === d.name && o.what.kind === 'object' && !o.what.drop ? [`${o.what.object}:${o.what.name}`] : []))];
  out.selection = `part:${createHash('sha256').update([...new Set(parts)].sort().join('\u0000')).digest('hex').slice(0, 32)}`;
  out.filters = filterText(r).slice(0, 600);
  return out;
}

/** The filters as a command line would give them. */
export function filterText(r: RestoreOptions): string {
  const f = r.filters;
  const parts = [
    ...f.databases.map((d) => `-s ${d}`),
    ...(f.tables.length > 0 ? [`-T ${f.tables.map((t) => `${t.database}.${t.table}`).join(',')}`] : []),
    ...f.ignoreTables.map((t) => `--ignore-table ${t.database}.${t.table}`),
    ...(f.include ? [`-x ${f.include.source}`] : []),
    ...(f.exclude ? [`--exclude-regex ${f.exclude.source}`] : []),
  ];
  return parts.join(' ') || 'no table filters';
}

/** The first way a resumed run's selection differs from the one recorded, as "with … / without …"; null: the same (or nothing recorded). */
export function differingSelection(recorded: Readonly<Record<string, string>> | null | undefined, now: Record<string, string>): { option: string; first: string; now: string } | null {
  const first = (k: string): string => recorded?.[k] ?? (k === 'selection' ? 'all' : 'off');
  for (const k of IMPORT_SELECTION) {
    if (first(k) === now[k]) continue;
    if (k !== 'selection') return { option: k, first: `${first(k) === 'on' ? 'with' : 'without'} ${k}`, now: `${now[k] === 'on' ? 'with' : 'without'} ${k}` };
    return { option: '-s, -T, --ignore-table, -x, --exclude-regex', first: `with ${recorded?.filters ?? 'no table filters'}`, now: `with ${now.filters ?? 'no table filters'}` };
  }
  return null;
}

export function selectionDiffers(targetDb: string, d: { option: string; first: string; now: string }): TsError {
  return new TsError({
    code: 'usage',
    message: `database ${targetDb} holds an unfinished load of another part of this dump (${d.option}): the interrupted run was ${d.first}, this one is ${d.now}`,
    object: { database: targetDb },
    suggestion: `rerun ${d.first} to finish that load; to load another part instead, drop database ${targetDb} (or the tables that load created) and delete its rows from ${PROGRESS_DB}.runs/progress/steps, then load again. Nothing was changed`,
  });
}
