/**
 * A streaming, exact splitter of SQL script bytes into statements, as the mysql/mariadb client
 * splits a file it reads (`mariadb < dump.sql`): statements end at the current delimiter outside
 * quotes and comments; `DELIMITER xx` lines (routines, triggers) change the delimiter.
 *
 * Lexing rules (bytes; the file's charset is an ASCII superset such as utf8mb4 or latin1):
 * - '…' and "…" with backslash escapes and doubled quotes, `…` with doubled backquotes;
 * - `-- ` (dashes then a space or control byte) and `#` to the end of the line, and /* … *\/ are
 *   comments; `/*!NNNNN … *\/` and `/*M!NNNNNN … *\/` conditional comments are SQL (quotes and the
 *   delimiter count inside them), except MariaDB's version-999999 "sandbox" line, which no server
 *   runs;
 * - empty statements (only blanks and comments before a delimiter) are skipped;
 * - an INSERT's row groups are its outermost parenthesised groups up to the word ON of an ON
 *   DUPLICATE KEY UPDATE (`v = VALUES(v)` after it is no row);
 * - a UTF-8 byte order mark at the very start of the input is skipped, as the client skips it (an
 *   editor's "save as UTF-8" adds one): taken as SQL it would make the file's first SET unknown.
 *
 * Memory: the splitter holds only the unread tail of the last chunk (a few bytes), the head of the
 * current statement and — only when `keep` asks for it — that statement's body. A 100 GB file
 * streams through in chunk-sized pieces.
 */

export { HEAD_BYTES, type OpenConstruct, type SplitterOptions, type SqlStatement } from './sql-statement.js';
import type { OpenConstruct, SplitterOptions, SqlStatement } from './sql-statement.js';
import { FIRST_VALUE_BYTES, firstValue, isBlank } from './sql-statement.js';
import { conditionalPrefix } from './conditional-comment.js';
import { SqlModeTracker } from './sql-mode-tracker.js';
import { StatementBody } from './statement-body.js';

const enum St {
  Normal,
  Single,
  Double,
  Back,
  Line,
  Block,
}

/** Bytes that never start or end anything in a statement body (1): letters, digits, most punctuation. */
const PLAIN = new Uint8Array(256);
for (let c = 0x21; c < 0x100; c++) PLAIN[c] = 1;
// O and o: the ON of ON DUPLICATE KEY UPDATE (in no number or hex literal of a row)
for (const c of "'\"`-#/*()Oo".split('')) PLAIN[c.charCodeAt(0)] = 0;

