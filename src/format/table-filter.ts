import { TsError } from '../core/errors.js';
import type { ObjectKind } from '../core/table-shape.js';
import type { ViewReference } from '../db/view-references.js';
import type { SubsetLeftOut } from './subset.js';

/**
 * The table filters tsdump and tsload share (-B / -s, -T, --ignore-table, -x, --exclude-regex), as
 * a pure function over "databases with their tables and objects": the dumper feeds it the server's
 * catalog, the loader the manifest. Same rules on both sides, so a filter means the same thing on
 * dump and on load.
 */
export interface TableRef {
  readonly database: string;
  readonly table: string;
}

export interface FilterTable {
  readonly database: string;
  readonly name: string;
}

export interface FilterObject {
  readonly database: string;
  readonly kind: ObjectKind;
  readonly name: string;
  readonly table?: string;
  /** Views: the tables, views, sequences and stored functions its body reads (any database). */
  readonly reads?: readonly ViewReference[];
}

export interface FilterDatabase<D extends { readonly name: string }, T extends FilterTable, O extends FilterObject> {
  readonly database: D;
  readonly tables: readonly T[];
  readonly objects: readonly O[];
}

export interface TableFilters {
  /** Databases named (-B on dump, -s on load). */
  readonly databases: readonly string[];
  readonly tables: readonly TableRef[];
  readonly ignoreTables: readonly TableRef[];
  readonly include: RegExp | null;
  readonly exclude: RegExp | null;
  /** Tables a --where names (dump only): each must be selected. */
  readonly where?: readonly { readonly table: TableRef }[];
}

/** How the messages name the side: the database flag and what is done with what is kept. */
export interface FilterWording {
  readonly databaseFlag: string;
  readonly action: 'dump' | 'load';
}

export interface FilterWarning {
  readonly message: string;
  readonly database: string;
  readonly name: string;
}

export interface FilteredSelection<D, T, O> {
  readonly databases: D[];
  readonly tables: T[];
  readonly objects: O[];
  /** Objects of the selected databases the filters left out (tables, and what goes with them). */
  readonly leftOut: SubsetLeftOut[];
}

const key = (database: string, name: string): string => `${database}\u0000${name}`;
const show = (database: string, name: string): string => `${database}.${name}`;
const SYSTEM = ['mysql', 'sys', 'information_schema', 'performance_schema'];

/**
 * The filters. Rules:
 * - a base table is kept when -T names it (or there is no -T), --ignore-table does not, and it
 *   matches -x and not --exclude-regex;
 * - a trigger goes with its table;
 * - with -T only the named tables and their triggers are kept; otherwise views, sequences,
 *   routines and events of each kept database are, except what --ignore-table names, and except
 *   a view that reads a table, view, sequence or function the filters left out (directly or through
 *   another view): such a view could not be created, so it is left out with a warning naming it;
 * - a view reading something of a database outside the selection is kept, with a warning: the
 *   target must have it.
 * Every filter must match something (refuseFiltersMatchingNothing).
 */
