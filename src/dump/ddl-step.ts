import { TsError } from '../core/errors.js';
import { readTables, type CatalogTable } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';

/**
 * After step 5: every snapshot session holds the dumped tables' metadata locks (db/snapshot.ts
 * holdTables), so DDL on them waits for the end of the dump. What ran before that point is found
 * here: the catalog read in step 2 is checked against the tables as now locked (a DDL in between
 * would give chunks planned for another definition, or a schema file of another moment).
 */
export async function checkDefinitionsAtStart(control: Session, flavor: Flavor, tables: readonly CatalogTable[]): Promise<void> {
  await checkDefinitions(control, flavor, tables, 'while the dump started');
}

/** Before the manifest, belt and braces: every table still has the definition the dump read. */
export async function checkDefinitionsAtEnd(control: Session, flavor: Flavor, tables: readonly CatalogTable[]): Promise<void> {
  await checkDefinitions(control, flavor, tables, 'during the dump');
}

async function checkDefinitions(control: Session, flavor: Flavor, tables: readonly CatalogTable[], when: string): Promise<void> {
  for (const database of new Set(tables.map((t) => t.database))) {
    const now = new Map((await readTables(control, database, flavor)).map((t) => [t.name, definition(t)]));
    for (const t of tables.filter((x) => x.database === database)) {
      const current = now.get(t.name);
      if (current === definition(t)) continue;
      const object = { database: t.database, table: t.name };
      throw new TsError({
        code: 'snapshot',
        message: current === undefined ? `table ${t.database}.${t.name} was dropped or renamed ${when}` : `table ${t.database}.${t.name} was altered ${when} (its columns or keys differ from those the dump read)`,
        object,
        suggestion: 'run the dump again when no DDL runs on the dumped tables; nothing of this dump is complete',
      });
    }
  }
}

/** What a DDL can change that the dump depends on (not the row estimates). */
function definition(t: CatalogTable): string {
  return JSON.stringify({ engine: t.engine, columns: t.columns, key: t.key });
}
