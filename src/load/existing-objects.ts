/**
 * A fresh load meeting views, routines, triggers and events that exist already in a target
 * database. The object step (object-steps.ts) creates each of the dump's objects with
 * `DROP … IF EXISTS` / `CREATE OR REPLACE`, which is right for an object an interrupted run of the
 * same load created, and wrong for one of the user's: so a fresh load refuses every object of the
 * dump whose name is taken (preflight.ts, before anything changes, and checkExistingTables at the
 * start of the run), unless --drop-table drop says to replace them. A resumed load is not checked:
 * its first run was, so what exists now of the dump's objects is its own.
 *
 * A trigger's name is per database, not per table: the dump's trigger `tr1` on its table `t` would
 * replace the user's `tr1` on any table.
 */
import type { ObjectEntry } from '../format/manifest.js';
import type { StatementRunner } from './control-session.js';

export const CHECKED_KINDS = ['view', 'procedure', 'function', 'trigger', 'event'] as const;
export type CheckedKind = (typeof CHECKED_KINDS)[number];

/** An object found in a target database. */
export interface ExistingObject {
  readonly kind: CheckedKind;
  readonly name: string;
  /** A trigger's table. */
  readonly table?: string;
}

/** The objects of `dbs`, per database (read-only statements: the dry run reads them too). */
export async function readExistingObjects(runner: Pick<StatementRunner, 'query'>, dbs: readonly string[]): Promise<Map<string, ExistingObject[]>> {
  const out = new Map<string, ExistingObject[]>(dbs.map((d) => [d, []]));
  if (dbs.length === 0) return out;
  const marks = dbs.map(() => '?').join(', ');
  const rows = await runner.query<{ db: string; kind: string; name: string; tbl: string | null }>(
    `SELECT TABLE_SCHEMA AS db, 'view' AS kind, TABLE_NAME AS name, NULL AS tbl FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN (${marks})
     UNION ALL SELECT ROUTINE_SCHEMA, LOWER(ROUTINE_TYPE), ROUTINE_NAME, NULL FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (${marks}) AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION')
     UNION ALL SELECT TRIGGER_SCHEMA, 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (${marks})
     UNION ALL SELECT EVENT_SCHEMA, 'event', EVENT_NAME, NULL FROM information_schema.EVENTS WHERE EVENT_SCHEMA IN (${marks})`,
    [...dbs, ...dbs, ...dbs, ...dbs],
  );
  for (const r of rows) {
    const db = out.has(r.db) ? r.db : dbs.find((d) => d.toLowerCase() === r.db.toLowerCase());
    if (db === undefined || !(CHECKED_KINDS as readonly string[]).includes(r.kind)) continue;
    out.get(db)!.push({ kind: r.kind as CheckedKind, name: r.name, ...(r.tbl !== null ? { table: r.tbl } : {}) });
  }
  return out;
}

/**
 * The objects of the dump whose names are taken in the target. Routine, trigger and event names
 * compare case-insensitively (the server's rule); a view's name as a table's does
 * (lower_case_table_names).
 */
export function clashingObjects(ours: readonly Pick<ObjectEntry, 'kind' | 'name'>[], existing: readonly ExistingObject[], caseInsensitiveTables: boolean): ExistingObject[] {
  const same = (kind: CheckedKind, a: string, b: string): boolean => (kind === 'view' && !caseInsensitiveTables ? a === b : a.toLowerCase() === b.toLowerCase());
  return existing.filter((e) => ours.some((o) => o.kind === e.kind && same(e.kind, o.name, e.name)));
}

/** "trigger shop.tr1 (on table u)". */
export function describeExisting(db: string, o: ExistingObject): string {
  return `${o.kind} ${db}.${o.name}${o.table !== undefined ? ` (on table ${o.table})` : ''}`;
}

export const OBJECT_CLASH_FIX =
  'load into another database (-B/--rename), or rename or drop those objects yourself, or pass --drop-table drop to replace them with the dump\'s (it also drops and recreates the dump\'s tables that exist); nothing was changed';
