import type { Reporter } from '../core/events.js';
import { TsError } from '../core/errors.js';
import { SYSTEM_DATABASES, listDatabases, readObjects, readTables, type CatalogDatabase, type CatalogObject, type CatalogTable } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import { hiddenObjects } from '../db/hidden-objects.js';
import { describeMissing, type MissingEntry } from '../format/missing.js';
import type { Session } from '../db/session.js';
import { PROGRESS_DB } from '../format/naming.js';
import type { SubsetLeftOut } from '../format/subset.js';
import { applyFilters as applyTableFilters, type FilterWarning } from '../format/table-filter.js';
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
  /** What the account's privileges hide in the dumped databases (the manifest's `missing`). */
  readonly missing: MissingEntry[];
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
  const hidden: MissingEntry[] = [];
  // -T dumps no routines or events: only the triggers can be missing.
  const kinds = opts.tables.length > 0 ? (['trigger'] as const) : (['routine', 'trigger', 'event'] as const);
  for (const db of databasesInScope(all, opts)) {
    const objects = await readObjects(control, db.name, flavor);
    catalog.push({ database: db, tables: await readTables(control, db.name, flavor), objects });
    hidden.push(...(await hiddenObjects(control, db.name, objects, kinds)));
  }
  const { selection, warnings } = applyFilters(catalog, opts);
  for (const w of warnings) reporter.emit({ kind: 'warning', message: w.message, database: w.database, table: w.name });
  const dumped = new Set(selection.databases.map((d) => d.name));
  const missing = hidden.filter((m) => dumped.has(m.database));
  for (const m of missing) reporter.emit({ kind: 'warning', message: describeMissing(m), database: m.database });
  return { ...selection, missing };
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

/**
 * The filters, as a pure function of the catalog (format/table-filter.ts, shared with tsload).
 */
export function applyFilters(catalog: readonly DatabaseCatalog[], opts: DumpOptions): { selection: Selection; warnings: FilterWarning[] } {
  const { selection, warnings } = applyTableFilters(catalog, opts, { databaseFlag: '-B', action: 'dump' });
  return { selection: { ...selection, missing: [] }, warnings };
}
