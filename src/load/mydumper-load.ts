/**
 * tsload for a mydumper directory: the layout from the file names (format/mydumper-layout.ts),
 * every file planned like a mysqldump file (format/script-plan.ts) and the plans put together —
 * a table from its -schema.sql file, its INSERT batches from each of its chunk files in order —
 * then loaded by the same steps as a mysqldump file (import-load.ts runPlannedImport): tables in
 * parallel, sized transactions with exactly-once progress, deferred indexes, then routines and
 * events (-schema-post), views (dependency order) and triggers, verified by row counts.
 *
 * mydumper 1.0 (--format LOAD_DATA / CSV): a chunk's .sql file holds a LOAD DATA statement, read
 * here into its parts (format/load-data-statement.ts), and its .dat file is one batch of the table,
 * loaded whole by mydumper-infile.ts; its rows are the metadata's count. With -M the metadata's
 * data_checksum (the source's CHECKSUM TABLE) is compared with the loaded table's at verify.
 */
import { createHash } from 'node:crypto';
import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { mydumperLayout, mydumperMetaKey, parseMydumperMetadata, type MydumperMetadata } from '../format/mydumper-layout.js';
import { isLoadData, parseLoadData, textFormSpec } from '../format/load-data-statement.js';
import type { InfileBatch } from '../format/script-batch.js';
import { SYSTEM_DATABASES, ScriptPlanner, type PlannedDatabase, type PlannedTable, type ScriptPlan, type ScriptText } from '../format/script-plan.js';
import type { DumpStore } from '../storage/dump-store.js';
import { unsafePath } from '../storage/store-path.js';
import { dependencyOrder, isSequenceTable } from './ddl.js';
import { wireIdent } from './import-context.js';
import { NO_COORDINATES, runPlannedImport, sourceKey, type ImportResult } from './import-load.js';
import { scriptBytes, scriptFile, type ScriptFile } from './import-source.js';
import type { LoadOptions } from './load-options.js';
import type { ScratchTargets } from './restore-test.js';

/** Refuses a file of the dump (under --force: notes it); `file` is its name in the directory. */
type Refuse = (file: string, why: string, suggestion: string) => void;

interface FilePlan {
  readonly plan: ScriptPlan;
  readonly file: number;
}

/**
 * mydumper's files set no sql_mode: they are loaded in the mode mysqldump files set for themselves
 * (not strict: a FLOAT printed rounded past its range is clipped, as on the source; NO_AUTO_VALUE_ON_ZERO:
 * a stored 0 stays 0), unless --sql-mode says otherwise.
 */
const MYDUMPER_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO';

/** Files of views, triggers, routines and events: split at a ';' that ends a line, as myloader does. */
const OBJECT_FILE = /-schema-(post|triggers|view)\.sql/;

