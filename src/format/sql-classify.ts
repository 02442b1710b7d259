/**
 * What a statement of a mysqldump / mariadb-dump / mydumper script is, from its head (the first
 * bytes, latin1: one char per byte). Conditional-comment markers are read through: mysqldump writes
 * `/*!50003 CREATE*\/ /*!50017 DEFINER=…*\/ /*!50003 TRIGGER …` and `/*!40000 ALTER TABLE … *\/`.
 * Names are returned as the file's bytes decoded as UTF-8.
 */

import { HEAD_BYTES } from './sql-statement.js';
import { withoutComments } from './sql-text.js';

export const OBJECT_STATEMENT_KINDS = ['view', 'trigger', 'procedure', 'function', 'event'] as const;
export type ObjectStatementKind = (typeof OBJECT_STATEMENT_KINDS)[number];

export type Classified =
  | { readonly kind: 'set' }
  | { readonly kind: 'use'; readonly database: string }
  | { readonly kind: 'create-database'; readonly database: string }
  | { readonly kind: 'create-table'; readonly table: string; readonly database: string | null }
  | { readonly kind: 'create-sequence'; readonly table: string; readonly database: string | null }
  | { readonly kind: 'drop-table'; readonly table: string; readonly database: string | null }
  /** mysqldump's ALTER DATABASE around routines created under another database collation: run on the target's name; null: unnamed (the current database). */
  | { readonly kind: 'alter-database'; readonly database: string | null }
  /** mysqldump --add-drop-database: never run (the load checks what the target holds, --drop-table decides). */
  | { readonly kind: 'drop-database'; readonly database: string }
  | { readonly kind: 'lock'; readonly unlock: boolean }
  | { readonly kind: 'keys'; readonly table: string; readonly enable: boolean }
  /** Any other ALTER TABLE: phpMyAdmin adds keys, AUTO_INCREMENT and foreign keys so, after the data. */
  | { readonly kind: 'alter-table'; readonly table: string; readonly database: string | null }
  /**
   * START TRANSACTION / BEGIN / SET autocommit = 0 (`open`), COMMIT / SET autocommit = 1 /
   * ROLLBACK (not `open`): the file's own transactions (phpMyAdmin encloses its export in one). Not
   * run: every batch of the load is a transaction of its own, and DDL commits implicitly in
   * `mariadb < file` too; a file whose rows the client would roll back is refused (script-transactions.ts).
   */
  | { readonly kind: 'transaction'; readonly open: boolean; readonly op: TransactionOp }
  /** CREATE / DROP / ALTER / RENAME USER or ROLE, GRANT, REVOKE, SET PASSWORD / ROLE / DEFAULT ROLE, FLUSH PRIVILEGES (mariadb-dump --system=users). */
  | { readonly kind: 'account' }
  /** DELETE FROM t (no WHERE) / TRUNCATE t: HeidiSQL writes it before a table's rows. */
  | { readonly kind: 'empty-table'; readonly table: string; readonly database: string | null }
  /** `assignments`: INSERT … SET a = 1, b = 2 (one row, no groups of rows). */
  | { readonly kind: 'insert'; readonly table: string; readonly database: string | null; readonly columnList: boolean; readonly assignments: boolean }
  | { readonly kind: 'sequence-state'; readonly table: string }
  | { readonly kind: 'object'; readonly object: ObjectStatementKind; readonly name: string; readonly drop: boolean; readonly on: string | null }
  | { readonly kind: 'other' };

export type ClassifiedKind = Classified['kind'];

export const TRANSACTION_OPS = ['begin', 'autocommit-off', 'commit', 'autocommit-on', 'rollback'] as const;
export type TransactionOp = (typeof TRANSACTION_OPS)[number];

/** Backquoted, double-quoted (ANSI_QUOTES: routines dumped in their own sql_mode) or bare. */
const IDENT = '(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|[A-Za-z0-9_$\\x80-\\xff]+)';
const QNAME = `(${IDENT})(?:\\s*\\.\\s*(${IDENT}))?`;

