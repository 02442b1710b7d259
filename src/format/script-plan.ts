/**
 * One pass over a SQL script (a mysqldump / mariadb-dump file, a mydumper file) → the plan a
 * parallel load follows: per database and table the DDL text, and the table's INSERT statements
 * as byte ranges ("batches", each one transaction: at most `limits` statements / bytes, never
 * across another statement), plus the statements of the object phase (views, routines, triggers,
 * events and the SET/USE statements around them) in file order.
 *
 * Memory: the plan holds DDL and object text (the size of the schema) and offsets for the data —
 * never an INSERT's text. Offsets are of the script's bytes (decompressed, for .gz/.zst).
 *
 * Completeness: a table is complete once a statement that closes it was read (its ENABLE KEYS or
 * UNLOCK TABLES, or another table's, database's, ALTER TABLE's or object's statement). A script is
 * complete when it ends outside any statement, string or comment and — when `footer` is asked
 * for — it ends as the tool that wrote it ends a whole export (script-ending.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { SPAN_STATEMENTS, type DataBatch } from './script-batch.js';
import { CHANGES_ROWS, INSERT_SELECT, TABLE_WRAPPER, commentDatabase, createsFromSelect, cutStatement, dropStandIns, unwritableQualifier } from './dump-script-shapes.js';
import { ScriptEnding } from './script-ending.js';
import { ScriptOrder, takesServerIds } from './script-order.js';
import { ScriptSkips } from './script-skips.js';
import type { PlannedDatabase, PlannedTable, PlannerOptions, RowsDeleted, ScriptPlan, ScriptText } from './script-plan-types.js';
import { classify, deletesFrom, insertRows, normalizeHead, type Classified } from './sql-classify.js';
import { INITIAL_SQL_MODE, SessionStateTracker } from './session-state-tracker.js';
import { SqlSplitter } from './sql-splitter.js';
import type { SqlStatement } from './sql-statement.js';

export type { DdlCharset, PlanLimits, PlannedDatabase, PlannedTable, PlannerOptions, ScriptPlan, ScriptText } from './script-plan-types.js';

/** Databases a restore never writes into (users and grants are not data: `mariadb < file` for those). */
export const SYSTEM_DATABASES = new Set(['mysql', 'sys', 'performance_schema', 'information_schema']);

const HEAD_COMMENT_BYTES = 2048;
const TAIL_BYTES = 4096;

export class ScriptPlanner {
  /**
   * What the splitter's keep question classified, in statement order: take() uses it instead of
   * classifying the same head a second time (the splitter asks once per statement, before it
   * returns the statement).
   */
  private readonly classified: { head: string; what: Classified }[] = [];
  private readonly splitter: SqlSplitter;
  private readonly hash: Hash = createHash('sha256');
  private readonly header: ScriptText[] = [];
  private readonly databases: PlannedDatabase[] = [];
  private readonly objects: ScriptText[] = [];
  private readonly notes = new Set<string>();
  private readonly deletes: RowsDeleted[] = [];
  /** Tables the script inserts into without creating them, with the line of the first INSERT. */
  private readonly orphans = new Map<string, number>();
  private readonly views = new Set<string>();
  private current: PlannedDatabase | null = null;
  /** The name INSERTs give the unnamed database of a one-database file (qualified()). */
  private unnamedSource: string | null = null;
  private inHeader = true;
  private readonly session = new SessionStateTracker();
  private readonly ending = new ScriptEnding();
  private open: { table: PlannedTable; batch: DataBatch } | null = null;
  private readonly skips = new ScriptSkips();
  private readonly order = new ScriptOrder();
  /** The last table created and not yet closed. */
  private pending: PlannedTable | null = null;
  /** Tables closed, in order (the last one not a view's stand-in is named when the file is cut). */
  private readonly closed: { database: string | null; table: string }[] = [];
  private tail = Buffer.alloc(0);
  private start = Buffer.alloc(0);
  private bytes = 0;
  private statements = 0;

