/**
 * Shapes of a script the parallel load cannot reproduce, found as the planner reads it (the file is
 * then refused before anything is created, --force or not): the load sends each table's rows in
 * parallel and runs the statements between them (ALTER TABLE, ALTER DATABASE …) after all the data,
 * and every batch is a transaction of its own. `mariadb < file` runs everything in file order in one
 * session, so:
 *
 * - an ALTER TABLE followed, later in the file, by rows of that table (an AUTO_INCREMENT=, a new
 *   column, a UNIQUE key an INSERT IGNORE relies on, a RENAME TO and a new table of the old name)
 *   would be loaded otherwise;
 * - an UPDATE / DELETE … WHERE (run after all the data too) followed by rows of any table, and an
 *   INSERT … SELECT (its rows come from tables the load is filling in parallel);
 * - an ALTER DATABASE before a CREATE TABLE of that database gives the table another default
 *   character set than it would get after it;
 * - a DROP DATABASE of a database the file already created tables in (the same database dumped
 *   twice with --add-drop-database) would keep both copies;
 * - rows of the file's own transaction that it rolls back (ROLLBACK), or that it never commits
 *   (SET autocommit = 0 with no COMMIT after them: the client's session ends and rolls them back).
 */
import { autoIncrementColumn } from './create-table.js';
import { identName, type Classified, type ClassifiedKind, type TransactionOp } from './sql-classify.js';
import { FIRST_OTHER, FIRST_ZERO, type SqlStatement } from './sql-statement.js';

/** Statements that commit the file's open transaction implicitly in `mariadb < file` (DDL, LOCK TABLES, accounts). */
const COMMITS = new Set<ClassifiedKind>(['create-database', 'create-table', 'create-sequence', 'drop-table', 'alter-database', 'drop-database', 'lock', 'keys', 'alter-table', 'account', 'object']);

export interface OrderProblem {
  readonly line: number;
  readonly message: string;
  readonly suggestion: string;
}

const CLIENT = 'restore this file with the mariadb client (mariadb DB < file), which runs it in file order';

function named(database: string | null, table: string): string {
  return `${database ? `${database}.` : ''}${table}`;
}

export class ScriptOrder {
  problem: OrderProblem | null = null;
  /** ALTER TABLEs deferred after the data, by table (database \0 table): the first one's line. */
  private readonly alters = new Map<string, number>();
  /** The first UPDATE / DELETE … WHERE … (run after the data) of the file. */
  private dml: number | null = null;
  /** ALTER DATABASE, by database: the first one's line. */
  private readonly alteredDatabases = new Map<string, number>();
  private autocommit = true;
  private explicit = false;
  /** The first row (INSERT / DELETE) not yet committed, inside the file's own transaction. */
  private uncommitted: number | null = null;

  private refuse(p: OrderProblem): void {
    this.problem ??= p;
  }

  alterTable(database: string | null, table: string, line: number): void {
    const k = `${database ?? ''}\u0000${table}`;
    if (!this.alters.has(k)) this.alters.set(k, line);
  }

  /** The file dropped the table: its earlier copy's ALTER TABLEs are not loaded (script-plan.ts discards them). */
  dropTable(database: string | null, table: string): void {
    this.alters.delete(`${database ?? ''}\u0000${table}`);
  }

  alterDatabase(database: string | null, line: number): void {
    const k = database ?? '';
    if (!this.alteredDatabases.has(k)) this.alteredDatabases.set(k, line);
  }

  createTable(database: string | null, table: string, line: number): void {
    const at = this.alteredDatabases.get(database ?? '');
    if (at === undefined) return;
    this.refuse({
      line,
      message: `the ALTER DATABASE at line ${at} comes before the CREATE TABLE ${named(database, table)} at line ${line}; tsload runs it after all the tables, which would then get another default character set or collation than the mariadb client gives them`,
      suggestion: `move the ALTER DATABASE into the CREATE DATABASE, or ${CLIENT}`,
    });
  }

  /** A DROP DATABASE; `tables`: how many tables the file created in it so far. */
  dropDatabase(database: string, tables: number, line: number): void {
    if (tables === 0) return;
    this.refuse({
      line,
      message: `DROP DATABASE ${database} at line ${line} comes after the file created tables in it (the same database dumped twice?); the mariadb client keeps only what comes after it, tsload never drops a database`,
      suggestion: `keep only the part of the file from line ${line} on, or ${CLIENT}`,
    });
  }

  /** A statement changing rows that the load runs after all the data (an UPDATE, a DELETE … WHERE). */
  changesRows(line: number): void {
    this.dml ??= line;
  }

  /** An INSERT … SELECT: its rows are read from tables the load fills in parallel, at another time than the file says. */
  insertSelect(database: string | null, table: string, line: number): void {
    this.refuse({
      line,
      message: `the INSERT … SELECT into ${named(database, table)} at line ${line} reads its rows from tables; tsload loads all tables' rows in parallel and cannot run it where it stands`,
      suggestion: `run it yourself after the load, or ${CLIENT}`,
    });
  }

  /**
   * An INSERT into `table` of the file's `database` that names another database (`other`.`t`): run
   * as written it writes `other`, which the load was not asked to write, and not the target.
   */
  otherDatabase(other: string, database: string | null, table: string, line: number): void {
    this.refuse({
      line,
      message: `the INSERT at line ${line} names database ${other}, but its table ${table} is one the file creates in ${database ?? 'its database'}${database === null ? '' : ` (${other} is not a database the file creates)`}; tsload loads the file's databases into their targets and writes no other database`,
      suggestion: `leave the database out of the INSERTs (or name ${database ?? 'the one the file was dumped from'}), or ${CLIENT}`,
    });
  }

