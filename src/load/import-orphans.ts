/**
 * Script import, step 8b: the rows of a file that does not turn FOREIGN_KEY_CHECKS off hold to its
 * foreign keys. `mariadb < file` checks each row as it goes in and stops at the first orphan
 * (1452); the load's sessions insert with the checks off (tables load in parallel, in any order),
 * so once every table and its foreign keys are in, each foreign key of a loaded table is checked
 * against the rows — an anti-join over the child — and the first orphan fails the load, named.
 */
import { TsError } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { IMPORT_STEP, type ImportContext, type ImportTableWork } from './import-context.js';
import { checksForeignKeys } from './import-objects.js';

interface ForeignKey {
  readonly name: string;
  readonly columns: string[];
  readonly parentDb: string;
  readonly parent: string;
  readonly parentColumns: string[];
}

/** The foreign keys of `db`.`table`, their columns in order. */
async function foreignKeysOf(ctx: ImportContext, db: string, table: string): Promise<ForeignKey[]> {
  const rows = await ctx.control.query<{ name: string; col: string; pdb: string; ptable: string; pcol: string }>(
    'SELECT CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_SCHEMA AS pdb, REFERENCED_TABLE_NAME AS ptable, REFERENCED_COLUMN_NAME AS pcol FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION',
    [db, table],
  );
  const out = new Map<string, ForeignKey>();
  for (const r of rows) {
    let fk = out.get(r.name);
    if (!fk) {
      fk = { name: r.name, columns: [], parentDb: r.pdb, parent: r.ptable, parentColumns: [] };
      out.set(r.name, fk);
    }
    fk.columns.push(r.col);
    fk.parentColumns.push(r.pcol);
  }
  return [...out.values()];
}

/** A row of the child no parent row matches (MATCH SIMPLE: a key with a NULL part refers to nothing), or null. */
async function firstOrphan(ctx: ImportContext, db: string, table: string, fk: ForeignKey): Promise<unknown[] | null> {
  const c = fk.columns.map((x) => `c.${quoteIdent(x)}`);
  const match = fk.parentColumns.map((x, i) => `p.${quoteIdent(x)} = ${c[i]}`).join(' AND ');
  const sql = `SELECT ${c.join(', ')} FROM ${qualified(db, table)} c WHERE ${c.map((x) => `${x} IS NOT NULL`).join(' AND ')} AND NOT EXISTS (SELECT 1 FROM ${qualified(fk.parentDb, fk.parent)} p WHERE ${match}) LIMIT 1`;
  const rows = await ctx.control.query<Record<string, unknown>>(sql, [], { database: db, table });
  return rows[0] ? Object.values(rows[0]) : null;
}

async function tableExists(ctx: ImportContext, db: string, table: string): Promise<boolean> {
  return Number(await ctx.control.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table])) > 0;
}

/**
 * Checks the loaded tables' foreign keys when the file's header leaves FOREIGN_KEY_CHECKS on. Left
 * out: a table that held rows before the load (--drop-table append, --no-schema: the rows that were
 * there are not the file's), and a key whose parent table is not in the target (-T left it out).
 */
export async function checkImportOrphans(ctx: ImportContext, work: readonly ImportTableWork[]): Promise<void> {
  if (!checksForeignKeys(ctx.header) || ctx.opts.restore.noData) return;
  const parents = new Map<string, boolean>();
  const parentThere = async (fk: ForeignKey): Promise<boolean> => {
    const key = `${fk.parentDb}\0${fk.parent}`;
    if (!parents.has(key)) parents.set(key, await tableExists(ctx, fk.parentDb, fk.parent));
    return parents.get(key)!;
  };
  for (const { target: t, table } of work) {
    if (t.steps.get(IMPORT_STEP.kept(table.name)) === 'rows') continue;
    for (const fk of await foreignKeysOf(ctx, t.name, table.name)) {
      if (!(await parentThere(fk))) continue;
      const orphan = await firstOrphan(ctx, t.name, table.name, fk);
      if (orphan === null) continue;
      const cols = fk.columns.map(quoteIdent).join(', ');
      throw new TsError({
        code: 'query',
        message: `${qualified(t.name, table.name)} holds a row that its foreign key ${quoteIdent(fk.name)} finds no parent row for in ${qualified(fk.parentDb, fk.parent)}: (${cols}) = (${orphan.map((v) => (v === null ? 'NULL' : String(v))).join(', ')}). The file does not turn FOREIGN_KEY_CHECKS off, so \`mariadb < file\` refuses that row (error 1452)`,
        object: { database: t.name, table: table.name },
        suggestion: `fix the file's rows of ${table.name} or of ${fk.parent} (or, to load them unchecked, put SET FOREIGN_KEY_CHECKS=0; at the top of the file), then load it again with --drop-table drop`,
        errno: 1452,
      });
    }
  }
}
