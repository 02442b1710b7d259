import { TsError } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { formatBytes } from '../core/sizes.js';
import { isTransient } from '../db/server-errors.js';
import type { Session } from '../db/session.js';
import type { TableEntry } from '../format/manifest.js';
import type { ChunkRef, LoadContext } from './load-context.js';
import type { SubChunk } from './sub-chunks.js';

/**
 * What the loader checks around each data statement, so a bad row fails loudly and names itself:
 * the LOAD DATA statement of the CSV dialect, lines longer than max_allowed_packet (refused
 * before sending), warnings (LOAD DATA turns a bad row into a warning and loads something else),
 * and the file line an error is about.
 */
export function loadDataSql(target: string, t: TableEntry, fileName: string): string {
  const cols = t.columns.filter((c) => c.dumped);
  const list: string[] = [];
  const sets: string[] = [];
  cols.forEach((c, i) => {
    if (c.codec === 'hex') {
      list.push(`@v${i}`);
      sets.push(`${quoteIdent(c.name)} = UNHEX(@v${i})`);
    } else list.push(quoteIdent(c.name));
  });
  return (
    `LOAD DATA LOCAL INFILE '${fileName}' INTO TABLE ${qualified(target, t.name)} CHARACTER SET binary ` +
    `FIELDS TERMINATED BY ',' ENCLOSED BY '"' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ` +
    `(${list.join(', ')})${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`
  );
}

/**
 * A line longer than max_allowed_packet makes the server drop the connection: a deterministic
 * failure that retrying cannot fix. Refuse it before sending, naming the line and the setting.
 */
export function refuseOversizedLines(ctx: LoadContext, sub: SubChunk, object: ChunkRef, csv: boolean): void {
  const limit = ctx.maxPacket - 1024;
  const { bytes, line: row } = sub.longest;
  if (bytes <= limit) return;
  const need = Math.min(1024 * 1024 * 1024, 2 ** Math.ceil(Math.log2(bytes + 1024)));
  throw new TsError({
    code: 'packet-too-large',
    message: `line ${row} of ${object.file} is ${formatBytes(bytes)}, more than the target's max_allowed_packet (${formatBytes(ctx.maxPacket)})`,
    object: { ...object, row },
    suggestion: `raise it on the target: SET GLOBAL max_allowed_packet = ${need}; (and in its config file), then rerun the same command${csv ? '' : '; or dump with a smaller --statement-size'}`,
  });
}

/**
 * LOAD DATA (and INSERT outside strict mode) turns a row that does not fit its table into a warning
 * and loads something else. Every warning fails the transaction, naming the first bad row — except
 * an out-of-range FLOAT(M,D) value, which is the server's own stored value read back at full
 * precision (storing it again gives the same bits).
 */
export async function refuseWarnings(s: Session, table: TableEntry, object: ChunkRef, firstLine: number, perRow: boolean): Promise<void> {
  if (s.lastWarningCount === 0) return;
  const floats = new Set(table.columns.filter((c) => c.codec === 'float').map((c) => c.name));
  const bad = (await s.warnings(10)).filter((w) => w.level !== 'Note' && !(w.code === 1264 && floats.has(/column '(.*?)'/.exec(w.message)?.[1] ?? '')));
  if (bad.length === 0) return;
  const first = bad[0]!;
  const at = /at row (\d+)/i.exec(first.message);
  const row = perRow && at ? firstLine + Number(at[1]) - 1 : firstLine;
  // Not 'bad-dump': the dump may be fine and the target table different (exit 1, a failed load).
  throw new TsError({
    code: 'query',
    message: `the data does not fit table ${object.database}.${object.table}: ${first.message} (line ${row} of ${object.file})${s.lastWarningCount > 1 ? ` and ${s.lastWarningCount - 1} more warning(s)` : ''}`,
    object: { ...object, row },
    errno: first.code,
    suggestion: 'nothing of this transaction was committed; the chunk file does not match its table (a damaged or edited dump, or a target table with another definition)',
  });
}

/** Executes one INSERT line of a SQL chunk, sending its bytes unchanged. */
export async function execBytes(s: Session, line: Buffer, object: { database: string; table: string }): Promise<number> {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  if (end > 0 && line[end - 1] === 0x3b) end--;
  // latin1: one char per byte, written back unchanged by the binary session
  return s.exec(line.toString('latin1', 0, end), [], object);
}

/** Adds the file position: LOAD DATA's "at row N" counts from the sub-chunk's first line. */
export function rowError(e: unknown, object: ChunkRef, firstLine: number, lastLine: number | null): unknown {
  if (!(e instanceof TsError)) return e;
  if (isTransient(e) || e.object.row !== undefined) return e;
  const m = /at (?:row|line) (\d+)/i.exec(e.message);
  const row = m ? firstLine + Number(m[1]) - 1 : firstLine;
  const where = lastLine !== null && !m ? `in the transaction of lines ${firstLine}-${lastLine} of ${object.file}` : `line ${row} of ${object.file}`;
  return new TsError({ code: e.code, message: `${e.message} (${where})`, object: { ...object, row }, suggestion: e.suggestion, cause: e.cause ?? e, errno: e.errno });
}