/** Bytes of a quoted value read one by one before the next quote or backslash is searched with indexOf. */
const SHORT_RUN = 64;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export class SqlSplitter {
  private carry: Buffer = Buffer.alloc(0);
  /** Offset of carry[0] in the input. */
  private base: number;
  private line: number;
  /** Offset up to which newlines have been counted into `line`. */
  private counted: number;
  private delim: string;
  private delimBytes: Buffer;
  private readonly modes: SqlModeTracker;
  /** The input starts at offset 0 and its first bytes are not read yet: they may be a BOM. */
  private atStart: boolean;

  private st: St = St.Normal;
  private inCond = false;
  private depth = 0;
  private stmtStart: number;
  private bodyStart = -1;
  private bodyLine = 0;
  private groups = 0;
  /** The statement's ON DUPLICATE KEY UPDATE began: no more row groups. */
  private onDuplicate = false;
  /** The byte before carry[0] (0: none): whether an ON at carry[0] begins a word. */
  private before = 0;
  private firstValues = { first: 0, rest: 0 }; // of the outermost groups (sql-statement.ts)
  private readonly body: StatementBody;
  /** Offset up to which the current body has been copied into `body`. */
  private copied = 0;

  constructor(opts: SplitterOptions = {}) {
    this.base = opts.startOffset ?? 0;
    this.stmtStart = this.base;
    this.counted = this.base;
    this.line = opts.startLine ?? 1;
    this.delim = opts.delimiter ?? ';';
    this.delimBytes = Buffer.from(this.delim, 'latin1');
    this.body = new StatementBody(opts.keep);
    this.modes = new SqlModeTracker(opts.sqlMode ?? '');
    this.atStart = this.base === 0;
  }

  /** The script's sql_mode as its SET statements so far made it (sql-mode-tracker.ts). */
  get sqlMode(): string {
    return this.modes.sqlMode;
  }

  get delimiter(): string {
    return this.delim;
  }

  /** Offset of the next byte to push. */
  get offset(): number {
    return this.base + this.carry.length;
  }

  /** What the input is inside of right now (after finish(): what a truncated input ended in). */
  get open(): OpenConstruct {
    if (this.st === St.Single || this.st === St.Double) return 'string';
    if (this.st === St.Back) return 'identifier';
    if (this.st === St.Block) return 'comment';
    return this.inCond ? 'conditional-comment' : 'none';
  }

  push(chunk: Buffer): SqlStatement[] {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    return this.scan(buf, false);
  }

  /** Ends the input: an unterminated last statement is returned with `terminated: false`. */
  finish(): SqlStatement[] {
    const out = this.scan(this.carry, true);
    if (this.bodyStart >= 0) {
      const end = this.base + this.carry.length;
      this.copyBody(this.carry, this.carry.length);
      out.push(this.emit(end, end, false));
    }
    this.carry = Buffer.alloc(0);
    return out;
  }

  private scan(buf: Buffer, final: boolean): SqlStatement[] {
    const out: SqlStatement[] = [];
    const n = buf.length;
    const base = this.base;
    let i = 0;
    let nextQuote = -1;
    let quoteOf = 0;
    let nextEscape = -1;
    let noEscapes = this.modes.noBackslashEscapes;
    // how many bytes of lookahead a decision at i needs; when they are not there yet, stop and carry
    const short = (k: number): boolean => !final && i + k > n;
    let d0 = this.delimBytes[0]!;
    if (this.atStart) {
      if (short(BOM.length)) {
        this.carry = Buffer.from(buf);
        return out;
      }
      this.atStart = false;
      if (buf.subarray(0, BOM.length).equals(BOM)) {
        i = BOM.length;
        this.stmtStart = base + i;
      }
    }
    scan: while (i < n) {
      switch (this.st) {
        case St.Single:
        case St.Double: {
          const q = this.st === St.Single ? 0x27 : 0x22;
          for (;;) {
            // the next quote or backslash: byte by byte over the next SHORT_RUN bytes (most values of
            // a dump are short, and a native indexOf call costs more than that many bytes of this
            // loop), then by indexOf, each searched again only once passed (no rescans)
            let at = i;
            const stop = Math.min(n, i + SHORT_RUN);
            while (at < stop) {
              const c = buf[at]!;
              if (c === q || (c === 0x5c && !noEscapes)) break;
              at++;
            }
            if (at === stop && stop < n) {
              if (nextQuote < at || quoteOf !== q) {
                nextQuote = buf.indexOf(q, at);
                if (nextQuote < 0) nextQuote = n;
                quoteOf = q;
              }
              if (nextEscape < at) {
                nextEscape = noEscapes ? n : buf.indexOf(0x5c, at);
                if (nextEscape < 0) nextEscape = n;
              }
              at = nextEscape < nextQuote ? nextEscape : nextQuote;
            }
            if (at >= n) {
              i = n;
              break scan;
            }
            if (buf[at] !== q) {
              // a backslash: it and the byte after it
              if (at + 2 > n) {
                i = final ? n : at;
                break scan;
              }
              i = at + 2;
              continue;
            }
            i = at + 1;
            this.st = St.Normal;
            break;
          }
          continue;
        }
        case St.Back:
        case St.Line: {
          // a quoted name ends at the next backquote (`` inside is two of them), a line comment at the newline
          const a = buf.indexOf(this.st === St.Back ? 0x60 : 0x0a, i);
          if (a < 0) {
            i = n;
            break scan;
          }
          i = a + 1;
          this.st = St.Normal;
          continue;
        }
        case St.Block: {
          const a = buf.indexOf('*/', i, 'latin1');
          if (a < 0) {
            // keep a trailing '*' for the next chunk
            i = final ? n : Math.max(i, n - 1);
            break scan;
          }
          i = a + 2;
          this.st = St.Normal;
          continue;
        }
        case St.Normal:
          break;
      }
      let c = buf[i]!;
      if (this.bodyStart >= 0 && PLAIN[c] === 1 && c !== d0) {
        // the hot path: digits, letters, hex literals and commas of a statement body
        do c = buf[++i]!;
        while (i < n && PLAIN[c] === 1 && c !== d0);
        if (i >= n) break;
      }
      if (c === d0) {
        if (short(this.delimBytes.length)) break;
        if (this.delimBytes.length === 1 || buf.compare(this.delimBytes, 0, this.delimBytes.length, i, i + this.delimBytes.length) === 0) {
          const end = base + i + this.delimBytes.length;
          if (this.bodyStart >= 0) {
            this.copyBody(buf, i);
            const st = this.emit(base + i, end, true);
            out.push(st);
            this.modes.observe(st.head);
            if (noEscapes !== this.modes.noBackslashEscapes) {
              noEscapes = this.modes.noBackslashEscapes;
              nextEscape = -1;
            }
          }
          this.resetStatement(end);
          i += this.delimBytes.length;
          continue;
        }
      }
      if (isBlank(c)) {
        i++;
        continue;
      }
      if (c === 0x2d) {
        // '-- ' comment: two dashes and a blank or control byte (or the end of the input)
        if (short(3)) break;
        const d = buf[i + 2];
        if (buf[i + 1] === 0x2d && (d === undefined || d <= 0x20)) {
          this.st = St.Line;
          i += 2;
          continue;
        }
      } else if (c === 0x23) {
        this.st = St.Line;
        i++;
        continue;
      } else if (c === 0x2f) {
        if (short(12)) break;
        if (buf[i + 1] === 0x2a) {
          const cond = conditionalPrefix(buf, i);
          if (cond === 0) {
            this.st = St.Block;
            i += 2;
            continue;
          }
          this.markBody(buf, i);
          this.inCond = true;
          i += cond;
          continue;
        }
      } else if (c === 0x2a && this.inCond) {
        if (short(2)) break;
        if (buf[i + 1] === 0x2f) {
          this.inCond = false;
          i += 2;
          continue;
        }
      } else if ((c === 0x44 || c === 0x64) && this.bodyStart < 0 && !this.inCond) {
        // a DELIMITER line: only where a statement would start
        if (short(10)) break;
        if (/^delimiter[ \t]/i.test(buf.toString('latin1', i, i + 10))) {
          const nl = buf.indexOf(0x0a, i);
          if (nl < 0 && !final) break;
          const lineEnd = nl < 0 ? n : nl;
          const word = buf.toString('latin1', i + 10, lineEnd).trim().split(/[ \t]/)[0] ?? '';
          if (word !== '') {
            this.delim = word;
            this.delimBytes = Buffer.from(word, 'latin1');
            d0 = this.delimBytes[0]!;
          }
          i = nl < 0 ? n : nl + 1;
          this.countLines(buf, i);
          this.resetStatement(base + i);
          continue;
        }
      }
      if (c === 0x28 && this.depth === 0 && short(FIRST_VALUE_BYTES)) break;
      if ((c === 0x4f || c === 0x6f) && this.depth === 0 && this.bodyStart >= 0 && !this.onDuplicate) {
        if (short(3)) break;
        if (isWordOn(buf, i, i > 0 ? buf[i - 1]! : this.before)) this.onDuplicate = true;
      }
      this.markBody(buf, i);
      if (c === 0x27) this.st = St.Single;
      else if (c === 0x22) this.st = St.Double;
      else if (c === 0x60) this.st = St.Back;
      else if (c === 0x28) {
        if (this.depth === 0 && !this.onDuplicate && ++this.groups === 1) this.firstValues.first = firstValue(buf, i + 1);
        else if (this.depth === 0 && !this.onDuplicate) this.firstValues.rest |= firstValue(buf, i + 1);
        this.depth++;
      } else if (c === 0x29) {
        if (this.depth > 0) this.depth--;
      }
      i++;
    }
    if (this.bodyStart >= 0) this.copyBody(buf, i);
    this.countLines(buf, i);
    this.base = base + i;
    this.before = i > 0 ? buf[i - 1]! : this.before;
    this.carry = i < n ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0);
    return out;
  }

  private countLines(buf: Buffer, upTo: number): void {
    let j = this.counted - this.base;
    if (j < 0) j = 0;
    for (;;) {
      const a = buf.indexOf(0x0a, j);
      if (a < 0 || a >= upTo) break;
      this.line++;
      j = a + 1;
    }
    this.counted = this.base + upTo;
  }

  private markBody(buf: Buffer, i: number): void {
    if (this.bodyStart >= 0) return;
    this.countLines(buf, i);
    this.bodyStart = this.base + i;
    this.bodyLine = this.line;
    this.copied = this.bodyStart;
  }

  /** Copies the body bytes read so far (up to buf[upTo]) into `body`. */
  private copyBody(buf: Buffer, upTo: number): void {
    const from = this.copied - this.base;
    if (upTo <= from) return;
    this.body.add(buf.subarray(from, upTo));
    this.copied = this.base + upTo;
  }

  private emit(delimAt: number, end: number, terminated: boolean): SqlStatement {
    const text = this.body.text(this.copied - delimAt);
    const head = this.body.head;
    return { start: this.stmtStart, bodyStart: this.bodyStart, end, line: this.bodyLine, text, head, groups: this.groups, onDuplicate: this.onDuplicate, firstValues: this.firstValues, noBackslashEscapes: this.modes.noBackslashEscapes, delimiter: this.delim, terminated };
  }

  private resetStatement(next: number): void {
    this.stmtStart = next;
    this.bodyStart = -1;
    this.groups = 0;
    this.onDuplicate = false;
    this.firstValues = { first: 0, rest: 0 };
    this.depth = 0;
    this.body.reset();
    this.inCond = false;
  }
}

const isWordByte = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80);

/**
 * The word ON at buf[at] (`prev`: the byte before it). Outside parentheses an INSERT has it only in
 * ON DUPLICATE KEY UPDATE: a name spelled so must be quoted (a reserved word).
 */
function isWordOn(buf: Buffer, at: number, prev: number): boolean {
  return (buf[at + 1] === 0x4e || buf[at + 1] === 0x6e) && !isWordByte(buf[at + 2]) && !isWordByte(prev);
}

/** Splits a whole byte stream (helper for tests and small inputs). */
export async function* splitStatements(source: AsyncIterable<Buffer>, opts: SplitterOptions = {}): AsyncGenerator<SqlStatement> {
  const s = new SqlSplitter(opts);
  for await (const chunk of source) yield* s.push(chunk);
  yield* s.finish();
}
