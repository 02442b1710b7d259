import type { Reporter } from '../core/events.js';
import { TsError } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { sequenceState, showCreateDatabase, showCreateObject, showCreateTable, type CatalogObject, type CatalogTable, type ObjectDefinition } from '../db/catalog.js';
import { createTableCounter } from '../format/create-table.js';
import { describeMissing, type MissingEntry } from '../format/missing.js';
import type { Session } from '../db/session.js';
import { sha256Hex } from '../format/hashing.js';
import type { FileEntry, ObjectEntry } from '../format/manifest.js';
import { databaseFile, objectFile } from '../format/naming.js';
import { schemaFileText } from '../format/schema-text.js';
import type { CreateOptions, DumpStore } from '../storage/dump-store.js';
import type { DumpOptions } from './dump-options.js';
import type { Selection } from './table-selection.js';

/** Step 6: one file per database, table and schema object, with the context each object was created in. */
export interface SchemaFiles {
  readonly databases: Map<string, FileEntry>;
  readonly tables: Map<CatalogTable, FileEntry>;
  /**
   * The AUTO_INCREMENT option of each table's CREATE TABLE where it has one. The server's counter can
   * read lower in information_schema than here (a partitioned table whose partition holding id
   * 2^64 - 1 gave out its counter reads 2^64 - 16 until it is reopened, seen on MariaDB 10.11; MySQL 8
   * caches information_schema.TABLES): the manifest keeps the higher of the two.
   */
  readonly counters: Map<CatalogTable, string>;
  readonly objects: Map<CatalogObject, ObjectEntry>;
  /** Objects whose definition the account may not read (left out, with a warning). */
  readonly missing: MissingEntry[];
}

export async function writeSchema(control: Session, store: DumpStore, { databases, tables, objects }: Selection, opts: DumpOptions, reporter: Reporter): Promise<SchemaFiles> {
  const started = Date.now();
  const total = { tables: tables.length, chunks: 0, rows: 0, bytes: 0 };
  reporter.emit({ kind: 'phase-start', phase: 'schema', total });
  const out: SchemaFiles = { databases: new Map(), tables: new Map(), counters: new Map(), objects: new Map(), missing: [] };
  for (const db of databases) {
    const sql = opts.noSchema ? '' : await showCreateDatabase(control, db.name);
    out.databases.set(db.name, await writeTextFile(store, databaseFile(db.name), schemaFileText('database', [sql])));
  }
  for (const t of tables) {
    const sql = opts.noSchema ? '' : await showCreateTable(control, t.database, t.name);
    out.tables.set(t, await writeTextFile(store, objectFile(t.database, 'table', t.name), schemaFileText('table', [sql])));
    const counter = createTableCounter(sql);
    if (counter !== null) out.counters.set(t, counter);
    if (!opts.noSchema) for (const c of lossyMembers(t)) reporter.emit({ kind: 'warning', message: lossyMembersMessage(t, c), database: t.database, table: t.name });
  }
  for (const o of opts.noSchema ? [] : objects) {
    const def = await readableDefinition(control, o);
    if (typeof def === 'string') {
      const m: MissingEntry = { kind: o.kind, database: o.database, name: o.name, reason: def };
      out.missing.push(m);
      reporter.emit({ kind: 'warning', message: describeMissing(m), database: o.database, table: o.name });
      continue;
    }
    const statements = [def.sql];
    if (o.kind === 'sequence') {
      const state = await sequenceState(control, o.database, o.name);
      if (state) statements.push(state);
    }
    const file = await writeTextFile(store, objectFile(o.database, o.kind, o.name), schemaFileText(o.kind, statements));
    const dependsOn = o.kind === 'view' ? objects.filter((v) => v.kind === 'view' && v !== o && v.database === o.database && reads(o, def.sql, v)).map((v) => v.name) : undefined;
    out.objects.set(o, { kind: o.kind, name: o.name, file, definer: def.definer, context: def.context, ...(dependsOn ? { dependsOn } : {}), ...(o.kind === 'view' && o.reads ? { reads: o.reads } : {}), ...(o.table ? { table: o.table } : {}) });
  }
  reporter.emit({ kind: 'phase-done', phase: 'schema', seconds: (Date.now() - started) / 1000 });
  return out;
}

/** Character sets a column's values may hold characters outside the BMP in (emoji, rare CJK). */
const ASTRAL_CHARSETS = new Set(['utf8mb4', 'utf16', 'utf16le', 'utf32', 'gb18030']);

/**
 * ENUM and SET columns whose member list may have lost characters: the server prints table
 * definitions (SHOW CREATE TABLE, information_schema) in utf8mb3, so a member with a 4-byte character
 * reads '?' there (seen on MariaDB 10.11 with every client character set; MySQL 8 unverified), and the copy would be
 * created with the '?'. The stored values are indexes, so the rows still load to the same member.
 */
function lossyMembers(t: CatalogTable): CatalogTable['columns'] {
  return t.columns.filter((c) => (c.dataType === 'enum' || c.dataType === 'set') && c.charset !== null && ASTRAL_CHARSETS.has(c.charset) && c.columnType.includes('?'));
}

function lossyMembersMessage(t: CatalogTable, c: CatalogTable['columns'][number]): string {
  return `the ${c.dataType.toUpperCase()} column ${qualified(t.database, t.name)}.${quoteIdent(c.name)} (${c.charset}) has a '?' in its member list, where the server prints a 4-byte character (emoji) it cannot show in a table definition (SHOW CREATE TABLE is utf8mb3): if a member holds one, the copy will have '?' in its place. SELECT DISTINCT HEX(${quoteIdent(c.name)}) on the source shows the members its rows hold: ALTER the copy's column with the right members after the load`;
}

const PRIVILEGE_ERRNOS = [1142, 1143, 1044, 1227, 1370];
const NEEDED: Record<CatalogObject['kind'], string> = {
  view: 'SHOW VIEW',
  procedure: 'SELECT on mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL), or being its definer',
  function: 'SELECT on mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL), or being its definer',
  trigger: 'TRIGGER',
  event: 'EVENT',
  sequence: 'SELECT',
};

/**
 * An object's definition, or why the account may not read it: a refused SHOW CREATE, or one that
 * answers without the body (MariaDB shows a routine's body only to its definer and readers of mysql.proc).
 */
async function readableDefinition(control: Session, o: CatalogObject): Promise<ObjectDefinition | string> {
  const why = `this account may not read its definition; grant ${NEEDED[o.kind]}`;
  try {
    const def = await showCreateObject(control, o);
    return def.sql.trim() === '' ? why : def;
  } catch (e) {
    if (e instanceof TsError && (e.code === 'privilege' || PRIVILEGE_ERRNOS.includes(e.errno ?? 0))) return why;
    throw e;
  }
}

/** Whether view `o` reads view `v`: from the catalog's references, else (none recorded) from its text. */
function reads(o: CatalogObject, sql: string, v: CatalogObject): boolean {
  if (o.reads) return o.reads.some((r) => r.kind === 'table' && r.database === v.database && r.name === v.name);
  return sql.includes('`' + v.name.replace(/`/g, '``') + '`');
}

/** Writes a small text file of the dump (committed at once) and returns its manifest entry. */
export async function writeTextFile(store: DumpStore, relative: string, text: string, options: CreateOptions = {}): Promise<FileEntry> {
  const data = Buffer.from(text, 'utf8');
  const out = await store.create(relative, options);
  try {
    await out.append(data);
    await out.commit();
  } catch (e) {
    await out.abort().catch(() => undefined);
    throw e;
  }
  return { path: relative, bytes: data.length, sha256: sha256Hex(data) };
}