export function applyFilters<D extends { readonly name: string }, T extends FilterTable, O extends FilterObject>(
  catalog: readonly FilterDatabase<D, T, O>[],
  opts: TableFilters,
  wording: FilterWording,
): { selection: FilteredSelection<D, T, O>; warnings: FilterWarning[] } {
  const onlyTables = opts.tables.length > 0;
  const scope = new Set(catalog.map((c) => c.database.name));
  const ignored = (db: string, name: string): boolean => opts.ignoreTables.some((r) => r.database === db && r.table === name);
  const leftOut: SubsetLeftOut[] = [];
  const warnings: FilterWarning[] = [];
  const tables: T[] = [];
  /** Table-namespace objects (tables, views, sequences) and functions that are kept. */
  const kept = new Set<string>();
  const keptFunctions = new Set<string>();

  for (const { database, tables: all } of catalog) {
    for (const t of all) {
      const full = show(t.database, t.name);
      const reason = onlyTables && !opts.tables.some((r) => r.database === t.database && r.table === t.name)
        ? 'not named by -T'
        : ignored(t.database, t.name)
          ? '--ignore-table'
          : opts.include && !opts.include.test(full)
            ? `does not match -x ${opts.include.source}`
            : opts.exclude && opts.exclude.test(full)
              ? `matches --exclude-regex ${opts.exclude.source}`
              : null;
      if (reason) leftOut.push({ database: database.name, kind: 'table', name: t.name, reason });
      else {
        tables.push(t);
        kept.add(key(t.database, t.name));
      }
    }
  }

  const objects: O[] = [];
  const views: O[] = [];
  for (const { database, objects: all } of catalog) {
    for (const o of all) {
      const out = (reason: string): void => void leftOut.push({ database: database.name, kind: o.kind, name: o.name, reason });
      if (o.kind === 'trigger') {
        if (o.table !== undefined && kept.has(key(o.database, o.table))) objects.push(o);
        else out(`its table ${show(o.database, o.table ?? '?')} is left out`);
      } else if (onlyTables) {
        out(`-T ${wording.action === 'dump' ? 'dumps' : 'loads'} only the tables it names and their triggers`);
      } else if ((o.kind === 'view' || o.kind === 'sequence') && ignored(o.database, o.name)) {
        out('--ignore-table');
      } else if (o.kind === 'view') {
        views.push(o);
        kept.add(key(o.database, o.name));
      } else {
        objects.push(o);
        if (o.kind === 'sequence') kept.add(key(o.database, o.name));
        if (o.kind === 'function') keptFunctions.add(key(o.database, o.name));
      }
    }
  }

  // A view stays when everything it reads in the selected databases stays; leaving one out may
  // strand views that read it, so repeat until nothing changes.
  const missing = (r: ViewReference): boolean => scope.has(r.database) && !(r.kind === 'function' ? keptFunctions : kept).has(key(r.database, r.name));
  let remaining = views;
  for (let changed = true; changed; ) {
    changed = false;
    const next: O[] = [];
    for (const v of remaining) {
      const gone = (v.reads ?? []).find(missing);
      if (!gone) {
        next.push(v);
        continue;
      }
      changed = true;
      kept.delete(key(v.database, v.name));
      const what = `${gone.kind === 'function' ? 'function ' : ''}${show(gone.database, gone.name)}`;
      leftOut.push({ database: v.database, kind: 'view', name: v.name, reason: `reads ${what}, which the ${wording.action} leaves out` });
      warnings.push({
        database: v.database,
        name: v.name,
        message: wording.action === 'dump'
          ? `view ${show(v.database, v.name)} is left out: it reads ${what}, which the filters leave out (it could not be created on load); name it with --ignore-table to silence this`
          : `view ${show(v.database, v.name)} is not loaded: it reads ${what}, which the filters leave out (it could not be created); name it with --ignore-table to silence this`,
      });
    }
    remaining = next;
  }
  for (const v of remaining) {
    const outside = (v.reads ?? []).filter((r) => !scope.has(r.database) && !SYSTEM.includes(r.database.toLowerCase()));
    if (outside.length > 0) {
      const names = outside.map((r) => `${r.kind === 'function' ? 'function ' : ''}${show(r.database, r.name)}`).join(', ');
      warnings.push({
        database: v.database,
        name: v.name,
        message: `view ${show(v.database, v.name)} reads ${names}, of a database this ${wording.action} does not ${wording.action === 'dump' ? 'hold: the target must have it when the dump is loaded' : 'load: the target must have it'}`,
      });
    }
  }
  objects.push(...remaining);

  refuseFiltersMatchingNothing(catalog, opts, tables, wording);
  // With -T or -x, a database comes only for its tables (unless named: then it must have one).
  const byTables = opts.tables.length > 0 || opts.include !== null;
  const databases = catalog.map((c) => c.database).filter((d) => !byTables || opts.databases.includes(d.name) || tables.some((t) => t.database === d.name));
  const chosen = new Set(databases.map((d) => d.name));
  const inOrder = new Set<FilterObject>(objects);
  return {
    selection: {
      databases,
      tables,
      objects: catalog.flatMap((c) => c.objects.filter((o) => inOrder.has(o))).filter((o) => chosen.has(o.database)),
      leftOut: leftOut.filter((l) => chosen.has(l.database)),
    },
    warnings: warnings.filter((w) => chosen.has(w.database)),
  };
}

/**
 * Every filter must match something, or the run is refused before anything is written, naming
 * each filter that matched nothing: -T and --ignore-table name existing tables (or views and
 * sequences) of the selected databases, -x and --exclude-regex each decide for at least one table,
 * --where names a kept table, with -T or -x each named database keeps a table, and together they
 * keep some table of a catalog that has one.
 */
