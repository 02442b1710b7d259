import { TsError, type ErrorObject } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { formatBytes } from '../core/sizes.js';
import { isTransient } from '../db/server-errors.js';
import { FRAME_ROOM, type ServerWarning, type Session } from '../db/session.js';
import { csvFields, dataLines, sqlRows } from '../format/data-fields.js';
import { DUPLICATE_VERBS } from '../format/insert-verb.js';
import type { TableEntry } from '../format/manifest.js';
import { fitsPacket, packetToFit } from '../format/longest-line.js';
import type { OnDuplicateMode } from './load-options.js';
import type { ChunkRef, LoadContext } from './load-context.js';
import type { SubChunk } from './sub-chunks.js';

/**
 * What the loader checks around each data statement, so a bad row fails loudly and names itself:
 * the LOAD DATA statement of the CSV dialect, lines longer than max_allowed_packet (refused
 * before sending), warnings (LOAD DATA turns a bad row into a warning and loads something else),
 * and the file line an error is about.
 */
/**
 * --on-duplicate: what a row whose primary/unique key is in the table already does. 'error' sends
 * LOAD DATA without a keyword (with LOCAL a duplicate is then a warning, which refuseWarnings
 * turns into an error) and INSERT as dumped; 'ignore' keeps the existing row (IGNORE; the
 * duplicate-key warnings are expected, every other warning still fails); 'replace' deletes it and
 * writes the dump's (REPLACE).
 */
const LOAD_DATA_KEYWORD: Record<OnDuplicateMode, string> = { error: '', ignore: 'IGNORE ', replace: 'REPLACE ' };
export const INSERT_VERB: Record<OnDuplicateMode, string> = { error: 'INSERT INTO ', ignore: 'INSERT IGNORE INTO ', replace: 'REPLACE INTO ' };
/** ER_DUP_ENTRY: the warning IGNORE gives for each row it leaves out. */
const DUPLICATE_WARNINGS: Record<OnDuplicateMode, readonly number[]> = { error: [], ignore: [1062], replace: [] };

export function expectedWarnings(mode: OnDuplicateMode): readonly number[] {
  return DUPLICATE_WARNINGS[mode];
}

export function loadDataSql(target: string, t: TableEntry, fileName: string, mode: OnDuplicateMode = 'error'): string {
  const cols = t.columns.filter((c) => c.dumped);
  const list: string[] = [];
  const sets: string[] = [];
  cols.forEach((c, i) => {
    if (c.codec === 'hex') {
      list.push(`@v${i}`);
      sets.push(`${quoteIdent(c.name)} = UNHEX(@v${i})`);
    } else if (c.codec === 'index') {
      // a number, not a member's name: the field '2' would otherwise name a member called '2'
      list.push(`@v${i}`);
      sets.push(`${quoteIdent(c.name)} = CAST(@v${i} AS UNSIGNED)`);
    } else list.push(quoteIdent(c.name));
  });
  return (
    `LOAD DATA LOCAL INFILE '${fileName}' ${LOAD_DATA_KEYWORD[mode]}INTO TABLE ${qualified(target, t.name)} CHARACTER SET binary ` +
    `FIELDS TERMINATED BY ',' ENCLOSED BY '"' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ` +
    `(${list.join(', ')})${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`
  );
}

/**
 * A line longer than max_allowed_packet makes the server drop the connection: a deterministic
 * failure that retrying cannot fix. Refuse it before sending, naming the line and the setting.
 */
export function refuseOversizedLines(ctx: LoadContext, sub: SubChunk, object: ChunkRef, csv: boolean): void {
  const { bytes, line: row } = sub.longest;
  if (fitsPacket(bytes, ctx.maxPacket)) return;
  const need = packetToFit(bytes);
  throw new TsError({
    code: 'packet-too-large',
    message: `line ${row} of ${object.file} is ${formatBytes(bytes)}, more than the target's max_allowed_packet (${formatBytes(ctx.maxPacket)})`,
    object: { ...object, row },
    suggestion: `raise it on the target: SET GLOBAL max_allowed_packet = ${need}; (and in its config file), then rerun the same command${csv ? '' : '; or dump with a smaller --statement-size'}`,
  });
}

/** The rows of the statement a warning check is about. */
export interface StatementRows {
  /** File line of the statement's first row (LOAD DATA) or of the statement (INSERT). */
  readonly firstLine: number;
  /** LOAD DATA: row n of the statement is file line firstLine + n - 1. */
  readonly perRow: boolean;
  /** The dumped values of the statement's row n (1-based) as written, or null when unreadable. */
  values(row: number): readonly string[] | null;
}

