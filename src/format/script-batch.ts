/**
 * A table's INSERT statements as the script plan (script-plan.ts) holds them: byte ranges of the
 * script, one transaction each — offsets, never the statements' text.
 */
import type { LoadDataSpec } from './load-data-statement.js';

/** Consecutive INSERT statements of one table: one transaction. */
export interface DataBatch {
  /** Position among the table's batches (the progress record's chunk number). */
  readonly index: number;
  /** Offset of the first statement's first byte; `end` is just past the last one's delimiter. */
  readonly start: number;
  end: number;
  readonly line: number;
  statements: number;
  rows: number;
  readonly delimiter: string;
  readonly noBackslashEscapes: boolean;
  /** Which file of the dump it is in. */
  readonly file: number;
  /**
   * For a batch of at most SPAN_STATEMENTS statements: each one's bodyStart, end and line, in
   * order (three numbers a statement), so the load sends them without splitting the batch again;
   * null for a longer batch (the load splits it). At most a few dozen numbers a batch: the plan
   * still holds offsets, not statements.
   */
  spans: number[] | null;
  /**
   * A mydumper LOAD DATA chunk: `file` is its .dat file, loaded whole in one transaction by the
   * statement of its .sql file (load/mydumper-infile.ts); start 0, end the .dat file's size.
   */
  readonly infile?: InfileBatch;
}

export interface InfileBatch {
  readonly spec: LoadDataSpec;
  /** The character set the file is read in when its statement names none (the .sql file's SET NAMES). */
  readonly charset: string;
  /** The .sql file with the statement, for messages. */
  readonly statementFile: string;
}

/** Statements of a batch whose positions the plan keeps (DataBatch.spans). */
export const SPAN_STATEMENTS = 64;