function refuseFiltersMatchingNothing<D extends { readonly name: string }, T extends FilterTable, O extends FilterObject>(
  catalog: readonly FilterDatabase<D, T, O>[],
  opts: TableFilters,
  kept: readonly T[],
  wording: FilterWording,
): void {
  const problems: string[] = [];
  const tableOf = (db: string, name: string): T | undefined => catalog.find((c) => c.database.name === db)?.tables.find((t) => t.name === name);
  const isKept = (db: string, name: string): boolean => kept.some((t) => t.database === db && t.name === name);
  const inScope = (db: string): boolean => catalog.some((c) => c.database.name === db);
  const where = wording.action === 'dump' ? 'dump' : 'selection';
  for (const r of opts.tables) {
    if (!tableOf(r.database, r.table)) problems.push(`-T ${show(r.database, r.table)}: no such table${wording.action === 'load' ? ' in the dump' : ''}`);
    else if (!isKept(r.database, r.table)) problems.push(`-T ${show(r.database, r.table)}: also left out by --ignore-table, -x or --exclude-regex`);
  }
  for (const r of opts.ignoreTables) {
    if (!inScope(r.database)) problems.push(`--ignore-table ${show(r.database, r.table)}: database ${r.database} is not in this ${where}`);
    else if (!tableOf(r.database, r.table) && !catalog.some((c) => c.objects.some((o) => (o.kind === 'view' || o.kind === 'sequence') && o.database === r.database && o.name === r.table))) {
      problems.push(`--ignore-table ${show(r.database, r.table)}: no such table, view or sequence`);
    }
  }
  const named = (t: T): boolean => opts.tables.length === 0 || opts.tables.some((r) => r.database === t.database && r.table === t.name);
  const candidates = catalog.flatMap((c) => c.tables).filter((t) => named(t) && !opts.ignoreTables.some((r) => r.database === t.database && r.table === t.name));
  const full = (t: T): string => show(t.database, t.name);
  if (opts.include && !candidates.some((t) => opts.include!.test(full(t)))) problems.push(`-x ${opts.include.source}: matches no table`);
  const included = candidates.filter((t) => !opts.include || opts.include.test(full(t)));
  if (opts.exclude && !included.some((t) => opts.exclude!.test(full(t)))) problems.push(`--exclude-regex ${opts.exclude.source}: matches no table${opts.include ? ' that -x keeps' : ''}`);
  for (const w of opts.where ?? []) {
    if (!tableOf(w.table.database, w.table.table)) problems.push(`--where ${show(w.table.database, w.table.table)}: no such table${inScope(w.table.database) ? '' : ` in the dumped databases`}`);
    else if (!isKept(w.table.database, w.table.table)) problems.push(`--where ${show(w.table.database, w.table.table)}: the table is left out by the other filters`);
  }
  if (opts.tables.length > 0 || opts.include) {
    for (const db of opts.databases) {
      if (!kept.some((t) => t.database === db)) problems.push(`${wording.databaseFlag} ${db}: none of its tables passes ${opts.tables.length > 0 ? '-T' : '-x'}`);
    }
  }
  const filtered = opts.tables.length > 0 || opts.ignoreTables.length > 0 || opts.include !== null || opts.exclude !== null;
  if (problems.length === 0 && filtered && kept.length === 0 && catalog.some((c) => c.tables.length > 0)) {
    throw new TsError({
      code: 'usage',
      message: `the filters together leave out every table of the ${where} (-T, --ignore-table, -x, --exclude-regex)`,
      suggestion: `check the patterns (regular expressions on "db.table") and names; for the views, routines, triggers and events alone, pass --no-data without the table filters; nothing was ${wording.action === 'dump' ? 'written' : 'loaded'}`,
    });
  }
  if (problems.length > 0) {
    throw new TsError({
      code: 'usage',
      message: `filter${problems.length > 1 ? 's' : ''} matching nothing: ${problems.join('; ')}`,
      suggestion: `check the names (db.table, case-sensitive on most servers) and patterns (regular expressions on "db.table"); nothing was ${wording.action === 'dump' ? 'written' : 'loaded'}`,
    });
  }
}
