/**
 * tsload for a mydumper directory: the layout from the file names (format/mydumper-layout.ts),
 * every file planned like a mysqldump file (format/script-plan.ts) and the plans put together —
 * a table from its -schema.sql file, its INSERT batches from each of its chunk files in order —
 * then loaded by the same steps as a mysqldump file (import-load.ts runPlannedImport): tables in
 * parallel, sized transactions with exactly-once progress, deferred indexes, then routines and
 * events (-schema-post), views (dependency order) and triggers, verified by row counts.
 */
import { createHash } from 'node:crypto';
import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { mydumperLayout, parseMydumperMetadata, type MydumperMetadata } from '../format/mydumper-layout.js';
import { ScriptPlanner, type PlannedDatabase, type PlannedTable, type ScriptPlan, type ScriptText } from '../format/script-plan.js';
import type { DumpStore } from '../storage/dump-store.js';
import { dependencyOrder } from './ddl.js';
import { wireIdent } from './import-context.js';
import { NO_COORDINATES, runPlannedImport, type ImportResult } from './import-load.js';
import { scriptBytes, scriptFile, type ScriptFile } from './import-source.js';
import type { LoadOptions } from './load-options.js';
import type { ScratchTargets } from './restore-test.js';

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

/** `scratch`: a restore drill's (restore-test.ts) choice of the target databases, instead of -B/--rename. */
export async function runMydumperImport(given: LoadOptions, store: DumpStore, display: string, reporter: Reporter, signal?: AbortSignal, scratch?: ScratchTargets): Promise<ImportResult> {
  const opts: LoadOptions = Object.freeze({ ...given, sqlMode: given.sqlMode ?? MYDUMPER_SQL_MODE });
  const names = (await store.list()).filter((e) => e.regular).map((e) => e.path);
  const layout = mydumperLayout(names);
  const notes: string[] = layout.unsupported.map((n) => `${n} is not loaded (${/\.dat(\.|$)/.test(n) ? 'CSV chunks of --load-data are not read yet' : 'not a file of the mydumper layout'})`);
  if (!layout.finished) {
    const why = names.includes('metadata.partial') ? 'metadata.partial is there but no metadata: mydumper did not finish' : 'there is no metadata file: mydumper did not finish (or this is not a mydumper directory)';
    if (!opts.force) throw new TsError({ code: 'bad-dump', message: `${display} is not a complete mydumper dump: ${why}. Nothing was loaded`, object: { file: display }, suggestion: 'dump again, or pass --force to load what the files hold' });
    notes.push(`${display} is not complete (${why}); loading what its files hold`);
  }
  const meta = layout.finished ? parseMydumperMetadata((await store.readFile('metadata')).toString('utf8')) : null;
  reporter.emit({ kind: 'info', message: `${display}: a mydumper directory, ${layout.databases.length} database(s); planning` });
  const files: ScriptFile[] = [];
  const limits = { statements: opts.rowsPerTransaction, bytes: opts.bytesPerTransaction };
  const digest = createHash('sha256');
  const planFile = async (name: string, db: string, prepare?: (p: ScriptPlanner) => void): Promise<FilePlan> => {
    const file = files.length;
    const f = scriptFile(store, name, `${display}/${name}`);
    files.push(f);
    const p = new ScriptPlanner({ limits, footer: false, database: db, file });
    prepare?.(p);
    for await (const piece of scriptBytes(f)) p.push(piece);
    const plan = p.finish();
    digest.update(`${name}\u0000${plan.sha256}\n`);
    if (!plan.complete) {
      const objectFile = /-schema-(post|triggers|view)\.sql/.test(name);
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
  const objects: ScriptText[] = [];
  let header: readonly ScriptText[] = [];
  let bytes = 0;
  let statements = 0;
  const count = (p: ScriptPlan): void => {
    bytes += p.bytes;
    statements += p.statements;
  };
  /** An object file's statements, its SET header included (they set the object's charset). */
  const objectsOf = (p: ScriptPlan): ScriptText[] => [...p.header, ...p.objects];
  for (const d of layout.databases) {
    const planned: PlannedDatabase = { name: d.name, create: null, tables: [] };
    databases.push(planned);
    if (d.create) {
      const { plan } = await planFile(d.create, d.name);
      count(plan);
      planned.create = plan.databases.find((x) => x.name === d.name)?.create ?? null;
    }
    const views: { name: string; statements: ScriptText[]; dependsOn: string[] }[] = [];
    const triggers: ScriptText[] = [];
    for (const t of d.tables.values()) {
      let table: PlannedTable | undefined;
      if (t.schema && !t.view) {
        const { plan } = await planFile(t.schema, d.name);
        count(plan);
        table = plan.databases.flatMap((x) => x.tables)[0];
        if (table) planned.tables.push(table);
      }
      for (const data of t.data) {
        if (!table) {
          notes.push(`${data}: data of ${d.name}.${t.name}, which has no -schema.sql file, is not loaded`);
          continue;
        }
        const known = table;
        const { plan } = await planFile(data, d.name, (p) => p.adopt(known));
        count(plan);
        if (header.length === 0) header = plan.header;
        if (!plan.complete) known.complete = false;
      }
      if (t.view) {
        const { plan } = await planFile(t.view, d.name);
        count(plan);
        views.push({ name: t.name, statements: objectsOf(plan), dependsOn: [] });
      }
      if (t.triggers) {
        const { plan } = await planFile(t.triggers, d.name);
        count(plan);
        triggers.push(...objectsOf(plan));
      }
    }
    for (const post of d.post) {
      const { plan } = await planFile(post, d.name);
      count(plan);
      objects.push(...objectsOf(plan));
    }
    // a view must come after the views it reads (mydumper writes them in name order)
    for (const v of views) v.dependsOn = views.filter((o) => o !== v && v.statements.some((s) => s.what.kind === 'object' && !s.what.drop && s.text.includes(wireIdent(o.name)))).map((o) => o.name);
    for (const v of dependencyOrder(views)) objects.push(...v.statements);
    objects.push(...triggers);
  }
  const plan: ScriptPlan = {
    header,
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
  };
  checkRowCounts(meta, databases, notes);
  return runPlannedImport({ opts, files, plan, dumpId: `mydumper-${plan.sha256}`, kind: 'mydumper', notes, replication: coordinates(meta), coordinates: meta ? { mode: 'mydumper-metadata', exact: false, binlog: meta.binlog, gtid: meta.gtid } : NO_COORDINATES, scratch }, reporter, signal);
}

/** The 1.0 metadata's row count per table against the rows its chunk files hold. */
function checkRowCounts(meta: MydumperMetadata | null, databases: readonly PlannedDatabase[], notes: string[]): void {
  if (!meta || meta.rows.size === 0) return;
  for (const d of databases) {
    for (const t of d.tables) {
      const want = meta.rows.get(`\`${d.name}\`.\`${t.name}\``);
      if (want !== undefined && want !== t.rows) notes.push(`${d.name}.${t.name}: mydumper's metadata says ${want} rows, its files hold ${t.rows}`);
    }
  }
}

/** The dump's source coordinates, shown like ours. */
function coordinates(meta: MydumperMetadata | null): string[] {
  if (!meta) return [];
  const pos = meta.binlog ? `${meta.binlog.file}:${meta.binlog.position}` : 'none recorded';
  return [`source coordinates (mydumper metadata, dump started ${meta.started ?? '?'}): binlog ${pos}${meta.gtid ? `, GTID ${meta.gtid}` : ''}`];
}
