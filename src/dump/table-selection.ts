import type { Reporter } from '../core/events.js';
import { TsError } from '../core/errors.js';
import { SYSTEM_DATABASES, listDatabases, readObjects, readTables, type CatalogDatabase, type CatalogObject, type CatalogTable, type ViewReference } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import { PROGRESS_DB } from '../format/naming.js';
import type { SubsetLeftOut } from '../format/subset.js';
import type { DumpOptions } from './dump-options.js';

/** Something of a dumped database that the dump leaves out, and why (the manifest's subset.leftOut). */
export type LeftOut = SubsetLeftOut;

/** What a dump covers: the databases, tables and schema objects left after the filters. */
export interface Selection {
  readonly databases: CatalogDatabase[];
  readonly tables: CatalogTable[];
  readonly objects: CatalogObject[];
  /** Objects of the dumped databases the filters left out (tables, and what goes with them). */
  readonly leftOut: LeftOut[];
}

/** One database of the catalog, everything in it, before the filters. */
export interface DatabaseCatalog {
  readonly database: CatalogDatabase;
  readonly tables: readonly CatalogTable[];
  readonly objects: readonly CatalogObject[];
}

/**
 * Step 3: databases, tables and objects after the filters, read from the catalog. Refuses, naming
 * it, every filter that matches nothing (a typo must not give a dump of something else); warns
 * about each view left out and each view that reads a database outside the dump.
 */
export async function selectTables(control: Session, flavor: Flavor, opts: DumpOptions, reporter: Reporter): Promise<Selection> {
  const all = await listDatabases(control);
  const catalog: DatabaseCatalog[] = [];
  for (const db of databasesInScope(all, opts)) {
    catalog.push({ database: db, tables: await readTables(control, db.name, flavor), objects: await readObjects(control, db.name, flavor) });
  }
  const { selection, warnings } = applyFilters(catalog, opts);
  for (const w of warnings) reporter.emit({ kind: 'warning', message: w.message, database: w.database, table: w.name });
  return selection;
}

/**
 * The databases the filters look at: those named by -B and -T, else every database but the
 * system ones and tsload's progress database (dumped only when named).
 */
function databasesInScope(all: readonly CatalogDatabase[], opts: DumpOptions): CatalogDatabase[] {
  const named = new Set<string>([...opts.databases, ...opts.tables.map((t) => t.database)]);
  for (const name of named) {
    if (!all.some((d) => d.name === name)) {
      throw new TsError({ code: 'usage', message: `database '${name}' does not exist on the server, or this account has no privilege on it`, object: { database: name }, suggestion: 'check -B / -T (names are case-sensitive on most servers) and the account\'s grants (SHOW GRANTS)' });
    }
  }
  if (named.size > 0) return all.filter((d) => named.has(d.name));
  const skipped = [...SYSTEM_DATABASES, PROGRESS_DB] as readonly string[];
  return all.filter((d) => !skipped.includes(d.name.toLowerCase()));
}

interface Warning {
  readonly message: string;
  readonly database: string;
  readonly name: string;
}

const key = (database: string, name: string): string => `${database}\u0000${name}`;
const show = (database: string, name: string): string => `${database}.${name}`;

/**
 * The filters, as a pure function of the catalog. Rules:
 * - a base table is dumped when -T names it (or there is no -T), --ignore-table does not, and it
 *   matches -x and not --exclude-regex;
 * - a trigger goes with its table;
 * - with -T only the named tables and their triggers are dumped; otherwise views, sequences,
 *   routines and events of each dumped database are, except what --ignore-table names, and except
 *   a view that reads a table, view, sequence or function the filters left out (directly or through
 *   another view): such a view could not be created on load, so it is left out with a warning;
 * - a view reading something of a database outside the dump is kept, with a warning: the target
 *   must have it.
 */