/** The head without conditional-comment markers and plain comments, blanks collapsed. */
export function normalizeHead(head: string): string {
  return head
    .replace(/\/\*(?!M?!)[^]*?\*\//g, ' ')
    .replace(/\/\*M?!\d*/g, ' ')
    .replace(/\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An identifier as written (backquoted or bare) → its name, UTF-8. */
export function identName(raw: string): string {
  const q = raw[0];
  const bare = q === '`' || q === '"' ? raw.slice(1, -1).replaceAll(q + q, q) : raw;
  return Buffer.from(bare, 'latin1').toString('utf8');
}

/** `db`.`t` or `t` → [database | null, table]. */
function qualifiedName(m: RegExpExecArray, at: number): [string | null, string] {
  const a = m[at]!;
  const b = m[at + 1];
  return b === undefined ? [null, identName(a)] : [identName(a), identName(b)];
}

const ACCOUNT_PART = "(?:`(?:[^`]|``)*`|\"(?:[^\"]|\"\")*\"|'(?:[^'\\\\]|\\\\.|'')*'|[A-Za-z0-9_.%-]+)";
/** An optional `DEFINER = account ` clause, as the server and mysqldump write it (also absent-definers.ts). */
export const DEFINER = `(?:DEFINER\\s*=\\s*(?:CURRENT_USER(?:\\(\\))?|${ACCOUNT_PART}(?:\\s*@\\s*${ACCOUNT_PART})?)\\s+)?`;
const VIEW_OPTS = '(?:(?:ALGORITHM\\s*=\\s*\\w+|SQL\\s+SECURITY\\s+\\w+)\\s+)*';

const RULES: readonly [RegExp, (m: RegExpExecArray) => Classified][] = [
  [/^(?:START\s+TRANSACTION\b|BEGIN(?:\s+WORK)?$)/i, () => ({ kind: 'transaction', open: true, op: 'begin' })],
  [/^SET\s+(?:@@(?:SESSION\.)?|SESSION\s+)?AUTOCOMMIT\s*=\s*(?:0|OFF)$/i, () => ({ kind: 'transaction', open: true, op: 'autocommit-off' })],
  [/^COMMIT(?:\s+WORK)?$/i, () => ({ kind: 'transaction', open: false, op: 'commit' })],
  [/^SET\s+(?:@@(?:SESSION\.)?|SESSION\s+)?AUTOCOMMIT\s*=\s*(?:1|ON)$/i, () => ({ kind: 'transaction', open: false, op: 'autocommit-on' })],
  [/^ROLLBACK(?:\s+WORK)?$/i, () => ({ kind: 'transaction', open: false, op: 'rollback' })],
  [/^(?:(?:CREATE|DROP|ALTER|RENAME)\s+(?:OR\s+REPLACE\s+)?(?:USER|ROLE)\b|GRANT\b|REVOKE\b|SET\s+(?:PASSWORD|ROLE|DEFAULT\s+ROLE)\b|FLUSH\s+PRIVILEGES\b)/i, () => ({ kind: 'account' })],
  [/^SET\b/i, () => ({ kind: 'set' })],
  [new RegExp(`^USE\\s+(${IDENT})`, 'i'), (m) => ({ kind: 'use', database: identName(m[1]!) })],
  [new RegExp(`^CREATE\\s+(?:DATABASE|SCHEMA)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${IDENT})`, 'i'), (m) => ({ kind: 'create-database', database: identName(m[1]!) })],
  [new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'create-table', table, database }; }],
  [new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?SEQUENCE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'create-sequence', table, database }; }],
  // unnamed (`ALTER DATABASE CHARACTER SET …`): of the current database
  [/^ALTER\s+(?:DATABASE|SCHEMA)\s+(?:DEFAULT\b|CHARACTER\b|CHARSET\b|COLLATE\b|COMMENT\b|READ\b)/i, () => ({ kind: 'alter-database', database: null })],
  [new RegExp(`^ALTER\\s+(?:DATABASE|SCHEMA)\\s+(${IDENT})`, 'i'), (m) => ({ kind: 'alter-database', database: identName(m[1]!) })],
  [new RegExp(`^DROP\\s+(?:DATABASE|SCHEMA)\\s+(?:IF\\s+EXISTS\\s+)?(${IDENT})`, 'i'), (m) => ({ kind: 'drop-database', database: identName(m[1]!) })],
  [new RegExp(`^DROP\\s+(?:TABLE|SEQUENCE)\\s+(?:IF\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'drop-table', table, database }; }],
  [/^(LOCK|UNLOCK)\s+TABLES?\b/i, (m) => ({ kind: 'lock', unlock: m[1]!.toUpperCase() === 'UNLOCK' })],
  [new RegExp(`^ALTER\\s+TABLE\\s+${QNAME}\\s+(DISABLE|ENABLE)\\s+KEYS\\s*$`, 'i'), (m) => ({ kind: 'keys', table: qualifiedName(m, 1)[1], enable: m[3]!.toUpperCase() === 'ENABLE' })],
  [new RegExp(`^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE\\s+(?:IF\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'alter-table', table, database }; }],
  [new RegExp(`^(?:DELETE\\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\\s+)*FROM|TRUNCATE(?:\\s+TABLE)?)\\s+${QNAME}\\s*$`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'empty-table', table, database }; }],
  [new RegExp(`^(?:INSERT|REPLACE)\\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\\s+)*(?:INTO\\s+)?${QNAME}\\s*(?:(\\()|(SET)\\b)?`, 'i'), (m) => { const [database, table] = qualifiedName(m, 1); return { kind: 'insert', table, database, columnList: m[3] === '(', assignments: m[4] !== undefined }; }],
  [new RegExp(`^(?:DO|SELECT)\\s+SETVAL\\s*\\(\\s*${QNAME}`, 'i'), (m) => ({ kind: 'sequence-state', table: qualifiedName(m, 1)[1] })],
  [new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?${VIEW_OPTS}${DEFINER}${VIEW_OPTS}VIEW\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => ({ kind: 'object', object: 'view', name: qualifiedName(m, 1)[1], drop: false, on: null })],
  [new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?${DEFINER}TRIGGER\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}\\s+\\w+\\s+\\w+\\s+ON\\s+${QNAME}`, 'i'), (m) => ({ kind: 'object', object: 'trigger', name: qualifiedName(m, 1)[1], drop: false, on: qualifiedName(m, 3)[1] })],
  [new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?${DEFINER}(?:AGGREGATE\\s+)?(PROCEDURE|FUNCTION|EVENT)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => ({ kind: 'object', object: m[1]!.toLowerCase() as ObjectStatementKind, name: qualifiedName(m, 2)[1], drop: false, on: null })],
  [new RegExp(`^DROP\\s+(VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\\s+(?:IF\\s+EXISTS\\s+)?${QNAME}`, 'i'), (m) => ({ kind: 'object', object: m[1]!.toLowerCase() as ObjectStatementKind, name: qualifiedName(m, 2)[1], drop: true, on: null })],
];

export function classify(head: string): Classified {
  const h = normalizeHead(head);
  for (const [re, make] of RULES) {
    const m = re.exec(h);
    if (m) return make(m);
  }
  return { kind: 'other' };
}

/** What deletesFrom reads of a DELETE: its one table, and whether it may add rows too (FOR PORTION OF splits a row in two). */
export interface DeletedTable {
  readonly database: string | null;
  readonly table: string;
  readonly mayAddRows: boolean;
}

/**
 * The table a DELETE … WHERE (a statement classify() calls 'other') deletes rows of: its single-table
 * form's table (DELETE HISTORY too); 'several' for the multi-table forms (`DELETE t1, t2 FROM …`,
 * `DELETE FROM t1 USING …`), whose tables the head does not tell for sure, and for a head cut
 * (HEAD_BYTES) before anything follows the table's name; null for any other statement.
 */
export function deletesFrom(head: string): DeletedTable | 'several' | null {
  const h = normalizeHead(withoutComments(head));
  if (!/^DELETE\b/i.test(h)) return null;
  const m = DELETE_ONE_TABLE.exec(h);
  // a head cut right after a name may have cut the name itself
  if (!m || (m[3]!.trim() === '' && head.length >= HEAD_BYTES)) return 'several';
  const [database, table] = qualifiedName(m, 1);
  // FOR right after the table can only begin FOR PORTION OF (the head may be cut there)
  return { database, table, mayAddRows: m[3]!.trim().toUpperCase() === 'FOR' };
}

/** A bare name ends where a name's characters do: a keyword is never read out of its end (`t_before` is no `t_` + BEFORE). */
const WHOLE_IDENT = '(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|[A-Za-z0-9_$\\x80-\\xff]+(?![A-Za-z0-9_$\\x80-\\xff]))';
/** DELETE [LOW_PRIORITY|QUICK|IGNORE|HISTORY] FROM [db.]t [[AS] alias], then the end or what may follow a single table. */
const DELETE_ONE_TABLE = new RegExp(
  `^DELETE\\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE|HISTORY)\\s+)*FROM\\s+(${WHOLE_IDENT})(?:\\s*\\.\\s*(${WHOLE_IDENT}))?(?:\\s+(?:AS\\s+)?(?!(?:WHERE|ORDER|LIMIT|PARTITION|RETURNING|USING|FOR|BEFORE)\\b)${WHOLE_IDENT})?(\\s*$|\\s*(?:WHERE|ORDER|LIMIT|PARTITION|RETURNING|FOR|BEFORE)\\b)`,
  'i',
);

/** Rows of an INSERT statement: of INSERT … VALUES its outer parenthesised groups (the column list is one); INSERT … SET writes one. */
export function insertRows(groups: number, what: { readonly columnList: boolean; readonly assignments: boolean }): number {
  if (what.assignments) return 1;
  return Math.max(0, groups - (what.columnList ? 1 : 0));
}
