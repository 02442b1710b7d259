/**
 * Follows a script's sql_mode the way the mysql client does (it reads the server's
 * NO_BACKSLASH_ESCAPES status flag after each statement): mysqldump sets a routine's or trigger's
 * own sql_mode before its CREATE and restores the saved one after it, and a body created under
 * NO_BACKSLASH_ESCAPES holds strings like '\' that only split right in that mode.
 *
 * Understood (also inside /*!NNNNN … *\/): `SET sql_mode = '…'`, `SET @v = @@sql_mode`,
 * `SET sql_mode = @v`, with SESSION / @@SESSION. / @@ prefixes, several per SET.
 */
const ASSIGN = /(@@(?:session\.)?sql_mode|@[A-Za-z0-9_$.]+|(?:session\s+)?sql_mode)\s*:?=\s*('(?:[^'\\]|\\.|'')*'|@@(?:session\.)?sql_mode|@[A-Za-z0-9_$.]+)/gi;

/** `sql_mode`, `SESSION sql_mode`, `@@sql_mode`, `@@session.sql_mode` — not a user variable `@saved_sql_mode`. */
const isMode = (s: string): boolean => /sql_mode$/i.test(s) && (s.startsWith('@@') || !s.startsWith('@'));

export class SqlModeTracker {
  private mode: string;
  private readonly saved = new Map<string, string>();

  constructor(initialMode = '') {
    this.mode = initialMode;
  }

  get sqlMode(): string {
    return this.mode;
  }

  get noBackslashEscapes(): boolean {
    return /\bNO_BACKSLASH_ESCAPES\b/i.test(this.mode);
  }

  /** Takes note of a statement (its head is enough: SET statements are short). */
  observe(head: string): void {
    const plain = head.replace(/\/\*M?!\d*|\*\//g, ' ');
    if (!/^\s*SET\s/i.test(plain)) return;
    for (const m of plain.matchAll(ASSIGN)) {
      const lhs = m[1]!.toLowerCase();
      const rhs = m[2]!;
      if (isMode(lhs)) {
        if (rhs.startsWith("'")) this.mode = rhs.slice(1, -1).replace(/''/g, "'");
        else if (!rhs.startsWith('@@')) this.mode = this.saved.get(rhs.toLowerCase()) ?? this.mode;
      } else if (isMode(rhs)) this.saved.set(lhs, this.mode);
      else if (rhs.startsWith("'")) this.saved.set(lhs, rhs.slice(1, -1));
    }
  }
}