/** The rows of a LOAD DATA statement fed `data` (read only if a warning needs it). */
export function csvStatement(data: Buffer, firstLine: number): StatementRows {
  let lines: Buffer[] | undefined;
  return {
    firstLine,
    perRow: true,
    values: (n) => {
      lines ??= dataLines(data);
      const l = lines[n - 1];
      return l ? csvFields(l) : null;
    },
  };
}

/** The rows of one INSERT line of a SQL chunk. */
export function sqlStatement(line: Buffer, lineNo: number): StatementRows {
  let rows: string[][] | null | undefined;
  return {
    firstLine: lineNo,
    perRow: false,
    values: (n) => {
      if (rows === undefined) rows = sqlRows(line);
      return rows?.[n - 1] ?? null;
    },
  };
}

const FOR_COLUMN = /for column '(.*)' at row (\d+)/;

/**
 * Warnings a stored value raises when it is written back as it is, in any sql_mode: an ENUM's
 * invalid value (index 0, which only a non-strict mode could have stored) and an out-of-range
 * FLOAT(M,D) value (the server's own float read back at full precision; storing it again gives the
 * same bits). Each is matched to its row: the value written there must be that stored value.
 */
function storedValueWarning(w: ServerWarning, table: TableEntry, rows: StatementRows): boolean {
  const m = FOR_COLUMN.exec(w.message);
  if (!m) return false;
  const dumped = table.columns.filter((c) => c.dumped);
  const i = dumped.findIndex((c) => c.name === m[1]);
  const col = dumped[i];
  if (!col) return false;
  if (w.code === 1264) return col.codec === 'float';
  if (w.code === 1265 && col.codec === 'index' && col.dataType === 'enum') return rows.values(Number(m[2]))?.[i] === '0';
  return false;
}

/**
 * What a refused statement leaves in its table, for the hint. A transaction of a non-transactional
 * engine (`engine`: MyISAM, Aria…; null for one that rolls back) is not taken back: what its
 * statements wrote stays (LOAD DATA LOCAL skips a duplicate row and loads the others), until the
 * rerun deletes the unfinished chunk's rows before loading it again (clearChunk).
 */
function leftBehind(engine: string | null): string {
  if (engine === null) return 'nothing of this transaction was committed';
  return `the table's engine (${engine}) does not roll back: the rows this transaction wrote before the refusal stay in the table (with LOAD DATA, every row of the statement but the refused ones); a rerun deletes the unfinished chunk's rows before loading it again (it refuses to in a table that held rows before the load)`;
}

/**
 * LOAD DATA (and INSERT outside strict mode) turns a row that does not fit its table into a warning
 * and loads something else. Every warning fails the transaction, naming the first bad row — except
 * the warnings the source's own stored values raise (storedValueWarning). Data sessions keep up to
 * 65535 warnings per statement; a statement with more cannot be checked and is refused. `engine`:
 * the table's when it does not roll back (leftBehind), else null.
 */
export async function refuseWarnings(s: Session, table: TableEntry, object: ChunkRef, rows: StatementRows, expected: readonly number[], engine: string | null): Promise<void> {
  const count = s.lastWarningCount;
  if (count === 0) return;
  const warnings = await s.warnings(count);
  const bad = warnings.filter((w) => w.level !== 'Note' && !expected.includes(w.code) && !storedValueWarning(w, table, rows));
  if (bad.length === 0 && warnings.length >= count) return;
  const first = bad[0];
  const at = first ? rowOf(first.message) : null;
  // LOAD DATA's warnings count rows from the statement's first; some (a duplicate key) name none
  const row = !rows.perRow ? rows.firstLine : at !== null ? rows.firstLine + at - 1 : undefined;
  if (!first) {
    throw new TsError({
      code: 'query',
      message: `a statement loading lines from ${rows.firstLine} of ${object.file} into ${object.database}.${object.table} raised ${count} warnings, more than the server keeps to be checked`,
      object: { ...object, row: rows.firstLine },
      suggestion: `${leftBehind(engine)}; load with a smaller --rows-per-transaction (CSV) or dump with a smaller --statement-size (SQL)`,
    });
  }
  // Not 'bad-dump': the dump may be fine and the target table different (exit 1, a failed load).
  throw new TsError({
    code: 'query',
    message: `the data does not fit table ${object.database}.${object.table}: ${first.message}${row !== undefined ? ` (line ${row} of ${object.file})` : ''}${bad.length > 1 ? ` and ${bad.length - 1} more warning(s)` : ''}`,
    object: row !== undefined ? { ...object, row } : object,
    errno: first.code,
    suggestion: first.code === 1062
      ? `${leftBehind(engine)}; the table holds a row with this key already: load with --on-duplicate ignore (keep it) or replace (take the dump's), or empty the table (--drop-table truncate)`
      : `${leftBehind(engine)}; the chunk file does not match its table (a damaged or edited dump, or a target table with another definition)`,
  });
}

