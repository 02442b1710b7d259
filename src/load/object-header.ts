import { afterCommentStart } from '../format/conditional-comment.js';
import { skipQuoted } from '../format/sql-text.js';

/**
 * The database qualifiers written in the header of a CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT:
 * the object's own (`CREATE TRIGGER src.trg`) and a trigger's table (`… ON src.t2`), quoted or bare;
 * and of an ALTER TABLE, its table's (`ALTER TABLE src.t ADD KEY …`, another database's table).
 *
 * Why: the server keeps a trigger's statement as it was written (SHOW CREATE TRIGGER prints `src.trg`
 * unquoted if it was created so, and mysqldump and mydumper copy that text), so a qualifier there
 * decides which database the trigger is created in whatever the session's USE says. Routines and
 * events come back from SHOW CREATE with their name alone, but a script may be written by hand.
 *
 * Contract: `sql` is one statement; the header is read through mysqldump's conditional comments
 * (`/*!50003 CREATE*\/ /*!50017 DEFINER=…*\/ /*!50003 TRIGGER …`) and plain comments. Anything that
 * is not such a header gives no qualifier. The body is not read.
 */
export interface HeaderQualifier {
  /** Offsets of the qualifier as written (quotes included) in `sql`. */
  readonly from: number;
  readonly to: number;
  /** The database name it says (quotes removed), compared as the server compares names on Linux: exactly. */
  readonly name: string;
}

const BARE = /[A-Za-z0-9_$\u0080-\uffff]+/y;
const ACCOUNT_BARE = /[A-Za-z0-9_.%$\u0080-\uffff-]+/y;

export function objectHeaderQualifiers(sql: string): HeaderQualifier[] {
  const r = new HeaderReader(sql);
  if (r.keyword('ALTER')) {
    while (r.keyword('ONLINE') || r.keyword('IGNORE'));
    if (!r.keyword('TABLE') || (r.keyword('IF') && !r.keyword('EXISTS'))) return [];
    const t = r.qualifiedName();
    return t?.database ? [t.database] : [];
  }
  if (!r.keyword('CREATE')) return [];
  if (r.keyword('OR') && !r.keyword('REPLACE')) return [];
  if (r.keyword('DEFINER') && !(r.punct('=') && r.account())) return [];
  r.keyword('AGGREGATE');
  const kind = r.word()?.toUpperCase();
  if (kind !== 'TRIGGER' && kind !== 'PROCEDURE' && kind !== 'FUNCTION' && kind !== 'EVENT') return [];
  if (r.keyword('IF') && !(r.keyword('NOT') && r.keyword('EXISTS'))) return [];
  const own = r.qualifiedName();
  if (own === null) return [];
  const out: HeaderQualifier[] = own.database ? [own.database] : [];
  if (kind !== 'TRIGGER') return out;
  // {BEFORE | AFTER} {INSERT | UPDATE | DELETE} ON tbl
  if (r.word() === null || r.word() === null || !r.keyword('ON')) return out;
  const on = r.qualifiedName();
  if (on?.database) out.push(on.database);
  return out;
}

class HeaderReader {
  private i = 0;
  constructor(private readonly sql: string) {}

  /** Skips blanks, plain comments and conditional-comment markers (`/*!50003`, `/*M!100100`, `*\/`). */
  private blank(): void {
    const s = this.sql;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.i++;
      else if (s.startsWith('/*', this.i)) this.i = afterCommentStart(s, this.i).next;
      else if (s.startsWith('*/', this.i)) this.i += 2;
      else return;
    }
  }

  private match(re: RegExp): string | null {
    re.lastIndex = this.i;
    const m = re.exec(this.sql);
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  word(): string | null {
    this.blank();
    return this.match(BARE);
  }

  keyword(k: string): boolean {
    this.blank();
    const at = this.i;
    const w = this.match(BARE);
    if (w !== null && w.toUpperCase() === k) return true;
    this.i = at;
    return false;
  }

  punct(p: string): boolean {
    this.blank();
    if (this.sql[this.i] !== p) return false;
    this.i++;
    return true;
  }

  /** `user@host`, each part quoted or bare, or CURRENT_USER[()]. */
  account(): boolean {
    if (this.keyword('CURRENT_USER')) return this.punct('(') ? this.punct(')') : true;
    if (!this.accountPart()) return false;
    return this.punct('@') ? this.accountPart() : true;
  }

  private accountPart(): boolean {
    this.blank();
    const c = this.sql[this.i];
    if (c === '`' || c === '"' || c === "'") {
      this.i = skipQuoted(this.sql, this.i);
      return true;
    }
    return this.match(ACCOUNT_BARE) !== null;
  }

  /** An identifier: backquoted, double-quoted (ANSI_QUOTES) or bare. */
  private ident(): HeaderQualifier | null {
    this.blank();
    const from = this.i;
    const c = this.sql[from];
    if (c === '`' || c === '"') {
      const to = skipQuoted(this.sql, from);
      this.i = to;
      return { from, to, name: this.sql.slice(from + 1, to - 1).replaceAll(c + c, c) };
    }
    const w = this.match(BARE);
    return w === null ? null : { from, to: this.i, name: w };
  }

  qualifiedName(): { database: HeaderQualifier | null; name: HeaderQualifier } | null {
    const first = this.ident();
    if (first === null) return null;
    const at = this.i;
    if (this.punct('.')) {
      const second = this.ident();
      if (second !== null) return { database: first, name: second };
    }
    this.i = at;
    return { database: null, name: first };
  }
}