/** `scratch`: a restore drill's (restore-test.ts) choice of the target databases, instead of -B/--rename. */
export async function runMydumperImport(given: LoadOptions, store: DumpStore, display: string, reporter: Reporter, signal?: AbortSignal, scratch?: ScratchTargets): Promise<ImportResult> {
  const opts: LoadOptions = Object.freeze({ ...given, sqlMode: given.sqlMode ?? MYDUMPER_SQL_MODE });
  const entries = await store.list();
  // as in a dump of ours: a link is never followed (the store refuses to open one) nor silently
  // passed over (a data file replaced by one would load as an empty table, exit 0)
  const link = entries.find((e) => !e.regular);
  if (link) throw unsafePath(link.path, `'${link.path}' in ${display} is a symbolic link or not a regular file; nothing was loaded`);
  const names = entries.map((e) => e.path);
  const sizes = new Map(entries.map((e) => [e.path, e.bytes]));
  const layout = mydumperLayout(names);
  const notes: string[] = [];
  /**
   * A file missing, replaced or named unlike mydumper's: refused while planning, before anything is
   * loaded (under --force noted, and what can be loaded is).
   */
  const refuse: Refuse = (file, why, suggestion) => {
    const shown = `${display}/${file}`;
    if (!opts.force) throw new TsError({ code: 'bad-dump', message: `${shown}: ${why}. Nothing was loaded`, object: { file: shown }, suggestion: `${suggestion}, or pass --force to load the rest` });
    notes.push(`${shown}: ${why}`);
  };
  if (layout.databases.length === 0 && layout.unsupported.length > 0) {
    throw new TsError({ code: 'bad-dump', message: `${display} holds mydumper data files (${layout.unsupported[0]}, …) but no -schema-create.sql or -schema.sql file: a dump made with -m / --no-schemas, which tsload does not load. Nothing was loaded`, object: { file: display }, suggestion: 'dump again without -m, or load this one with myloader into tables created beforehand' });
  }
  for (const n of layout.unsupported) {
    if (/\.dat$/.test(n.replace(/\.(gz|zst)$/, ''))) refuse(n, 'a .dat file without the .sql file of its LOAD DATA statement: its rows would not be loaded', 'restore the .sql file from the dump');
    else refuse(n, 'not a file of the mydumper layout (no -schema-create.sql file for its database?): it would not be loaded', 'restore the missing file from the dump, or move this one out of the directory');
  }
  if (!layout.finished) {
    const why = names.includes('metadata.partial') ? 'metadata.partial is there but no metadata: mydumper did not finish' : 'there is no metadata file: mydumper did not finish (or this is not a mydumper directory)';
    if (!opts.force) throw new TsError({ code: 'bad-dump', message: `${display} is not a complete mydumper dump: ${why}. Nothing was loaded`, object: { file: display }, suggestion: 'dump again, or pass --force to load what the files hold' });
    notes.push(`${display} is not complete (${why}); loading what its files hold`);
  }
  const meta = layout.finished ? parseMydumperMetadata((await store.readFile('metadata')).toString('utf8')) : null;
  // mydumper (0.10 and 1.0) ends its metadata with this line: without it the file was cut or rewritten
  if (meta && meta.finished === null) refuse('metadata', "no 'Finished dump at:' line: not the metadata mydumper wrote (cut short, or edited by hand), so its row counts and checksums cannot be trusted", 'restore the metadata file from the dump');
  reporter.emit({ kind: 'info', message: `${display}: a mydumper directory, ${layout.databases.length} database(s); planning` });
  const files: ScriptFile[] = [];
  const limits = { statements: opts.rowsPerTransaction, bytes: opts.bytesPerTransaction };
  const digest = createHash('sha256');
  const planFile = async (name: string, db: string, prepare?: (p: ScriptPlanner) => void): Promise<FilePlan> => {
    const file = files.length;
    const f = scriptFile(store, name, `${display}/${name}`);
    files.push(f);
    const p = new ScriptPlanner({ limits, footer: false, database: db, file, sqlMode: opts.sqlMode, ...(OBJECT_FILE.test(name) ? { delimiter: ';\n' } : {}) });
    prepare?.(p);
    for await (const piece of scriptBytes(f)) p.push(piece);
    const plan = p.finish();
    digest.update(`${name}\u0000${plan.sha256}\n`);
    if (!plan.complete) {
      const objectFile = OBJECT_FILE.test(name);
      const e = new TsError({
        code: 'bad-dump',
        message: `${f.display} is not complete: ${plan.problem}`,
        object: { file: f.display },
        suggestion: objectFile && plan.problem?.includes('string')
          ? "mydumper 0.10 writes triggers and routines without the sql_mode they were created in, so a body created under NO_BACKSLASH_ESCAPES ('\\') or ANSI_QUOTES cannot be read back (myloader fails on it too): pass --force to load everything else and recreate those objects by hand"
          : 'dump again, or pass --force to load the complete files',
      });
      if (!opts.force) throw e;
      notes.push(`${e.message}${objectFile ? ': none of its objects is created' : ''}`);
      if (objectFile) return { plan: { ...plan, header: [], objects: [] }, file };
    }
    return { plan, file };
  };

  const databases: PlannedDatabase[] = [];
  /** Tables with LOAD DATA chunks: their rows are counted by the metadata, not by planning. */
  const infileTables = new Set<PlannedTable>();
  const objects: ScriptText[] = [];
  let header: readonly ScriptText[] = [];
  let charset = 'utf8mb4';
  let bytes = 0;
  let statements = 0;
  const count = (p: ScriptPlan): void => {
    bytes += p.bytes;
    statements += p.statements;
  };
  /** An object file's statements, its SET header included (they set the object's charset). */
  const objectsOf = (p: ScriptPlan): ScriptText[] => [...p.header, ...p.objects];
  for (const d of layout.databases) {
    // mydumper without -B dumps mysql and sys too (some of mysql's tables as data only): not restored,
    // as in a mysqldump file (format/script-plan.ts)
    if (SYSTEM_DATABASES.has(d.name.toLowerCase())) {
      notes.push(`the system database ${d.name} in the dump is not restored (users, grants and server tables: restore those with myloader if you need them)`);
      continue;
    }
    let name = d.name;
    let create: ScriptText | null = null;
    if (d.create) {
      const { plan } = await planFile(d.create, d.name);
      count(plan);
      // a database whose name mydumper does not put in file names (a space, a dot, non-ASCII: files
      // mydumper_N…) is named by its CREATE DATABASE
      const made = plan.databases.find((x) => x.create !== null);
      if (made?.name) name = made.name;
      create = made?.create ?? null;
    }
    const planned: PlannedDatabase = { name, create, tables: [] };
    databases.push(planned);
    fileNames.set(planned, d.name);
    const views: { name: string; statements: ScriptText[]; dependsOn: string[] }[] = [];
    const triggers: ScriptText[] = [];
    for (const t of d.tables.values()) {
      let table: PlannedTable | undefined;
      if (t.schema && !t.view) {
        const { plan } = await planFile(t.schema, name);
        count(plan);
        // SHOW CREATE TABLE's text is UTF-8 whatever the results' character set (mydumper's SET NAMES
        // binary): under binary an ENUM member or DEFAULT of a cp932 or utf32 column would be its UTF-8
        // bytes taken as that charset (mojibake, or error 1300 / 1067 in a strict mode; myloader too)
        const first = plan.databases.flatMap((x) => x.tables)[0];
        table = first ? { ...first, ddlCharset: { kind: 'names', charset: 'utf8mb4' } } : undefined;
        if (table) planned.tables.push(table);
      }
      for (const data of t.data) {
        if (!table) {
          refuse(data, `data of ${name}.${t.name}, which has no -schema.sql file: it would not be loaded`, `restore ${name}.${t.name}-schema.sql from the dump`);
          continue;
        }
        const known = table;
        const { plan } = await planFile(data, name, (p) => p.adopt(known));
        count(plan);
        // a chunk file holds its table's rows only: another table's is a file replaced by another's
        for (const o of plan.orphans) refuse(data, `line ${o.line} inserts into \`${o.table}\`, not into ${name}.${table.name}, the table the file is named for: a data file replaced by another table's`, 'restore the file from the dump');
        if (!t.infiles.has(data) && plan.objects.some((o) => o.what.kind === 'other' && isLoadData(o.text))) {
          refuse(data, `its LOAD DATA statement's rows (${data.replace(/\.sql(\.gz|\.zst)?$/, '.dat')}, maybe compressed) are not in the dump`, 'restore the .dat file from the dump');
          known.complete = false;
          continue;
        }
        if (header.length === 0) {
          header = plan.header;
          charset = plan.charset;
        }
        if (!plan.complete) known.complete = false;
        const dat = t.infiles.get(data);
        if (dat !== undefined && plan.complete) {
          const statement = infileStatement(plan, data, dat, `${display}/${data}`, refuse);
          if (!statement) {
            known.complete = false;
            continue;
          }
          const file = files.length;
          files.push(scriptFile(store, dat, `${display}/${dat}`));
          const size = sizes.get(dat) ?? 0;
          digest.update(`${dat}\u0000${size}\n`);
          known.batches.push({ index: known.batches.length, start: 0, end: size, line: statement.line, statements: 1, rows: 0, delimiter: ';', noBackslashEscapes: false, file, spans: null, infile: { ...statement.infile, spec: textFormSpec(statement.infile.spec, known.ddl.text) } });
          known.bytes += size;
          bytes += size;
          infileTables.add(known);
        }
      }
      if (t.view) {
        const { plan } = await planFile(t.view, name);
        count(plan);
        views.push({ name: t.name, statements: objectsOf(plan), dependsOn: [] });
      }
      if (t.triggers) {
        const { plan } = await planFile(t.triggers, name);
        count(plan);
        triggers.push(...objectsOf(plan));
      }
    }
    for (const file of d.triggers) {
      const { plan } = await planFile(file, name);
      count(plan);
      triggers.push(...objectsOf(plan));
    }
    for (const post of d.post) {
      const { plan } = await planFile(post, name);
      count(plan);
      objects.push(...objectsOf(plan));
    }
    // a view must come after the views it reads (mydumper writes them in name order)
    for (const v of views) v.dependsOn = views.filter((o) => o !== v && v.statements.some((s) => s.what.kind === 'object' && !s.what.drop && s.text.includes(wireIdent(o.name, 'binary')))).map((o) => o.name);
    for (const v of dependencyOrder(views)) objects.push(...v.statements);
    objects.push(...triggers);
  }
  const plan: ScriptPlan = {
    header,
    charset,
    databases,
    objects,
    bytes,
    statements,
    sha256: digest.digest('hex'),
    complete: layout.finished,
    problem: layout.finished ? null : 'mydumper did not finish',
    lastComplete: null,
    notes: [],
    commentDatabase: null,
    orphans: [],
    unclosed: null,
    // each chunk file is planned alone, under the SETs it starts with
    stateChange: null,
    // mydumper writes no DELETE / TRUNCATE
    emptiedAfterRows: null,
    deletesAfterRows: [],
    // each file is planned alone: its statements run where they stand
    outOfOrder: null,
  };
  const uncounted = countInfileRows(meta, databases, infileTables, notes);
  checkRowCounts(meta, databases, infileTables, refuse);
  // mydumper writes a MariaDB sequence as CREATE TABLE … SEQUENCE=1, which creates its one row:
  // the metadata counts none under --no-data, the INSERT of its state replaces that row
  for (const d of databases) for (const t of d.tables) if (isSequenceTable(t.ddl.text)) uncounted.add(sourceKey(d.name, t.name));
  const checksums = new Map<string, string>();
  for (const d of databases) for (const t of d.tables) {
    const c = meta?.checksums.get(metaKey(d, t));
    // CHECKSUM TABLE of a system-versioned table covers its row_start / row_end, which the load sets anew
    if (c !== undefined && SYSTEM_VERSIONED.test(t.ddl.text)) notes.push(`${d.name}.${t.name}: system-versioned, so mydumper's data_checksum (over its row_start / row_end too) is not compared; its row count is`);
    else if (c !== undefined) checksums.set(sourceKey(d.name, t.name), c);
  }
  return runPlannedImport({ opts, files, plan, dumpId: `mydumper-${plan.sha256}`, kind: 'mydumper', notes, replication: coordinates(meta), coordinates: meta ? { mode: 'mydumper-metadata', exact: false, binlog: meta.binlog, gtid: meta.gtid } : NO_COORDINATES, checksums, uncounted, scratch }, reporter, signal);
}

