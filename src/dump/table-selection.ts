import { TsError } from '../core/errors.js';
import { SYSTEM_DATABASES, listDatabases, readObjects, readTables, type CatalogDatabase, type CatalogObject, type CatalogTable } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import type { DumpOptions } from './dump-options.js';

/** What a dump covers: the databases, tables and schema objects left after the filters. */
export interface Selection {
  readonly databases: CatalogDatabase[];
  readonly tables: CatalogTable[];
  readonly objects: CatalogObject[];
}

/** Step 3: databases and tables after the filters, read from the catalog. */
export async function selectTables(control: Session, flavor: Flavor, opts: DumpOptions): Promise<Selection> {
  const all = await listDatabases(control);
  const wanted = new Set<string>([...opts.databases, ...opts.tables.map((t) => t.database)]);
  for (const name of wanted) {
    if (!all.some((d) => d.name === name)) {
      throw new TsError({ code: 'usage', message: `database '${name}' does not exist on the server, or this account has no privilege on it`, object: { database: name }, suggestion: 'check -B / -T (names are case-sensitive on most servers) and the account\'s grants (SHOW GRANTS)' });
    }
  }
  const databases = all.filter((d) => (wanted.size ? wanted.has(d.name) : !(SYSTEM_DATABASES as readonly string[]).includes(d.name.toLowerCase())));
  const tables: CatalogTable[] = [];
  const objects: CatalogObject[] = [];
  const onlyTables = opts.tables.length > 0;
  for (const db of databases) {
    const dbTables = await readTables(control, db.name, flavor);
    for (const t of dbTables) {
      const full = `${db.name}.${t.name}`;
      if (onlyTables && !opts.tables.some((r) => r.database === db.name && r.table === t.name)) continue;
      if (opts.ignoreTables.some((r) => r.database === db.name && r.table === t.name)) continue;
      if (opts.include && !opts.include.test(full)) continue;
      if (opts.exclude && opts.exclude.test(full)) continue;
      tables.push(t);
    }
    if (!onlyTables) objects.push(...(await readObjects(control, db.name, flavor)));
  }
  for (const r of opts.tables) {
    if (!tables.some((t) => t.database === r.database && t.name === r.table)) {
      throw new TsError({ code: 'usage', message: `table ${r.database}.${r.table} does not exist`, object: { database: r.database, table: r.table }, suggestion: 'check -T (db.table, names are case-sensitive)' });
    }
  }
  return { databases, tables, objects };
}