export function applyFilters(catalog: readonly DatabaseCatalog[], opts: DumpOptions): { selection: Selection; warnings: Warning[] } {
  const onlyTables = opts.tables.length > 0;
  const scope = new Set(catalog.map((c) => c.database.name));
  const ignored = (db: string, name: string): boolean => opts.ignoreTables.some((r) => r.database === db && r.table === name);
  const leftOut: LeftOut[] = [];
  const warnings: Warning[] = [];
  const tables: CatalogTable[] = [];
  /** Table-namespace objects (tables, views, sequences) and functions that are in the dump. */
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

  const objects: CatalogObject[] = [];
  const views: CatalogObject[] = [];
  for (const { database, objects: all } of catalog) {
    for (const o of all) {
      const out = (reason: string): void => void leftOut.push({ database: database.name, kind: o.kind, name: o.name, reason });
      if (o.kind === 'trigger') {
        if (o.table !== undefined && kept.has(key(o.database, o.table))) objects.push(o);
        else out(`its table ${show(o.database, o.table ?? '?')} is left out`);
      } else if (onlyTables) {
        out('-T dumps only the tables it names and their triggers');
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

  // A view stays when everything it reads in the dump's databases stays; leaving one out may
  // strand views that read it, so repeat until nothing changes.
  const missing = (r: ViewReference): boolean => scope.has(r.database) && !(r.kind === 'function' ? keptFunctions : kept).has(key(r.database, r.name));
  let remaining = views;
  for (let changed = true; changed; ) {
    changed = false;
    const next: CatalogObject[] = [];
    for (const v of remaining) {
      const gone = (v.reads ?? []).find(missing);
      if (!gone) {
        next.push(v);
        continue;
      }
      changed = true;
      kept.delete(key(v.database, v.name));
      const what = `${gone.kind === 'function' ? 'function ' : ''}${show(gone.database, gone.name)}`;
      leftOut.push({ database: v.database, kind: 'view', name: v.name, reason: `reads ${what}, which the dump leaves out` });
      warnings.push({ database: v.database, name: v.name, message: `view ${show(v.database, v.name)} is left out: it reads ${what}, which the filters leave out (it could not be created on load); name it with --ignore-table to silence this` });
    }
    remaining = next;
  }
  for (const v of remaining) {
    const outside = (v.reads ?? []).filter((r) => !scope.has(r.database) && !(SYSTEM_DATABASES as readonly string[]).includes(r.database.toLowerCase()));
    if (outside.length > 0) {
      const names = outside.map((r) => `${r.kind === 'function' ? 'function ' : ''}${show(r.database, r.name)}`).join(', ');
      warnings.push({ database: v.database, name: v.name, message: `view ${show(v.database, v.name)} reads ${names}, of a database this dump does not hold: the target must have it when the dump is loaded` });
    }
  }
  objects.push(...remaining);

  refuseFiltersMatchingNothing(catalog, opts, tables);
  // With -T or -x, a database comes only for its tables (unless -B named it: then it must have one).
  const byTables = opts.tables.length > 0 || opts.include !== null;
  const databases = catalog.map((c) => c.database).filter((d) => !byTables || opts.databases.includes(d.name) || tables.some((t) => t.database === d.name));
  const dumped = new Set(databases.map((d) => d.name));
  return {
    selection: { databases, tables, objects: inCatalogOrder(catalog, objects).filter((o) => dumped.has(o.database)), leftOut: leftOut.filter((l) => dumped.has(l.database)) },
    warnings: warnings.filter((w) => dumped.has(w.database)),
  };
}

/**
 * Every filter must match something, or the dump is refused before anything is written, naming
 * each filter that matched nothing: -T and --ignore-table name existing tables (or views and
 * sequences) of the dumped databases, -x and --exclude-regex each decide for at least one table,
 * --where names a dumped table, and with -T or -x each -B database keeps a table.
 */
function refuseFiltersMatchingNothing(catalog: readonly DatabaseCatalog[], opts: DumpOptions, dumped: readonly CatalogTable[]): void {
  const problems: string[] = [];
  const tableOf = (db: string, name: string): CatalogTable | undefined => catalog.find((c) => c.database.name === db)?.tables.find((t) => t.name === name);
  const isDumped = (db: string, name: string): boolean => dumped.some((t) => t.database === db && t.name === name);
  const inScope = (db: string): boolean => catalog.some((c) => c.database.name === db);
  for (const r of opts.tables) {
    if (!tableOf(r.database, r.table)) problems.push(`-T ${show(r.database, r.table)}: no such table`);
    else if (!isDumped(r.database, r.table)) problems.push(`-T ${show(r.database, r.table)}: also left out by --ignore-table, -x or --exclude-regex`);
  }
  for (const r of opts.ignoreTables) {
    if (!inScope(r.database)) problems.push(`--ignore-table ${show(r.database, r.table)}: database ${r.database} is not in this dump`);
    else if (!tableOf(r.database, r.table) && !catalog.some((c) => c.objects.some((o) => (o.kind === 'view' || o.kind === 'sequence') && o.database === r.database && o.name === r.table))) {
      problems.push(`--ignore-table ${show(r.database, r.table)}: no such table, view or sequence`);
    }
  }
  const named = (t: CatalogTable): boolean => opts.tables.length === 0 || opts.tables.some((r) => r.database === t.database && r.table === t.name);
  const candidates = catalog.flatMap((c) => c.tables).filter((t) => named(t) && !opts.ignoreTables.some((r) => r.database === t.database && r.table === t.name));
  const full = (t: CatalogTable): string => show(t.database, t.name);
  if (opts.include && !candidates.some((t) => opts.include!.test(full(t)))) problems.push(`-x ${opts.include.source}: matches no table`);
  const included = candidates.filter((t) => !opts.include || opts.include.test(full(t)));
  if (opts.exclude && !included.some((t) => opts.exclude!.test(full(t)))) problems.push(`--exclude-regex ${opts.exclude.source}: matches no table${opts.include ? ' that -x keeps' : ''}`);
  for (const w of opts.where) {
    if (!tableOf(w.table.database, w.table.table)) problems.push(`--where ${show(w.table.database, w.table.table)}: no such table${inScope(w.table.database) ? '' : ` in the dumped databases`}`);
    else if (!isDumped(w.table.database, w.table.table)) problems.push(`--where ${show(w.table.database, w.table.table)}: the table is left out by the other filters`);
  }
  if (opts.tables.length > 0 || opts.include) {
    for (const db of opts.databases) {
      if (!dumped.some((t) => t.database === db)) problems.push(`-B ${db}: none of its tables passes ${opts.tables.length > 0 ? '-T' : '-x'}`);
    }
  }
  if (problems.length > 0) {
    throw new TsError({
      code: 'usage',
      message: `filter${problems.length > 1 ? 's' : ''} matching nothing: ${problems.join('; ')}`,
      suggestion: 'check the names (db.table, case-sensitive on most servers) and patterns (regular expressions on "db.table"); nothing was written',
    });
  }
}

/** Objects in the order the catalog listed them (views first, as readObjects reads them). */
function inCatalogOrder(catalog: readonly DatabaseCatalog[], objects: readonly CatalogObject[]): CatalogObject[] {
  const chosen = new Set(objects);
  return catalog.flatMap((c) => c.objects.filter((o) => chosen.has(o)));
}
