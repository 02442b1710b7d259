import { quoteIdent } from '../core/ident.js';
import { createBodySpans, mapQuoted, parseCreateBody, unquoted } from '../format/create-table.js';
import { skipQuoted } from '../format/sql-text.js';
import { objectHeaderQualifiers } from './object-header.js';

/**
 * Pure DDL text transforms for the loader: split a SHOW CREATE TABLE into the create statement
 * without secondary indexes / foreign keys plus the clauses to add them later, and the load-time
 * rewrites (database rename, DEFINER removal, utf8mb3 → utf8mb4, storage engine).
 *
 * Contract: input is the server's own SHOW CREATE text (one definition per top-level comma inside
 * the outer parentheses); quoted strings ('…' with backslash or doubled-quote escapes, "…", `…`)
 * are never split or rewritten except where a rule says so.
 */

export interface SplitTable {
  /** CREATE TABLE with PRIMARY KEY, CHECKs and (when needed) the AUTO_INCREMENT column's key. */
  readonly create: string;
  /** ALTER TABLE clauses for secondary indexes, as `ADD <definition>` with the index name. */
  readonly indexes: readonly DeferredClause[];
  /** ALTER TABLE clauses for foreign keys. */
  readonly foreignKeys: readonly DeferredClause[];
}

export interface DeferredClause {
  readonly name: string;
  /** `ADD UNIQUE KEY \`u\` (\`a\`)` and the like. */
  readonly clause: string;
  /** FULLTEXT indexes must be added one per ALTER on InnoDB. */
  readonly alone: boolean;
}

