import type { Reporter } from '../core/events.js';
import { TsError } from '../core/errors.js';
import { SYSTEM_DATABASES, listDatabases, readObjects, readTables, type CatalogDatabase, type CatalogObject, type CatalogTable, type ViewReference } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import type { ObjectFileKind } from '../format/naming.js';
import type { DumpOptions } from './dump-options.js';

/** Something of a dumped database that the dump leaves out, and why. */
export interface LeftOut {
  readonly database: string;
  readonly kind: ObjectFileKind;
  readonly name: string;
  readonly reason: string;
}

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
 * Step 3: databases, tables and objects after the filters, read from the catalog. Refuses filters
 * that name what does not exist; warns about each view left out and each view that reads a
 * database outside the dump.
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

/** The databases the filters look at: those named by -B and -T, else every non-system database. */
function databasesInScope(all: readonly CatalogDatabase[], opts: DumpOptions): CatalogDatabase[] {
  const named = new Set<string>([...opts.databases, ...opts.tables.map((t) => t.database)]);
  for (const name of named) {
    if (!all.some((d) => d.name === name)) {
      throw new TsError({ code: 'usage', message: `database '${name}' does not exist on the server, or this account has no privilege on it`, object: { database: name }, suggestion: 'check -B / -T (names are case-sensitive on most servers) and the account\'s grants (SHOW GRANTS)' });
    }
  }
  if (named.size > 0) return all.filter((d) => named.has(d.name));
  return all.filter((d) => !(SYSTEM_DATABASES as readonly string[]).includes(d.name.toLowerCase()));
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
  for (const r of opts.tables) {
    if (!tables.some((t) => t.database === r.database && t.name === r.table)) {
      throw new TsError({ code: 'usage', message: `table ${r.database}.${r.table} does not exist`, object: { database: r.database, table: r.table }, suggestion: 'check -T (db.table, names are case-sensitive)' });
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

  const databases = catalog.map((c) => c.database);
  return { selection: { databases, tables, objects: inCatalogOrder(catalog, objects), leftOut }, warnings };
}

/** Objects in the order the catalog listed them (views first, as readObjects reads them). */
function inCatalogOrder(catalog: readonly DatabaseCatalog[], objects: readonly CatalogObject[]): CatalogObject[] {
  const chosen = new Set(objects);
  return catalog.flatMap((c) => c.objects.filter((o) => chosen.has(o)));
}
