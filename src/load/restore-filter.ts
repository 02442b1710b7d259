import { createHash } from 'node:crypto';
import type { Reporter } from '../core/events.js';
import { TsError } from '../core/errors.js';
import { viewReferenceCandidates, type ViewReference } from '../db/view-references.js';
import type { DatabaseEntry, Manifest, ObjectEntry, TableEntry } from '../format/manifest.js';
import type { SubsetLeftOut } from '../format/subset.js';
import { applyFilters, type FilterDatabase, type TableFilters } from '../format/table-filter.js';
import type { DumpStore } from '../storage/dump-store.js';
import { readSchemaFile } from './dump-reader.js';
import type { RestoreOptions } from './load-options.js';
import type { RunRecord } from './progress-store.js';

/**
 * Step 2a, selectRestore: the part of the dump to load (-s, -T, --ignore-table, -x,
 * --exclude-regex), by the same rules as tsdump's filters (format/table-filter.ts), applied to the
 * manifest. A trigger goes with its table; a view that reads a table, view or function that is not
 * loaded is skipped with a warning naming it; a filter that matches nothing is refused. The result
 * is the manifest with only what is loaded: every later step sees just that.
 */
export function hasFilters(f: TableFilters): boolean {
  return f.databases.length > 0 || f.tables.length > 0 || f.ignoreTables.length > 0 || f.include !== null || f.exclude !== null;
}

/**
 * A load of less than the whole dump (filters, --no-data, --no-schema): its run records which part it
 * loads (selectionFingerprint), so its "this dump is loaded" memo stands only for the same part.
 */
export function isPartial(r: RestoreOptions): boolean {
  return hasFilters(r.filters) || r.noData || r.noSchema;
}

/**
 * What a load of one database covers, as a short text (recorded as the `selection` step of a
 * partial load): a resume with other filters would finish another selection than it started.
 * A full load (restore null, or nothing partial) records none and reads as 'all'.
 */
export function selectionFingerprint(db: DatabaseEntry, r: RestoreOptions | null): string {
  if (r === null || !isPartial(r)) return 'all';
  const parts = [...db.tables.map((t) => `t:${t.name}`), ...db.objects.map((o) => `${o.kind}:${o.name}`)].sort();
  const h = createHash('sha256').update(parts.join('\u0000')).update(`|${r.noData}|${r.noSchema}`).digest('hex');
  return `part:${h.slice(0, 32)}`;
}

/** The key of a run's options (tsload_progress.runs) recording the part of the dump it loads. */
export const SELECTION_OPTION = 'selection';

/** The part of the dump a run loads ('all' for a run recorded before a part's memo was kept). */
export function memoSelection(run: Pick<RunRecord, 'options'>): string {
  return run.options?.[SELECTION_OPTION] ?? 'all';
}

interface LoadTable {
  readonly database: string;
  readonly name: string;
  readonly entry: TableEntry;
}

interface LoadObject {
  readonly database: string;
  readonly kind: ObjectEntry['kind'];
  readonly name: string;
  readonly table?: string;
  readonly reads?: readonly ViewReference[];
  readonly entry: ObjectEntry;
}

export interface RestoreSelection {
  readonly manifest: Manifest;
  /** What the filters leave out of the dump's databases, with the reason. */
  readonly leftOut: readonly SubsetLeftOut[];
}

export async function selectRestore(manifest: Manifest, store: DumpStore, filters: TableFilters, reporter: Reporter): Promise<RestoreSelection> {
  if (!hasFilters(filters)) return { manifest, leftOut: [] };
  const named = new Set([...filters.databases, ...filters.tables.map((t) => t.database)]);
  for (const name of named) {
    if (!manifest.databases.some((d) => d.name === name)) {
      throw new TsError({
        code: 'usage',
        message: `database '${name}' is not in the dump (it holds ${manifest.databases.map((d) => d.name).join(', ') || 'no database'})`,
        object: { database: name },
        suggestion: 'check -s / -T: they name databases and tables of the dump, as tsdump wrote them (before any --rename); nothing was loaded',
      });
    }
  }
  const inScope = manifest.databases.filter((d) => named.size === 0 || named.has(d.name));
  const existing = new Set<string>();
  const k = (kind: string, d: string, n: string): string => `${kind}\0${d}\0${n}`;
  for (const d of manifest.databases) {
    for (const t of d.tables) existing.add(k('table', d.name, t.name));
    for (const o of d.objects) {
      if (o.kind === 'view' || o.kind === 'sequence') existing.add(k('table', d.name, o.name));
      if (o.kind === 'function') existing.add(k('function', d.name, o.name));
    }
  }
  const catalog: FilterDatabase<DatabaseEntry, LoadTable, LoadObject>[] = [];
  for (const d of inScope) {
    const objects: LoadObject[] = [];
    for (const o of d.objects) {
      // A view's reads come from its text: the server qualifies every table and function there.
      const reads = o.kind === 'view' ? viewReferenceCandidates(await readSchemaFile(store, o.file)).filter((r) => existing.has(k(r.kind, r.database, r.name)) && !(r.database === d.name && r.name === o.name)) : undefined;
      objects.push({ database: d.name, kind: o.kind, name: o.name, ...(o.table !== undefined ? { table: o.table } : {}), ...(reads ? { reads } : {}), entry: o });
    }
    catalog.push({ database: d, tables: d.tables.map((t) => ({ database: d.name, name: t.name, entry: t })), objects });
  }
  const { selection, warnings } = applyFilters(catalog, filters, { databaseFlag: '-s', action: 'load' });
  for (const w of warnings) reporter.emit({ kind: 'warning', message: w.message, database: w.database, table: w.name });
  const databases = selection.databases.map((d) => ({
    ...d,
    tables: selection.tables.filter((t) => t.database === d.name).map((t) => t.entry),
    objects: selection.objects.filter((o) => o.database === d.name).map((o) => o.entry),
  }));
  return { manifest: { ...manifest, databases }, leftOut: selection.leftOut };
}