const INDEX_RE = /^(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+|VECTOR\s+)?(KEY|INDEX)\s+(`(?:[^`]|``)*`)/i;
const FK_RE = /^CONSTRAINT\s+(`(?:[^`]|``)*`)\s+FOREIGN\s+KEY\b/i;
/** `PARTITION BY [LINEAR] KEY [ALGORITHM=n] ()`: partitioned by the table's key, no columns named. */
const PARTITION_BY_KEY_RE = /\bPARTITION\s+BY\s+(?:LINEAR\s+)?KEY\s*(?:ALGORITHM\s*=\s*\d+\s*)?\(\s*\)/i;

/**
 * Whether the text after a CREATE TABLE's columns partitions by KEY (): outside string literals (a
 * COMMENT), and across the version comments MySQL splits the clause into
 * (`/*!50100 PARTITION BY KEY *\/ /*!50611 ALGORITHM = 1 *\/ /*!50100 () PARTITIONS 3 *\/`).
 */
function partitionedByKey(tail: string): boolean {
  return PARTITION_BY_KEY_RE.test(unquoted(tail).replace(/\/\*!\d*|\*\//g, ' '));
}

function identName(quoted: string): string {
  return quoted.slice(1, -1).replace(/``/g, '`');
}

/** First column of an index definition `KEY \`n\` (\`c\`(10),...)`. */
function firstIndexColumn(def: string): string | null {
  const m = /\(\s*(`(?:[^`]|``)*`)/.exec(def.replace(INDEX_RE, ''));
  return m ? identName(m[1]!) : null;
}

/**
 * Splits SHOW CREATE TABLE text. With `defer` false, everything stays in the create statement.
 * The AUTO_INCREMENT column needs an index starting with it: if the primary key does not, the first
 * such secondary index stays in the create statement — and so does every index listed before it.
 * The server keeps keys sorted by kind (unique before plain before FULLTEXT) and, within a kind,
 * in creation order, with the keys a table was created with before the ones added later; SHOW
 * CREATE lists them in that order. Keeping a prefix of the list and adding the rest in list order
 * gives back the same order whatever the kinds (keeping only the AUTO_INCREMENT key put it before
 * the plain keys listed ahead of it). `keepUnique` keeps the UNIQUE keys in the create statement
 * (listed first of the secondary keys, so the order holds): a load whose duplicates are ignored or
 * replaced needs them while it inserts, and a table without a primary key partitioned by KEY ()
 * needs them to be created.
 */
export function splitCreateTable(sql: string, defer: boolean, keepUnique = false): SplitTable {
  const body = parseCreateBody(sql);
  if (!defer || body.items.length === 0) return { create: sql, indexes: [], foreignKeys: [] };
  const pk = body.items.find((i) => /^PRIMARY\s+KEY/i.test(i));
  // PARTITION BY KEY () partitions by the primary key, or without one by a UNIQUE key: it must be
  // there at CREATE (error 1488 otherwise)
  if (!pk && partitionedByKey(body.tail)) keepUnique = true;
  let autoColumn: string | null = null;
  for (const item of body.items) {
    const m = /^(`(?:[^`]|``)*`)\s/.exec(item);
    if (m && /\bAUTO_INCREMENT\b/i.test(unquoted(item.slice(m[0].length)))) autoColumn = identName(m[1]!);
  }
  let autoCovered = false;
  if (autoColumn !== null) {
    if (pk) {
      const m = /\(\s*(`(?:[^`]|``)*`)/.exec(pk);
      autoCovered = m !== null && identName(m[1]!) === autoColumn;
    }
  }
  // the last index that must stay: every index up to it stays too
  let keepUpTo = -1;
  if (autoColumn !== null && !autoCovered) keepUpTo = body.items.findIndex((i) => INDEX_RE.test(i) && firstIndexColumn(i) === autoColumn);
  const keep: string[] = [];
  const indexes: DeferredClause[] = [];
  const foreignKeys: DeferredClause[] = [];
  for (const [n, item] of body.items.entries()) {
    const ix = INDEX_RE.exec(item);
    if (ix) {
      if (n <= keepUpTo || (keepUnique && /^UNIQUE\s/i.test(item))) keep.push(item);
      else indexes.push({ name: identName(ix[3]!), clause: `ADD ${item}`, alone: /^FULLTEXT/i.test(item) });
      continue;
    }
    const fk = FK_RE.exec(item);
    if (fk) {
      foreignKeys.push({ name: identName(fk[1]!), clause: `ADD ${item}`, alone: false });
      continue;
    }
    keep.push(item);
  }
  const create = `${body.head}\n  ${keep.join(',\n  ')}\n${body.tail}`;
  return { create, indexes, foreignKeys };
}

/**
 * The secondary indexes and foreign keys of a SHOW CREATE TABLE, by name, each with its
 * definitionSignature: what a deferred clause is compared with once the table has an index or
 * foreign key of that name it did not add itself (an ALTER left running by a killed run).
 */
export function deferredDefinitions(showCreate: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of parseCreateBody(showCreate).items) {
    const key = deferredKey(item);
    if (key) out.set(key, definitionSignature(item));
  }
  return out;
}

/**
 * What names an index or foreign key definition (with or without `ADD`) among a table's: its kind and
 * name. An index and a foreign key may share a name (InnoDB names the index it creates for a foreign
 * key after the constraint: `KEY fk (c), CONSTRAINT fk FOREIGN KEY (c) …`).
 */
export function deferredKey(definition: string): string | null {
  const def = definition.replace(/^ADD\s+/i, '');
  const ix = INDEX_RE.exec(def);
  if (ix) return `index ${identName(ix[3]!)}`;
  const fk = FK_RE.exec(def);
  return fk ? `foreign key ${identName(fk[1]!)}` : null;
}

/**
 * What identifies an index or foreign key definition (`UNIQUE KEY \`u\` (\`a\`,\`b\`(10)) USING BTREE`,
 * without `ADD`): an index's kind, name and column list, its options (USING, COMMENT, which servers
 * print differently) left out; a foreign key whole. Blanks outside quotes do not count.
 */
export function definitionSignature(definition: string): string {
  const def = definition.replace(/^ADD\s+/i, '');
  const ix = INDEX_RE.exec(def);
  if (!ix) return collapse(def);
  const open = def.indexOf('(', ix[0].length);
  if (open < 0) return collapse(def);
  let depth = 0;
  let i = open;
  for (; i < def.length; i++) {
    const c = def[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(def, i) - 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) break;
  }
  return collapse(`${(ix[1] ?? '').toUpperCase()}KEY ${ix[3]} ${def.slice(open, i + 1)}`);
}

/** Blanks outside quoted strings and identifiers removed or collapsed: the same text however it was spaced. */
function collapse(sql: string): string {
  return mapQuoted(sql, (t) => t, (plain) => plain.replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1')).trim();
}

/** ALTER TABLE statements adding the given clauses: FULLTEXT ones alone, the rest together. */
export function alterStatements(qualifiedTable: string, clauses: readonly DeferredClause[]): string[] {
  const together = clauses.filter((c) => !c.alone).map((c) => c.clause);
  const out = clauses.filter((c) => c.alone).map((c) => `ALTER TABLE ${qualifiedTable} ${c.clause}`);
  if (together.length > 0) out.unshift(`ALTER TABLE ${qualifiedTable} ${together.join(', ')}`);
  return out;
}

/** `CREATE TABLE` → `CREATE TABLE IF NOT EXISTS` (and the same for sequences). */
export function ifNotExists(sql: string): string {
  return sql.replace(/^\s*CREATE\s+(TABLE|SEQUENCE)\s+(?!IF\s+NOT\s+EXISTS)/i, (_m, kind: string) => `CREATE ${kind.toUpperCase()} IF NOT EXISTS `);
}

/** `CREATE VIEW …` / `CREATE ALGORITHM=… VIEW …` → `CREATE OR REPLACE …`. */
export function orReplace(sql: string): string {
  return sql.replace(/^\s*CREATE\s+(?!OR\s+REPLACE)/i, 'CREATE OR REPLACE ');
}

/**
 * Replaces every qualified reference `src`.x to another database by `dst`.x, outside string
 * literals. Only backquoted references are rewritten (the server's SHOW CREATE always quotes),
 * except in the header of a trigger, routine or event, where the text is the user's own (a trigger
 * keeps it: `CREATE TRIGGER src.trg … ON src.t2`): there a qualifier naming a renamed database is
 * rewritten quoted or bare, as it decides where the object is created. A bare reference in a body
 * is left as written, as in views and routines (`src.t` may be a table alias's column).
 */
export function renameDatabases(sql: string, renames: ReadonlyMap<string, string>): string {
  if (renames.size === 0) return sql;
  const quoted = new Map<string, string>();
  for (const [from, to] of renames) if (from !== to) quoted.set('`' + from.replace(/`/g, '``') + '`', '`' + to.replace(/`/g, '``') + '`');
  if (quoted.size === 0) return sql;
  let out = '';
  let at = 0;
  for (const q of objectHeaderQualifiers(sql)) {
    const to = renames.get(q.name);
    if (to === undefined || to === q.name) continue;
    out += renameQuoted(sql.slice(at, q.from), quoted) + quoteIdent(to);
    at = q.to;
  }
  return out + renameQuoted(sql.slice(at), quoted);
}

function renameQuoted(sql: string, quoted: ReadonlyMap<string, string>): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const j = skipQuoted(sql, i);
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (c === '`') {
      const j = skipQuoted(sql, i);
      const tok = sql.slice(i, j);
      const to = quoted.get(tok);
      out += to !== undefined && /^\s*\.\s*[`A-Za-z0-9_$]/.test(sql.slice(j, j + 8)) ? to : tok;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Removes `DEFINER=user@host` clauses (so objects are created as the loading user). */
export function stripDefiner(sql: string): string {
  const part = "(?:`(?:[^`]|``)*`|\"(?:[^\"]|\"\")*\"|'(?:[^'\\\\]|\\\\.|'')*'|[A-Za-z0-9_.%-]+)";
  // `(?<!\s)`: tried only where a blank run starts, not again from each of its blanks (quadratic)
  return sql.replace(new RegExp(`(?<!\\s)\\s*DEFINER\\s*=\\s*(?:CURRENT_USER(?:\\(\\))?|${part}\\s*@\\s*${part})`, 'i'), '');
}

/** utf8 / utf8mb3 charsets and their collations → utf8mb4, outside string literals and identifiers. */
export function convertUtf8mb4(sql: string): string {
  return mapQuoted(sql, (t) => t, utf8mb4Names);
}

/**
 * convertUtf8mb4 for a CREATE TABLE or a database's charset clause, where a charset named without a
 * COLLATE also gets its collation: utf8mb4_general_ci, the one utf8/utf8mb3 had by default (MySQL 5.6
 * and 5.7 print `DEFAULT CHARSET=utf8` and `CHARACTER SET utf8` without one). Left to the target,
 * MySQL 8 would give utf8mb4_0900_ai_ci: another order (a string key's chunk ranges, what ORDER BY
 * returns), other equalities ('ss' = 'ß': a unique key the source held could refuse its rows) and a
 * "mix of collations" error where the application joins a converted column with one of its own.
 */
export function convertUtf8mb4Table(sql: string): string {
  const masked = maskForClauses(sql);
  const inserts: number[] = [];
  // clauses: the text before the column list, each top-level item, the table options (or the whole
  // text, for a database's charset clause); one that names a collation anywhere keeps it
  const body = createBodySpans(sql);
  const clauses = body ? [[0, body.open] as const, ...body.items, [body.close + 1, sql.length] as const] : [[0, sql.length] as const];
  for (const [from, to] of clauses) {
    const clause = masked.slice(from, to);
    if (/\b(?:COLLATE|BINARY)\b/i.test(clause)) continue;
    for (const m of clause.matchAll(BARE_UTF8_CHARSET)) inserts.push(from + m.index + m[0].length);
  }
  let out = sql;
  for (const at of inserts.reverse()) out = `${out.slice(0, at)} COLLATE utf8mb4_general_ci${out.slice(at)}`;
  return convertUtf8mb4(out);
}

/** `CHARSET=utf8`, `CHARACTER SET utf8mb3` … (the charset of a column, a table or a database). */
const BARE_UTF8_CHARSET = /\b(?:CHARSET|CHARACTER\s+SET)(?:\s*=\s*|\s+)utf8(?:mb3)?(?![A-Za-z0-9_])/gi;

/**
 * The text with quoted strings and identifiers blanked and everything inside nested parentheses
 * (a type's length, a generated column's or CHECK's expression: `CAST(x AS CHAR CHARSET utf8)`)
 * blanked, the same length, so positions in it are positions in `sql`.
 */
function maskForClauses(sql: string): string {
  let depth = 0;
  const nested = (text: string): string => {
    let out = '';
    for (const c of text) {
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      // what lies inside parentheses nested in the column list is blanked (the parentheses stay)
      out += c === '(' || c === ')' || depth < 2 ? c : ' ';
    }
    return out;
  };
  return mapQuoted(sql, (t) => ' '.repeat(t.length), nested);
}

function utf8mb4Names(plain: string): string {
  return plain.replace(/\butf8(?:mb3)?_/gi, 'utf8mb4_').replace(/\butf8(?:mb3)?(?![A-Za-z0-9_])/gi, 'utf8mb4');
}


/** Rewrites ENGINE=… in a CREATE TABLE's options (and its partitions). */
export function rewriteEngine(sql: string, engine: string): string {
  const body = parseCreateBody(sql);
  if (body.items.length === 0) return sql;
  const tail = body.tail.replace(/\bENGINE\s*=\s*[A-Za-z0-9_]+/gi, `ENGINE=${engine}`);
  return sql.slice(0, sql.length - body.tail.length) + tail;
}

/** A sequence file: the CREATE SEQUENCE and an optional state statement (`DO SETVAL(...)`). */
export function splitSequenceFile(text: string): { create: string; state: string | null } {
  const i = text.lastIndexOf(';\nDO SETVAL(');
  if (i < 0) return { create: text, state: null };
  return { create: text.slice(0, i), state: text.slice(i + 2) };
}

/**
 * A CREATE TABLE that makes a sequence: SEQUENCE=1 among the table options (after the last
 * parenthesis). The lookahead picks that parenthesis before the option is looked for: written
 * `\)[^)]*\bSEQUENCE\s*=\s*1\b[^)]*$`, each SEQUENCE=1 in a COMMENT followed by a `)` rescanned the
 * rest of the text (quadratic).
 */
export function isSequenceTable(createTable: string): boolean {
  return /\)(?=[^)]*$)[^)]*?\bSEQUENCE\s*=\s*1\b/i.test(createTable);
}

/** Views in an order where every view comes after the views it reads (cycles keep input order). */
export function dependencyOrder<T extends { readonly name: string; readonly dependsOn?: readonly string[] }>(items: readonly T[]): T[] {
  const byName = new Map(items.map((v) => [v.name, v]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (v: T): void => {
    if (done.has(v.name) || visiting.has(v.name)) return;
    visiting.add(v.name);
    for (const d of v.dependsOn ?? []) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    visiting.delete(v.name);
    done.add(v.name);
    out.push(v);
  };
  for (const v of items) visit(v);
  return out;
}

const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', Z: '\x1a', b: '\b' };

/**
 * SHOW CREATE prints a routine's or event's COMMENT with backslash escapes whatever its sql_mode; run
 * under NO_BACKSLASH_ESCAPES (the object's own mode) that literal would mean something else, so it
 * is rewritten to the quote-doubling form that mode reads back as the same text.
 */
export function commentForSqlMode(sql: string, sqlMode: string): string {
  if (!/\bNO_BACKSLASH_ESCAPES\b/i.test(sqlMode)) return sql;
  // `(?<!\s)`: tried only where a blank run starts, not again from each of its blanks (quadratic)
  return sql.replace(/(?<!\s)(\s+COMMENT\s+)'((?:[^'\\]|\\[\s\S]|'')*)'/, (_m, head: string, body: string) => {
    let value = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c === '\\' && i + 1 < body.length) {
        const n = body[++i]!;
        value += UNESCAPE[n] ?? n;
      } else if (c === "'" && body[i + 1] === "'") {
        value += "'";
        i++;
      } else value += c;
    }
    return `${head}'${value.replace(/'/g, "''")}'`;
  });
}