  constructor(private readonly opts: PlannerOptions) {
    const keep = (head: string): boolean => {
      const what = classify(head);
      this.classified.push({ head, what });
      return what.kind !== 'insert';
    };
    this.splitter = new SqlSplitter({ keep, sqlMode: opts.sqlMode ?? '', ...(opts.delimiter !== undefined ? { delimiter: opts.delimiter } : {}) });
    if (opts.database !== undefined) this.current = this.database(opts.database);
  }

  /** Makes a table another file creates known here, so this file's INSERTs are planned into it (mydumper chunks). */
  adopt(table: PlannedTable): void {
    (this.current ?? this.database(null)).tables.push(table);
  }

  push(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.start.length < HEAD_COMMENT_BYTES) this.start = Buffer.concat([this.start, chunk.subarray(0, HEAD_COMMENT_BYTES - this.start.length)]);
    this.tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES)) : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    for (const st of this.splitter.push(chunk)) this.take(st);
  }

  /** Ends the script; `failure` is why reading stopped early (a gzip stream cut short), if it did. */
  finish(failure?: string): ScriptPlan {
    let unterminated: SqlStatement | null = null;
    for (const st of this.splitter.finish()) {
      if (st.terminated) this.take(st);
      else unterminated = st;
    }
    this.closeBatch();
    // the statement the file was cut in, by its line: what the user looks at to see what is missing
    const where = unterminated ? `, in the statement that starts at line ${unterminated.line} (${cutStatement(unterminated)})` : '';
    let problem: string | null = failure ?? null;
    if (problem === null && this.splitter.open !== 'none') problem = `the file ends inside a ${this.splitter.open}${where}`;
    if (problem === null && unterminated) problem = `the file ends in the middle of the statement that starts at line ${unterminated.line} (${cutStatement(unterminated)})`;
    const cut = problem !== null;
    if (problem === null && this.opts.footer) problem = this.ending.problem(this.start, this.tail);
    if (problem === null && this.pending) this.pending.complete = true;
    for (const n of this.skips.notes((d, name) => this.views.has(key(d, name)))) this.notes.add(n);
    const databases = this.databases.map((d) => ({ ...d, tables: d.tables.filter((t) => !(this.views.has(key(d.name, t.name)) && t.batches.length === 0)) }));
    // of an incomplete file, views it holds only the stand-ins of are left out, named
    const { objects, standIns } = problem !== null ? dropStandIns(this.objects) : { objects: this.objects, standIns: [] };
    if (standIns.length > 0) this.notes.add(`views not created, their definitions come after the cut (the file holds only the stand-ins mariadb-dump writes first): ${standIns.join(', ')}`);
    return {
      header: this.header,
      charset: this.session.headerCharset,
      databases,
      objects,
      bytes: this.bytes,
      statements: this.statements,
      sha256: this.hash.digest('hex'),
      complete: problem === null,
      problem,
      lastComplete: problem === null ? null : (this.closed.slice().reverse().find((c) => !this.views.has(key(c.database, c.table))) ?? null),
      notes: [...this.notes],
      commentDatabase: commentDatabase(this.start),
      orphans: [...this.orphans].map(([table, line]) => ({ table, line })),
      unclosed: problem !== null && !cut ? this.pending : null,
      stateChange: this.session.change,
      emptiedAfterRows: this.skips.emptied,
      deletesAfterRows: this.deletes,
      outOfOrder: this.order.end(),
    };
  }

  private database(name: string | null): PlannedDatabase {
    let d = this.databases.find((x) => x.name === name);
    if (!d) {
      d = { name, create: null, tables: [] };
      this.databases.push(d);
    }
    return d;
  }

  private skipped(db: string | null): boolean {
    if (db === null || !SYSTEM_DATABASES.has(db.toLowerCase())) return false;
    this.notes.add(`the system database ${db} in the file is not restored (users, grants and server tables: restore those with the mariadb client if you need them)`);
    return true;
  }

  /** A statement kept as text: CR LF read as LF, as the mysql / mariadb client reads a file (unless --binary-mode). */
  private text(st: SqlStatement, what: Classified): ScriptText {
    return { text: st.text!.toString('latin1').replaceAll('\r\n', '\n'), offset: st.bodyStart, line: st.line, what, database: this.current?.name ?? null, noBackslashEscapes: st.noBackslashEscapes, file: this.opts.file ?? 0, client: this.session.state.character_set_client };
  }

  /** The table `st` closes (another statement after a table's DDL / data: it is complete). */
  private close(): void {
    if (!this.pending) return;
    this.pending.complete = true;
    this.closed.push({ database: this.current?.name ?? null, table: this.pending.name });
    this.pending = null;
  }

  private take(st: SqlStatement): void {
    this.statements++;
    const known = this.classified.shift();
    const what = known !== undefined && known.head === st.head ? known.what : classify(st.head);
    if (what.kind !== 'insert') this.closeBatch();
    // the file's own START TRANSACTION (phpMyAdmin's, between its SETs) does not end the header
    if (this.inHeader && (what.kind === 'set' ? TABLE_WRAPPER.test(normalizeHead(st.head)) : what.kind !== 'transaction')) {
      this.inHeader = false;
      this.session.headerEnds();
    }
    this.ending.observe(what, st.head, this.inHeader);
    this.order.statement(what.kind);
    if (what.kind === 'set') this.session.observe(st.head);
    const db = this.current?.name ?? null;
    switch (what.kind) {
      case 'set':
        if (this.inHeader) this.header.push(this.text(st, what));
        else if (!this.skipped(db)) this.objects.push(this.text(st, what));
        return;
      case 'use':
        this.close();
        this.current = this.database(what.database);
        if (!this.skipped(what.database)) this.objects.push(this.text(st, what));
        return;
      case 'create-database':
        this.close();
        if (this.skipped(what.database)) return;
        this.database(what.database).create = this.text(st, what);
        return;
      case 'create-table':
      case 'create-sequence': {
        this.close();
        if (what.database === null && this.current === null) this.current = this.database(null);
        const target = what.database === null ? this.current! : this.database(what.database);
        if (this.skipped(target.name)) return;
        this.order.createTable(target.name, what.table, st.line);
        // mysqldump's CREATE TABLE runs under its own `SET character_set_client = utf8mb4`, not the header's
        const client = this.session.clientChange;
        const t: PlannedTable = { name: what.table, kind: what.kind === 'create-table' ? 'table' : 'sequence', ddl: this.text(st, what), ...(client !== null ? { ddlCharset: { kind: 'client', charset: client } } : {}), state: [], batches: [], rows: 0, bytes: 0, complete: false };
        if (t.kind === 'table' && createsFromSelect(t.ddl.text, st.noBackslashEscapes)) this.order.createSelect(target.name, t.name, st.line);
        target.tables.push(t);
        this.pending = t;
        return;
      }
      case 'sequence-state': {
        const t = this.current?.tables.find((x) => x.name === what.table);
        if (t) t.state.push(this.text(st, what));
        return;
      }
      case 'drop-table': {
        // created already (one database dumped twice, concatenated): as in the client, the later CREATE and rows are the table
        this.close();
        const d = this.databaseOf(what.database);
        const at = d?.tables.findIndex((t) => t.name === what.table) ?? -1;
        if (d && at >= 0) {
          this.closeBatch();
          this.skips.dropTable(d.name, what.table, st.line);
          this.dropCopy(d, d.tables[at]!);
          d.tables.splice(at, 1);
        }
        return;
      }
      case 'account':
        // as the mysql database is: accounts are the server's, not the dump's data
        this.close();
        this.skips.account(st.line);
        return;
      case 'drop-database':
        // in the object phase it ran on the session of the database before it: the source's name, not the target's
        this.close();
        this.skips.dropDatabase(what.database, st.line);
        this.order.dropDatabase(what.database, this.databases.find((x) => x.name === what.database)?.tables.length ?? 0, st.line);
        return;
      case 'lock':
        if (what.unlock) this.close();
        return;
      case 'keys':
        if (what.enable) this.close();
        return;
      case 'transaction':
        this.order.transaction(what.op, st.line);
        return;
      case 'empty-table': {
        const d = this.databaseOf(what.database);
        this.order.rows(d?.name ?? what.database, what.table, st.line);
        this.skips.emptyTable(d?.name ?? null, what.table, d?.tables.find((t) => t.name === what.table)?.batches, st.line);
        return;
      }
      case 'insert':
        this.insert(st, what);
        return;
      case 'object':
        this.close();
        if (this.skipped(db)) return;
        if (what.object === 'view' && !what.drop) this.views.add(key(db, what.name));
        this.objects.push(this.text(st, what));
        return;
      case 'alter-database':
        this.order.alterDatabase(this.alteredDatabase(what.database, db), st.line);
        if (!this.skipped(db)) this.objects.push(this.text(st, what));
        return;
      case 'alter-table':
        this.close();
        if (this.skipped(what.database ?? db)) return;
        this.order.alterTable(this.alteredDatabase(what.database, db), what.table, st.line);
        this.objects.push(this.text(st, what));
        return;
      case 'other':
        if (this.skipped(db)) return;
        if (CHANGES_ROWS.test(normalizeHead(st.head))) this.order.changesRows(st.line);
        this.deleted(st, db);
        this.objects.push(this.text(st, what));
        return;
    }
  }

  /** A DELETE … WHERE read in database `db`: the table it deletes rows of (deletesAfterRows). */
  private deleted(st: SqlStatement, db: string | null): void {
    const d = deletesFrom(st.head);
    if (d === null) return;
    if (d === 'several') this.deletes.push({ database: db, table: null, line: st.line, mayAddRows: false });
    else {
      // a name the file does not know, in a one-database file without USE, is that database (databaseOf): its name may be null
      const named = d.database === null ? null : this.databaseOf(d.database);
      this.deletes.push({ database: d.database === null ? db : named ? named.name : d.database, table: d.table, line: st.line, mayAddRows: d.mayAddRows });
    }
  }

  /**
   * The database a statement naming `database` (null: none) is about. A name the file does not
   * know, in a one-database file without USE, is taken for that one database (it names the database
   * it was dumped from: `DELETE FROM \`shop\`.\`t\``), as `mariadb shop < file` reads it.
   */
  private databaseOf(database: string | null): PlannedDatabase | null {
    if (database === null) return this.current;
    return this.databases.find((x) => x.name === database) ?? (this.current?.name === null ? this.current : null);
  }

  /**
   * The database name an ALTER of `database` (null: none) read in `current` is about; before any
   * table or USE, the database the header comment names is the file's one.
   */
  private alteredDatabase(database: string | null, current: string | null): string | null {
    if (database === null) return current;
    const d = this.databaseOf(database);
    if (d) return d.name;
    return this.current === null && database === commentDatabase(this.start) ? null : database;
  }

  /**
   * A table the file drops after creating it: what the object phase holds of that copy (its ALTER
   * TABLEs, its triggers) goes with it, as the DROP takes them with it in `mariadb < file`.
   */
  private dropCopy(d: PlannedDatabase, t: PlannedTable): void {
    this.order.dropTable(d.name, t.name);
    const ofCopy = (o: ScriptText): boolean => {
      if (o.file !== t.ddl.file || o.offset < t.ddl.offset) return false;
      const w = o.what;
      if (w.kind === 'alter-table') return w.table === t.name && this.alteredDatabase(w.database, o.database) === d.name;
      return w.kind === 'object' && w.object === 'trigger' && !w.drop && w.on === t.name && o.database === d.name;
    };
    for (let i = this.objects.length - 1; i >= 0; i--) if (ofCopy(this.objects[i]!)) this.objects.splice(i, 1);
  }

  /**
   * An INSERT naming `database` into a table of the file's `owner` database: the load writes the
   * target of `owner` there (import-data.ts). In a one-database file without USE the name is the one
   * the header comment gives, else the first one an INSERT gives; any other name is refused.
   */
  private qualified(database: string, owner: string | null, table: string, line: number, insertInto?: PlannedTable, head = ''): void {
    if (insertInto && !insertInto.opaqueQualifier && unwritableQualifier(head)) insertInto.opaqueQualifier = { database, line };
    if (database === owner) return;
    if (owner === null) this.unnamedSource ??= commentDatabase(this.start) ?? database;
    if (owner !== null || database !== this.unnamedSource) this.order.otherDatabase(database, owner, table, line);
  }

  private insert(st: SqlStatement, what: Extract<Classified, { kind: 'insert' }>): void {
    const d = this.databaseOf(what.database);
    if (d !== null && this.skipped(d.name)) return;
    const table = d?.tables.find((t) => t.name === what.table) ?? this.current?.tables.find((t) => t.name === what.table);
    if (!table) {
      if (!this.orphans.has(what.table)) this.orphans.set(what.table, st.line);
      return;
    }
    this.session.insert(st.line, what.table, d?.name ?? null);
    const owner = d?.tables.includes(table) ? d : this.current;
    if (what.database !== null) this.qualified(what.database, owner?.name ?? null, what.table, st.line, table, st.head);
    this.order.rows(owner?.name ?? null, what.table, st.line);
    if (INSERT_SELECT.test(normalizeHead(st.head))) this.order.insertSelect(d?.name ?? null, what.table, st.line);
    // the INSERTs' sql_mode: the header's (import-load.ts refuses others), else --sql-mode's, else the server's
    const mode = this.session.state.sql_mode === INITIAL_SQL_MODE ? (this.opts.sqlMode ?? '') : this.session.state.sql_mode;
    if (!table.serverIds && takesServerIds(table.ddl.text, st.head, what, st.firstValues, mode)) table.serverIds = true;
    if (st.onDuplicate) table.updatesOnDuplicate = true;
    const rows = insertRows(st.groups, what);
    const size = st.end - st.bodyStart;
    table.rows += rows;
    table.bytes += size;
    const o = this.open;
    const { limits } = this.opts;
    if (o && o.table === table && o.batch.delimiter === st.delimiter && o.batch.statements < limits.statements && o.batch.end - o.batch.start + size <= limits.bytes) {
      o.batch.end = st.end;
      o.batch.statements++;
      o.batch.rows += rows;
      if (o.batch.spans) {
        if (o.batch.statements <= SPAN_STATEMENTS) o.batch.spans.push(st.bodyStart, st.end, st.line);
        else o.batch.spans = null;
      }
      return;
    }
    this.closeBatch();
    const batch: DataBatch = { index: table.batches.length, start: st.bodyStart, end: st.end, line: st.line, statements: 1, rows, delimiter: st.delimiter, noBackslashEscapes: st.noBackslashEscapes, file: this.opts.file ?? 0, spans: [st.bodyStart, st.end, st.line] };
    table.batches.push(batch);
    this.open = { table, batch };
  }

  private closeBatch(): void {
    this.open = null;
  }
}

const key = (db: string | null, name: string): string => `${db ?? ''}\u0000${name}`;

/** Plans a whole script from an async byte stream; a read error ends the plan as incomplete. */
export async function planScript(source: AsyncIterable<Buffer>, opts: PlannerOptions, failureOf: (e: unknown) => string | null = () => null): Promise<ScriptPlan> {
  const p = new ScriptPlanner(opts);
  try {
    for await (const chunk of source) p.push(chunk);
  } catch (e) {
    const why = failureOf(e);
    if (why === null) throw e;
    return p.finish(why);
  }
  return p.finish();
}