  /** A CREATE TABLE … SELECT: tsload creates every table before it loads any rows, so it would be created empty. */
  createSelect(database: string | null, table: string, line: number): void {
    this.refuse({
      line,
      message: `the CREATE TABLE ${named(database, table)} … SELECT at line ${line} fills the table with rows it reads from tables; tsload creates all tables before it loads any rows, and would create it empty`,
      suggestion: `run it yourself after the load, or ${CLIENT}`,
    });
  }

  /** Rows of a table (INSERT, DELETE FROM / TRUNCATE) at `line`. */
  rows(database: string | null, table: string, line: number): void {
    if (this.dml !== null) {
      this.refuse({
        line,
        message: `the statement at line ${this.dml} changes rows, and tsload runs it after all the data: the rows of ${named(database, table)} at line ${line}, which come after it, would be changed by it too (or change what it does)`,
        suggestion: `move the statement at line ${this.dml} to the end of the file, or ${CLIENT}`,
      });
    }
    const at = this.alters.get(`${database ?? ''}\u0000${table}`);
    if (at !== undefined) {
      this.refuse({
        line,
        message: `the ALTER TABLE at line ${at} is followed by rows of table ${named(database, table)} at line ${line}; tsload loads a table's rows in parallel and runs its ALTER TABLEs after them, which would load these rows otherwise than the mariadb client does`,
        suggestion: `move the ALTER TABLE at line ${at} after the table's last rows (or before its CREATE TABLE into it), or ${CLIENT}`,
      });
    }
    if (this.explicit || !this.autocommit) this.uncommitted ??= line;
  }

  transaction(op: TransactionOp, line: number): void {
    switch (op) {
      case 'begin':
        // START TRANSACTION commits what was open
        this.uncommitted = null;
        this.explicit = true;
        return;
      case 'autocommit-off':
        this.autocommit = false;
        return;
      case 'autocommit-on':
      case 'commit':
        this.uncommitted = null;
        this.explicit = false;
        if (op === 'autocommit-on') this.autocommit = true;
        return;
      case 'rollback':
        if (this.uncommitted !== null) {
          this.refuse({
            line,
            message: `the ROLLBACK at line ${line} undoes the rows of the file's own transaction from line ${this.uncommitted} on, which tsload would keep (every batch of its load is committed)`,
            suggestion: `remove those rows and the ROLLBACK, or ${CLIENT}`,
          });
        }
        this.uncommitted = null;
        this.explicit = false;
        return;
    }
  }

  /** Any statement, before what it is about is told: one that commits implicitly (DDL, LOCK TABLES …) ends the file's transaction. */
  statement(kind: ClassifiedKind): void {
    if (!COMMITS.has(kind)) return;
    this.uncommitted = null;
    this.explicit = false;
  }

  /** The end of the script: rows never committed are rolled back when the client's session ends. */
  end(): OrderProblem | null {
    if (this.uncommitted !== null) {
      this.refuse({
        line: this.uncommitted,
        message: `the rows from line ${this.uncommitted} on are never committed (the file turns autocommit off and has no COMMIT after them): the mariadb client's session ends and rolls them back, tsload would keep them`,
        suggestion: `add COMMIT; at the end of the file if the rows are meant to stay, or ${CLIENT}`,
      });
    }
    return this.problem;
  }
}

/** How an INSERT gives its values (sql-classify.ts): a column list or not, or SET assignments. */
export type InsertForm = Pick<Extract<Classified, { kind: 'insert' }>, 'columnList' | 'assignments'>;

const COLUMN_LIST = /^\s*(?:INSERT|REPLACE)\b[^(]*\(([^()]*)\)\s*VALUES?\b/i;

/**
 * Whether the rows of an INSERT into a table created by `ddl` may take AUTO_INCREMENT ids from the
 * server: the INSERT leaves that column out (its column list does not name it, or the column is
 * INVISIBLE), or gives it a NULL, DEFAULT or anything but an integer literal — or a 0, unless the
 * INSERT's `sqlMode` has NO_AUTO_VALUE_ON_ZERO ('' when not known). Such rows must be inserted in
 * file order, one batch after the other, for the ids to be the client's. Only a first value is read
 * (`values`: sql-statement.ts FirstValues): a column given anywhere else, or a table not read, counts
 * as taking server ids (slower, never other ids than the client's).
 */
export function takesServerIds(ddl: string, head: string, form: InsertForm, values: SqlStatement['firstValues'], sqlMode: string): boolean {
  const auto = autoIncrementColumn(ddl);
  if (auto === null) return false;
  // INSERT … SET: the column may be among its assignments or not (they are not read)
  if (auto === 'unknown' || form.assignments) return true;
  let position = auto.position;
  let rows = values.rest;
  if (form.columnList) {
    const list = COLUMN_LIST.exec(head)?.[1];
    if (list === undefined) return true;
    const name = auto.name.toLowerCase();
    position = list.split(',').findIndex((c) => identName(c.trim()).toLowerCase() === name);
  } else {
    if (auto.invisible) return true;
    rows |= values.first;
  }
  if (position !== 0) return true;
  return (rows & FIRST_OTHER) !== 0 || ((rows & FIRST_ZERO) !== 0 && !/\bNO_AUTO_VALUE_ON_ZERO\b/i.test(sqlMode));
}
