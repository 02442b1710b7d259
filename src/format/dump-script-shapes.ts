/**
 * Shapes of mysqldump / mariadb-dump statements the script planner (script-plan.ts) treats apart:
 * the wrapper around a CREATE TABLE, the stand-ins written for views before their definitions,
 * statements that change or copy rows, and how a statement the file was cut in is shown.
 */
import { normalizeHead, type Classified } from './sql-classify.js';
import type { SqlStatement } from './sql-statement.js';
import { insertQualifier } from './insert-verb.js';
import { mapQuoted } from './create-table.js';
import { withoutComments } from './sql-text.js';

/** The database a one-database dump names in its header comment (`-- Host: … Database: shop`). */
export function commentDatabase(start: Buffer): string | null {
  const m = /^-- Host: .*?\bDatabase: (.+?)\s*$/m.exec(start.toString('latin1'));
  return m ? Buffer.from(m[1]!, 'latin1').toString('utf8') : null;
}

/** mariadb-dump's / mysqldump's stand-in for a view, before the views' final definitions: `CREATE VIEW \`v\` AS SELECT 1 AS \`a\``. */
export const STAND_IN = /^CREATE\s+VIEW\s+`(?:[^`]|``)+`\s+AS\s+SELECT\s+(?:1|NULL)\s+AS\s+`/i;
/**
 * The SET that opens mysqldump's wrapper of a CREATE TABLE (`SET @saved_cs_client = @@character_set_client;
 * SET character_set_client = utf8; CREATE …; SET character_set_client = @saved_cs_client`): it ends the
 * header. In a one-database dump without DROP TABLE (--skip-add-drop-table) nothing else stands between
 * the header and the first table, and the wrapper's character_set_client would become every session's.
 */
export const TABLE_WRAPPER = /^SET\s+@saved_cs_client\s*=/i;

/** An UPDATE / DELETE (with WHERE: one without is an 'empty-table') / multi-table DELETE, classified 'other'. */
export const CHANGES_ROWS = /^(?:UPDATE|DELETE)\b/i;
/** INSERT [INTO] t [(cols)] SELECT … (a SELECT before any VALUES or quote; a backquoted `select` column is not one). */
export const INSERT_SELECT = /^(?:INSERT|REPLACE)\b(?:(?!\bVALUES?\b)(?:[^'"`(]|`[^`]*`))*(?:\((?:[^()'"`]|`[^`]*`)*\))?\s*\(?\s*SELECT\b/i;

/**
 * Whether a CREATE TABLE statement is a CREATE TABLE … [AS] SELECT (or … WITH … SELECT): a SELECT
 * outside its strings, quoted names and comments — nothing else in a CREATE TABLE may hold one (a
 * column named select is quoted; defaults, checks and generated columns take no subquery).
 */
export function createsFromSelect(text: string, noBackslashEscapes = false): boolean {
  return /\bSELECT\b/i.test(mapQuoted(withoutComments(text, noBackslashEscapes), () => ' ', (code) => code, noBackslashEscapes));
}

/** The start of a statement the file was cut in, for the message: `INSERT INTO \`big\` VALUES (1,…`. */
export function cutStatement(st: SqlStatement): string {
  const h = Buffer.from(normalizeHead(st.head), 'latin1').toString('utf8');
  return h.length > 40 ? `${h.slice(0, 40)}…` : h;
}

/**
 * The objects without the views whose last CREATE is the stand-in written for them up front
 * (`CREATE VIEW v AS SELECT NULL AS \`a\`, …`, so that views may read each other in any order),
 * with their DROPs, and those views' names: of a file cut before the final definitions, a stand-in
 * created would look restored and return NULLs.
 */
export function dropStandIns<T extends { readonly text: string; readonly database: string | null; readonly what: Classified }>(all: readonly T[]): { objects: T[]; standIns: string[] } {
  const viewKey = (o: T): string | null => (o.what.kind === 'object' && o.what.object === 'view' ? `${o.database ?? ''}\u0000${o.what.name}` : null);
  const last = new Map<string, T>();
  for (const o of all) {
    const k = viewKey(o);
    if (k !== null && o.what.kind === 'object' && !o.what.drop) last.set(k, o);
  }
  const standIns = [...last].filter(([, o]) => STAND_IN.test(normalizeHead(o.text)));
  const out = new Set(standIns.map(([k]) => k));
  return {
    objects: all.filter((o) => !out.has(viewKey(o) ?? '')),
    standIns: standIns.map(([, o]) => `${o.database ? `${o.database}.` : ''}${o.what.kind === 'object' ? o.what.name : ''}`),
  };
}

/** An INSERT head (HEAD_BYTES, latin1) naming a database where the load cannot write the target's name (insertQualifier). */
export function unwritableQualifier(head: string): boolean {
  return insertQualifier(Buffer.from(head, 'latin1'), 0, head.length) === null;
}
