/** What the SQL splitter (sql-splitter.ts) returns for each statement of a script. */
export interface SqlStatement {
  /** Offset of the first byte after the previous statement (leading blanks and comments included). */
  readonly start: number;
  /** Offset of the first byte of the statement itself. */
  readonly bodyStart: number;
  /** Offset just past the delimiter (or the end of the input for an unterminated last statement). */
  readonly end: number;
  /** Line (1-based) of bodyStart. */
  readonly line: number;
  /** The statement without its delimiter and trailing blanks, when `keep` asked for it. */
  readonly text: Buffer | null;
  /** The first HEAD_BYTES bytes of the statement, latin1 (one char per byte): for classifying it. */
  readonly head: string;
  /** Parenthesised groups at the outermost level (an INSERT's row tuples, plus its column list). */
  readonly groups: number;
  /** Of an INSERT: an ON DUPLICATE KEY UPDATE follows its rows (the word ON outside quotes, comments and parentheses); `groups` stop before it. */
  readonly onDuplicate: boolean;
  /**
   * What the first value of its outermost groups is, as FIRST_* bits: of the first group (an INSERT's
   * column list, when it has one) and of all the others (its rows). An AUTO_INCREMENT column given
   * first takes the server's id from a NULL (FIRST_OTHER) or, without NO_AUTO_VALUE_ON_ZERO, a 0.
   */
  readonly firstValues: { readonly first: number; readonly rest: number };
  /** NO_BACKSLASH_ESCAPES was in force while it was read (re-splitting it needs the same). */
  readonly noBackslashEscapes: boolean;
  /** The delimiter that ended it. */
  readonly delimiter: string;
  /** False only for a last statement that the input ended in (no delimiter after it). */
  readonly terminated: boolean;
}

export interface SplitterOptions {
  /** Offset of the first byte pushed (a read that starts inside a file). */
  readonly startOffset?: number;
  /** Line of the first byte pushed. */
  readonly startLine?: number;
  /** The delimiter in force at the first byte. */
  readonly delimiter?: string;
  /** Whether to keep a statement's full text; asked once per statement with its head. */
  readonly keep?: (head: string) => boolean;
  /** The sql_mode in force at the first byte (NO_BACKSLASH_ESCAPES changes how strings end). */
  readonly sqlMode?: string;
}

export const HEAD_BYTES = 512;

/** An integer literal other than 0 (FirstValues bits). */
export const FIRST_ID = 1;
/** The integer literal 0 (or 00, -0). */
export const FIRST_ZERO = 2;
/** Anything else: NULL, DEFAULT, a string, an expression, a name. */
export const FIRST_OTHER = 4;

/** What the lexer is inside at the end of the input (a truncated file ends inside something). */
export type OpenConstruct = 'none' | 'string' | 'identifier' | 'comment' | 'conditional-comment';

export const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b;
/** Bytes after a group's '(' its first value is read in (any integer literal fits). */
export const FIRST_VALUE_BYTES = 24;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * The first value of a group whose '(' is at buf[from - 1]: an integer literal (FIRST_ID, or FIRST_ZERO
 * for 0) followed by a blank, ',' or ')'; anything else (NULL, DEFAULT, a string, an expression, a
 * comment, a name, more than FIRST_VALUE_BYTES bytes) is FIRST_OTHER.
 */
export function firstValue(buf: Buffer, from: number): number {
  const stop = Math.min(buf.length, from + FIRST_VALUE_BYTES);
  let j = from;
  while (j < stop && isBlank(buf[j]!)) j++;
  if (buf[j] === 0x2d || buf[j] === 0x2b) j++;
  if (!isDigit(buf[j])) return FIRST_OTHER;
  let zero = true;
  for (; j < stop && isDigit(buf[j]); j++) if (buf[j] !== 0x30) zero = false;
  const after = buf[j];
  if (j >= stop || after === undefined || !(isBlank(after) || after === 0x2c || after === 0x29)) return FIRST_OTHER;
  return zero ? FIRST_ZERO : FIRST_ID;
}
