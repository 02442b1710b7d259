/**
 * A mydumper 1.0 LOAD DATA chunk (`--format LOAD_DATA` / `CSV`: DB.T.NNNNN.sql holding the
 * statement, DB.T.NNNNN.dat[.gz|.zst] the rows) into its table: the .dat file, decompressed as it
 * streams, is sent by LOAD DATA LOCAL INFILE under a name of the loader's own (the session serves
 * only that name: db/session.ts loadLocal), read as the dump's statement says (its terminators,
 * enclosure, escape, line prefix, header lines, columns, character set: format/load-data-statement.ts).
 *
 * One .dat file is one transaction with its progress row, as myloader loads it (mydumper's -r / -F
 * size the files), so a rerun after a crash skips exactly the files that committed. A .dat file is
 * never held in memory: pieces of it go to the socket as it takes them.
 */
import { TsError } from '../core/errors.js';
import type { Session } from '../db/session.js';
import { isTransient } from '../db/server-errors.js';
import type { DataBatch } from '../format/script-batch.js';
import { loadDataText } from '../format/load-data-statement.js';
import { commitImportBatch, wireQualified, type ImportContext, type ImportTableWork } from './import-context.js';
import { statementError } from './import-errors.js';
import { scriptBytes } from './import-source.js';

let infileCounter = 0;

/** 1261: a row has fewer fields than the columns; 1262: more (ER_WARN_TOO_FEW_RECORDS / TOO_MANY_RECORDS). */
const FIELD_COUNT_WARNINGS: readonly number[] = [1261, 1262];

/** Returns the rows loaded (0 when an earlier attempt had committed it after all). */
export async function loadInfileBatch(ctx: ImportContext, s: Session, w: ImportTableWork, batch: DataBatch, onWarnings: (s: Session, where: string) => Promise<void>): Promise<number> {
  const infile = batch.infile!;
  const dat = ctx.files[batch.file]!;
  const db = w.target.name;
  const table = w.table.name;
  const name = `tsload-${process.pid}-${++infileCounter}.dat`;
  const sql = loadDataText(infile.spec, wireQualified(db, table, ctx.charset), name, infile.charset);
  const state = { committing: false };
  await s.exec('START TRANSACTION');
  try {
    let rows: number;
    try {
      rows = await s.loadLocalPieces(sql, name, () => scriptBytes(dat), { database: db, table, file: dat.display });
    } catch (e) {
      if (isTransient(e) || (e instanceof TsError && e.code === 'bad-dump')) throw e;
      throw statementError(e, { file: dat.display, line: 1, offset: 0, database: db, table }, sql.slice(0, 200));
    }
    if (s.lastWarningCount > 0) {
      // a row with more or fewer fields than the statement names is not a row of this table (a .dat
      // file replaced by another table's, or edited): refused, and the transaction rolled back
      const misfit = (await s.warnings(s.lastWarningCount)).find((x) => FIELD_COUNT_WARNINGS.includes(x.code));
      if (misfit) throw new TsError({ code: 'bad-dump', message: `${dat.display}: server warning ${misfit.code} '${misfit.message}', not the fields the LOAD DATA of ${infile.statementFile} names for ${db}.${table}: not rows of this table as mydumper wrote them (a .dat file cut short, edited, or replaced by another table's); none of its rows were loaded`, object: { database: db, table, file: dat.display }, suggestion: 'restore the .dat file as mydumper wrote it, then run tsload again (it resumes)' });
      await onWarnings(s, `${dat.display} (${db}.${table}, by the LOAD DATA of ${infile.statementFile})`);
    }
    // the progress row, then COMMIT only while the target is still this loader's (lease)
    return await commitImportBatch(ctx, s, w, batch, rows, state);
  } catch (e) {
    if (!state.committing) await s.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