/** The database of a planned database as the file names (and the metadata's table sections) name it. */
const fileNames = new WeakMap<PlannedDatabase, string>();

/** A table's section name in the 1.0 metadata. */
function metaKey(d: PlannedDatabase, table: PlannedTable): string {
  const db = fileNames.get(d) ?? d.name!;
  // the planned name is text (format/sql-classify.ts decodes identifiers), as the metadata's is
  return mydumperMetaKey(db, table.name);
}

/**
 * The LOAD DATA statement of a chunk file whose rows are in `dat`, read into what the loader
 * sends; null (under --force, noted) when it cannot be honoured.
 */
function infileStatement(plan: ScriptPlan, name: string, dat: string, shown: string, refuseFile: Refuse): { infile: InfileBatch; line: number } | null {
  const loads = plan.objects.filter((o) => o.what.kind === 'other' && isLoadData(o.text));
  const refuse = (why: string, suggestion: string): null => {
    refuseFile(name, `${why}: its rows (${dat}) would not be loaded`, suggestion);
    return null;
  };
  if (loads.length !== 1) return refuse(`holds ${loads.length} LOAD DATA statements, not one (its rows are in ${dat})`, 'dump again with mydumper');
  const st = loads[0]!;
  const parsed = parseLoadData(st.text, st.noBackslashEscapes);
  if (!parsed.spec) return refuse(`the LOAD DATA statement at line ${st.line} cannot be honoured: ${parsed.problem}`, 'tsload reads the statements mydumper writes (FIELDS / LINES options, IGNORE n LINES, a column list, SET col = UNHEX(@v) / CONVERT(@v USING cs)); fix the statement, or load this table with myloader');
  const stem = (f: string): string => f.replace(/^.*\//, '').replace(/\.(gz|zst)$/, '');
  if (stem(parsed.spec.file) !== stem(dat)) return refuse(`its LOAD DATA statement reads '${parsed.spec.file}', not ${dat}, the file named like it`, 'a renamed or edited dump: name the .dat file as the statement does');
  const names = plan.header.map((h) => /^\s*(?:\/\*!\d*\s*)?SET\s+NAMES\s+'?(\w+)/i.exec(h.text)?.[1]).find((x) => x !== undefined);
  return { infile: { spec: parsed.spec, charset: names ?? 'binary', statementFile: shown }, line: st.line };
}

/**
 * LOAD DATA chunks are not read while planning: their tables' rows are the metadata's count
 * (checked after the load). Returns the tables without one (no row count to check).
 */
function countInfileRows(meta: MydumperMetadata | null, databases: readonly PlannedDatabase[], infileTables: ReadonlySet<PlannedTable>, notes: string[]): Set<string> {
  const uncounted = new Set<string>();
  for (const d of databases) {
    for (const t of d.tables) {
      if (!infileTables.has(t)) continue;
      const n = meta?.rows.get(metaKey(d, t));
      if (n !== undefined && t.batches.every((b) => b.infile)) {
        t.rows = n;
        if (t.batches.length === 1) t.batches[0]!.rows = n;
      }
      else {
        uncounted.add(sourceKey(d.name, t.name));
        notes.push(`${d.name}.${t.name}: its LOAD DATA chunks' rows are not counted by the metadata: its row count is not checked after the load`);
      }
    }
  }
  return uncounted;
}

/** A CREATE TABLE of a system-versioned table (its period columns named or not). */
const SYSTEM_VERSIONED = /\bWITH\s+SYSTEM\s+VERSIONING\b|\bGENERATED\s+ALWAYS\s+AS\s+ROW\s+(START|END)\b/i;

/**
 * The 1.0 metadata's row count per table against the rows its INSERT chunk files hold: a chunk
 * file missing or replaced, or the metadata edited, is refused before anything is loaded.
 */
function checkRowCounts(meta: MydumperMetadata | null, databases: readonly PlannedDatabase[], infileTables: ReadonlySet<PlannedTable>, refuse: Refuse): void {
  if (!meta || meta.rows.size === 0) return;
  for (const d of databases) {
    for (const t of d.tables) {
      if (infileTables.has(t)) continue;
      const want = meta.rows.get(metaKey(d, t));
      if (want !== undefined && want !== t.rows) refuse('metadata', `mydumper's metadata says ${d.name}.${t.name} has ${want} rows, its INSERT chunk files hold ${t.rows} (a chunk file missing or replaced, or the metadata edited)`, 'restore the dump\'s files as mydumper wrote them');
    }
  }
}

/** The dump's source coordinates, shown like ours. */
function coordinates(meta: MydumperMetadata | null): string[] {
  if (!meta) return [];
  const pos = meta.binlog ? `${meta.binlog.file}:${meta.binlog.position}` : 'none recorded';
  return [`source coordinates (mydumper metadata, dump started ${meta.started ?? '?'}): binlog ${pos}${meta.gtid ? `, GTID ${meta.gtid}` : ''}`];
}
