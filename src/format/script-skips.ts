/**
 * Statements of a script the load never runs, and what the user is told about them (the script
 * planner, script-plan.ts, calls these as it reads): accounts (the server's, not data), DROP
 * DATABASE (tsload drops no database), a DELETE / TRUNCATE of a table after some of its rows (it
 * cannot run where it stands: the file is refused), a DROP TABLE of a table the file created
 * already (what came before it is not loaded).
 */
import type { DataBatch } from './script-batch.js';

export interface EmptiedTable {
  readonly line: number;
  readonly table: string;
  readonly database: string | null;
}

export class ScriptSkips {
  /** The first DELETE FROM / TRUNCATE of a table after some of its rows. */
  emptied: EmptiedTable | null = null;
  /** The line of the first statement about accounts. */
  private accounts: number | null = null;
  private readonly droppedDatabases: string[] = [];
  /** Tables dropped after the file created them; a view's stand-in table is not named. */
  private readonly droppedTables: { readonly database: string | null; readonly table: string; readonly line: number }[] = [];

  account(line: number): void {
    this.accounts ??= line;
  }

  dropDatabase(database: string, line: number): void {
    this.droppedDatabases.push(`DROP DATABASE ${database} at line ${line} is not run: tsload never drops a database (tables that exist in the target are refused, or replaced / emptied / appended to under --drop-table)`);
  }

  /** A DELETE FROM / TRUNCATE of `table`, with the batches it has so far (none: not run, nothing to say). */
  emptyTable(database: string | null, table: string, batches: readonly DataBatch[] | undefined, line: number): void {
    if ((batches?.length ?? 0) > 0) this.emptied ??= { line, table, database };
  }

  dropTable(database: string | null, table: string, line: number): void {
    this.droppedTables.push({ database, table, line });
  }

  /** What to tell the user; `isView` says whether a name is a view the file creates (its stand-in table was dropped). */
  notes(isView: (database: string | null, name: string) => boolean): string[] {
    const out: string[] = [];
    if (this.accounts !== null) out.push(`the file's statements about accounts (CREATE USER, GRANT …, from line ${this.accounts}) are not run: users and grants are the server's, not data — restore those with the mariadb client if you need them`);
    out.push(...this.droppedDatabases);
    for (const d of this.droppedTables) {
      if (!isView(d.database, d.table)) out.push(`table ${d.database ? `${d.database}.` : ''}${d.table} is dropped at line ${d.line} after the file created it: as with the mariadb client, only what comes after is loaded`);
    }
    return out;
  }
}
