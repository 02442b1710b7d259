import type { CatalogDatabase, CatalogObject, CatalogTable } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import { FORMAT_NAME, FORMAT_VERSION, autoIncrementJson, type ChunkEntry, type FileEntry, type DatabaseEntry, type Manifest, type ObjectEntry, type SnapshotInfo, type TableEntry } from '../format/manifest.js';
import { MANIFEST_FILE } from '../format/naming.js';
import type { MissingEntry } from '../format/missing.js';
import { subsetInfo, type SubsetInfo } from '../format/subset.js';
import type { DumpStore } from '../storage/dump-store.js';
import type { DumpOptions } from './dump-options.js';
import type { SchemaFiles } from './schema-writer.js';
import type { Selection } from './table-selection.js';

export interface ManifestParts {
  readonly dumpId: string;
  readonly startedAt: string;
  readonly flavor: Flavor;
  readonly snapshot: SnapshotInfo;
  readonly session: Manifest['session'];
  readonly threads: number;
  readonly selection: Selection;
  readonly schema: SchemaFiles;
  readonly data: Map<CatalogTable, { chunks: ChunkEntry[] }>;
  /** --users: the users file. */
  readonly users?: FileEntry | null;
}

/** The manifest of a finished dump: every object and file with its size, sha256, rows and bounds. */
export function buildManifest(opts: DumpOptions, p: ManifestParts): Manifest {
  const conn = opts.connection;
  return {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    toolVersion: opts.toolVersion,
    dumpId: p.dumpId,
    startedAt: p.startedAt,
    finishedAt: new Date().toISOString(),
    server: { flavor: p.flavor.kind, version: p.flavor.version, host: conn.socket ?? conn.host ?? '127.0.0.1', port: conn.socket ? null : (conn.port ?? 3306) },
    snapshot: p.snapshot,
    session: p.session,
    options: {
      format: opts.format,
      compression: opts.compression,
      chunkBytes: opts.chunkRows ? null : opts.chunkBytes,
      chunkRows: opts.chunkRows,
      statementSize: opts.statementSize,
      checksum: opts.checksum,
      threads: p.threads,
      noData: opts.noData,
      noSchema: opts.noSchema,
    },
    ...subsetField(opts, p.selection),
    ...(p.users ? { users: p.users } : {}),
    ...missingField([...p.selection.missing, ...p.schema.missing]),
    databases: p.selection.databases.map((db) => databaseEntry(db, p.selection.tables, p.selection.objects, p.schema, p.data)),
  };
}

function databaseEntry(
  db: CatalogDatabase,
  tables: CatalogTable[],
  objects: CatalogObject[],
  schema: SchemaFiles,
  data: Map<CatalogTable, { chunks: ChunkEntry[] }>,
): DatabaseEntry {
  const tableEntries: TableEntry[] = tables
    .filter((t) => t.database === db.name)
    .map((t) => {
      const chunks = data.get(t)?.chunks ?? [];
      return {
        name: t.name,
        engine: t.engine,
        schema: schema.tables.get(t)!,
        columns: t.columns,
        key: t.key,
        rows: sum(chunks.map((c) => c.rows)),
        bytes: sum(chunks.map((c) => c.bytes)),
        autoIncrement: dumpedCounter(t.autoIncrement, schema.counters.get(t)),
        chunks,
      };
    });
  const objectEntries = objects.filter((o) => o.database === db.name).map((o) => schema.objects.get(o)).filter((o): o is ObjectEntry => o !== undefined);
  return { name: db.name, charset: db.charset, collation: db.collation, schema: schema.databases.get(db.name)!, tables: tableEntries, objects: objectEntries };
}

/** The table's counter for the manifest: the higher of information_schema's and its CREATE TABLE's (SchemaFiles.counters). */
function dumpedCounter(catalog: string | null, created: string | undefined): TableEntry['autoIncrement'] {
  if (catalog === null) return null;
  return autoIncrementJson(created !== undefined && BigInt(created) > BigInt(catalog) ? created : catalog);
}

/**
 * Step 8, last: every file is durable first, then the manifest is committed (atomically: it is
 * the mark of a complete dump).
 */
export async function writeManifest(store: DumpStore, manifest: Manifest): Promise<void> {
  await store.flush();
  const out = await store.create(MANIFEST_FILE);
  try {
    await out.append(Buffer.from(JSON.stringify(manifest, null, 1) + '\n', 'utf8'));
    await out.commit();
  } catch (e) {
    await out.abort().catch(() => undefined);
    throw e;
  }
  await store.flush();
}

/** `subset` when the dump holds less than its databases; absent for a whole one (older readers ignore it). */
function subsetField(opts: DumpOptions, selection: Selection): { subset?: SubsetInfo } {
  const where = opts.noData ? [] : opts.where.map((w) => ({ database: w.table.database, table: w.table.table, condition: w.condition }));
  const subset = subsetInfo(where, selection.leftOut);
  return subset ? { subset } : {};
}

/** `missing` when the account's privileges hid something; absent when nothing was hidden. */
function missingField(missing: readonly MissingEntry[]): { missing?: readonly MissingEntry[] } {
  return missing.length > 0 ? { missing } : {};
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
