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

/** What the lexer is inside at the end of the input (a truncated file ends inside something). */
export type OpenConstruct = 'none' | 'string' | 'identifier' | 'comment' | 'conditional-comment';

