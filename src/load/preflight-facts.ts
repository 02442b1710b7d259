import pLimit from 'p-limit';
import { TsError } from '../core/errors.js';
import { readGrants } from '../db/privileges.js';
import { invokerView, parseDefiner } from './absent-definers.js';
import { innodbDefaultRowFormat } from '../db/innodb-row-format.js';
import type { Session } from '../db/session.js';
import { readExistingObjects } from './existing-objects.js';
import type { ObjectEntry, TableEntry } from '../format/manifest.js';
import type { DumpStore } from '../storage/dump-store.js';
import { readSchemaFile } from './dump-reader.js';
import type { LoadFacts, LoadPreflightPlan } from './preflight.js';
import type { RunRecord } from './progress-store.js';
import { SqlProgressStore } from './sql-progress-store.js';

/** Reads what the load preflight decides from, with read-only statements only (a dry run runs it too). */
export async function gatherLoadFacts(control: Session, targetDbs: readonly string[], definers: readonly string[] = []): Promise<LoadFacts> {
  const vars = await control.query<{ li: string; map: string; ro: string; lctn: string; lb: string; tfc: string; edt: string; sbl: string }>(
    'SELECT @@GLOBAL.local_infile AS li, @@GLOBAL.max_allowed_packet AS map, @@GLOBAL.read_only AS ro, @@lower_case_table_names AS lctn, @@GLOBAL.log_bin AS lb, @@GLOBAL.log_bin_trust_function_creators AS tfc, @@GLOBAL.explicit_defaults_for_timestamp AS edt, @@GLOBAL.log_bin AND @@SESSION.sql_log_bin AND @@GLOBAL.binlog_format = \'STATEMENT\' AS sbl',
  );
  const v = vars[0];
  const existingTables = new Map<string, Set<string>>(targetDbs.map((d) => [d, new Set<string>()]));
  if (targetDbs.length > 0) {
    const rows = await control.query<{ s: string; t: string }>(`SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${targetDbs.map(() => '?').join(', ')})`, targetDbs);
    for (const r of rows) {
      const db = existingTables.has(r.s) ? r.s : targetDbs.find((d) => d.toLowerCase() === r.s.toLowerCase());
      if (db !== undefined) existingTables.get(db)!.add(r.t);
    }
  }
  const store = new SqlProgressStore(control);
  const runs = new Map<string, RunRecord | null>();
  const haveProgress = await store.exists();
  for (const d of targetDbs) runs.set(d, haveProgress ? await store.run(d) : null);
  return {
    localInfile: Number(v?.li ?? 0) === 1,
    maxAllowedPacket: Number(v?.map ?? 0),
    readOnly: Number(v?.ro ?? 0) === 1,
    creatorsUntrusted: Number(v?.lb ?? 0) === 1 && Number(v?.tfc ?? 0) === 0,
    caseInsensitive: Number(v?.lctn ?? 0) !== 0,
    explicitDefaultsOff: Number(v?.edt ?? 1) === 0,
    grants: await readGrants(control),
    existingTables,
    existingObjects: await readExistingObjects(control, targetDbs),
    runs,
    autoincLockMode: await autoincLockMode(control),
    bulkOperations: control.bulkOperations,
    statementBinlog: Number(v?.sbl ?? 0) === 1,
    innodbDefaultRowFormat: await innodbDefaultRowFormat(control),
    ...(await charsetFacts(control)),
    definers: await definersPresent(control, definers),
  };
}

/** Whether the target has each DEFINER account (absent-definers.ts); null when the account may not read mysql.user. */
async function definersPresent(control: Session, definers: readonly string[]): Promise<Map<string, boolean> | null> {
  const out = new Map<string, boolean>();
  try {
    for (const d of definers) {
      const a = parseDefiner(d);
      if (a) out.set(d, Number(await control.scalar('SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?', [a.user, a.host])) > 0);
    }
  } catch (e) {
    if (e instanceof TsError && e.code === 'privilege') return null;
    throw e;
  }
  return out;
}

/** The target's collations and character set widths (what --convert-utf8mb4 is checked against). */
async function charsetFacts(control: Session): Promise<Pick<LoadFacts, 'collations' | 'charsetWidths'>> {
  const collations = await control.query<{ c: string }>('SELECT COLLATION_NAME AS c FROM information_schema.COLLATIONS');
  const charsets = await control.query<{ c: string; w: string }>('SELECT CHARACTER_SET_NAME AS c, MAXLEN AS w FROM information_schema.CHARACTER_SETS');
  return { collations: new Set(collations.map((r) => r.c.toLowerCase())), charsetWidths: new Map(charsets.map((r) => [r.c.toLowerCase(), Number(r.w)])) };
}

/**
 * The dump's SHOW CREATE TABLE of the tables the --convert-utf8mb4 checks judge (createdTables:
 * only under that option, only tables this load creates), a few files at a time (an object store
 * answers each in a round trip).
 */
export async function readDefinitions(store: DumpStore, tables: readonly TableEntry[], opts: LoadPreflightPlan['opts']): Promise<Map<TableEntry, string>> {
  const out = new Map<TableEntry, string>();
  if (!opts.convertUtf8mb4 || opts.restore.noSchema) return out;
  const limit = pLimit(8);
  await Promise.all(tables.map((tb) => limit(async () => out.set(tb, await readSchemaFile(store, tb.schema)))));
  return out;
}

/** Of the views the DEFINER check would refuse (definerBlockingViews), those whose file says SQL SECURITY INVOKER. */
export async function readInvokerViews(store: DumpStore, views: readonly { readonly sourceDb: string; readonly view: ObjectEntry }[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const v of views) if (invokerView(await readSchemaFile(store, v.view.file))) out.add(`${v.sourceDb}\0${v.view.name}`);
  return out;
}

/** A server without InnoDB has no such variable: no advice then, never a failed preflight. */
async function autoincLockMode(control: Session): Promise<number | null> {
  try {
    const v = await control.scalar('SELECT @@GLOBAL.innodb_autoinc_lock_mode');
    return v === null ? null : Number(v);
  } catch {
    return null;
  }
}