const INSERT_BYTES: Record<OnDuplicateMode, Buffer> = { error: Buffer.from(INSERT_VERB.error, 'latin1'), ...DUPLICATE_VERBS };

/**
 * Bytes execBytes needs in front of a line to send it from where it lies: the packet header and
 * command bytes (FRAME_ROOM) and the longest verb swap. SubChunk.spaced keeps FRAME_HEADROOM of them.
 */
export const STATEMENT_HEADROOM = FRAME_ROOM + Math.max(...Object.values(INSERT_BYTES).map((v) => v.length)) - INSERT_BYTES.error.length;

/**
 * Executes one INSERT line of a SQL chunk, sending its bytes as they are (Session.execFramed): no
 * string is made of them, and mysql2 neither scans them for placeholders nor copies them. `line`
 * is a view of `room` with at least STATEMENT_HEADROOM bytes of `room` before it (SubChunk.spaced):
 * the packet header, and for --on-duplicate ignore / replace the longer verb, are written there for
 * the time of the send; what they cover (the previous line, or bytes before the sub-chunk) is put
 * back after it, so a retry of the transaction reads the sub-chunk unchanged. A line that is not
 * such a view is sent as a string (the same statement).
 */
export async function execBytes(s: Session, room: Buffer, line: Buffer, object: { database: string; table: string }, mode: OnDuplicateMode = 'error'): Promise<number> {
  const start = line.byteOffset - room.byteOffset;
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  if (end > 0 && line[end - 1] === 0x3b) end--;
  const plain = INSERT_BYTES.error;
  // our dumps write INSERT INTO: another statement is sent as it is
  const verb = mode !== 'error' && end >= plain.length && line.subarray(0, plain.length).equals(plain) ? INSERT_BYTES[mode] : null;
  if (line.buffer !== room.buffer || start < STATEMENT_HEADROOM || start + line.length > room.length) {
    // latin1: one char per byte, written back unchanged by the binary session
    const text = line.toString('latin1', 0, end);
    return s.exec(verb ? verb.toString('latin1') + text.slice(plain.length) : text, [], object);
  }
  return execInPlace(s, room, start, start + end, verb, verb ? plain.length : 0, object);
}

/**
 * Sends the statement buf[from, end) from where it lies (Session.execFramed), its first
 * `verbLength` bytes replaced by `verb` (null: sent as it is) for the time of the send: the packet
 * header and a longer verb are written into the bytes before it, which are put back afterwards, so
 * the buffer reads unchanged for a retry. Needs FRAME_ROOM + the verb's growth free before `from`.
 * SQL-format chunk lines (execBytes) and script imports (import-data.ts) both send this way.
 */
export async function execInPlace(s: Session, buf: Buffer, from: number, end: number, verb: Buffer | null, verbLength: number, object: ErrorObject): Promise<number> {
  const at = verb ? from + verbLength - verb.length : from;
  const saveFrom = at - FRAME_ROOM;
  const saved = Buffer.from(buf.subarray(saveFrom, from + verbLength));
  try {
    if (verb) verb.copy(buf, at);
    return await s.execFramed(buf, at, end, object);
  } finally {
    saved.copy(buf, saveFrom);
  }
}

/** The row a server message names: "… at row 5" (most), "Row 5 was truncated …" (1261, 1262). */
export function rowOf(message: string): number | null {
  const m = /\bat (?:row|line) (\d+)/i.exec(message) ?? /^Row (\d+)\b/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * Adds the file position: LOAD DATA's "at row N" counts from the sub-chunk's first line; `found`
 * is the line the loader found failing when the server named none.
 */
export function rowError(e: unknown, object: ChunkRef, firstLine: number, lastLine: number | null, found: number | null = null): unknown {
  if (!(e instanceof TsError)) return e;
  if (isTransient(e) || e.object.row !== undefined) return e;
  const at = rowOf(e.message);
  const row = found ?? (at !== null ? firstLine + at - 1 : firstLine);
  const where = lastLine !== null && at === null && found === null ? `in the transaction of lines ${firstLine}-${lastLine} of ${object.file}` : `line ${row} of ${object.file}`;
  return new TsError({ code: e.code, message: `${e.message} (${where})`, object: { ...object, row }, suggestion: e.suggestion, cause: e.cause ?? e, errno: e.errno });
}
