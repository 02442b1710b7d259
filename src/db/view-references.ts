/**
 * What a view's body reads, from its text: the fallback where information_schema has no
 * VIEW_TABLE_USAGE (MariaDB, MySQL before 8.0.13).
 *
 * The server stores a view's body with every table, view and stored function qualified by its
 * database (`db`.`t`, `db`.`t`.`col`, `db`.`f`(…)), both on MySQL and on MariaDB. A candidate is
 * therefore every chain of two or three quoted identifiers outside string literals: its first two
 * parts, followed by `(` for a function. Column references of aliases (`alias`.`col`) are
 * candidates too; the caller keeps only candidates that name an object that exists.
 */
export const VIEW_REFERENCE_KINDS = ['table', 'function'] as const;
export type ViewReferenceKind = (typeof VIEW_REFERENCE_KINDS)[number];

export interface ViewReference {
  readonly kind: ViewReferenceKind;
  readonly database: string;
  readonly name: string;
}

type Token = { readonly t: 'ident'; readonly v: string } | { readonly t: 'punct'; readonly v: string };

/** Tokens that matter here: quoted identifiers and punctuation; strings, comments and words are skipped. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '`') {
      let v = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') {
            v += '`';
            i += 2;
            continue;
          }
          break;
        }
        v += sql[i++];
      }
      i++;
      out.push({ t: 'ident', v });
    } else if (c === "'" || c === '"') {
      i++;
      while (i < sql.length) {
        if (sql[i] === '\\') i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      i++;
      out.push({ t: 'punct', v: 'str' });
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '.' || c === '(') {
      out.push({ t: 'punct', v: c });
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      // a word, number or other operator: it ends any identifier chain
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(c) && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      out.push({ t: 'punct', v: sql.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Candidate references in a view body (deduplicated, in order of appearance). */
export function viewReferenceCandidates(body: string): ViewReference[] {
  const ts = tokens(body);
  const seen = new Set<string>();
  const out: ViewReference[] = [];
  for (let i = 0; i < ts.length; i++) {
    const a = ts[i]!;
    if (a.t !== 'ident' || ts[i - 1]?.v === '.') continue;
    if (ts[i + 1]?.v !== '.' || ts[i + 2]?.t !== 'ident') continue;
    const b = ts[i + 2]!;
    const kind: ViewReferenceKind = ts[i + 3]?.v === '(' ? 'function' : 'table';
    const key = `${kind}\0${a.v}\0${b.v}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ kind, database: a.v, name: b.v });
    }
  }
  return out;
}

/**
 * The same for a view body as a dump tool wrote it, where names of the view's own database may be
 * unqualified (mysqldump prints SHOW CREATE VIEW run in that database: `t`.`col`, `t`, `f`(…)):
 * besides the qualified candidates, every identifier that starts a chain is a candidate in
 * `database` too. Wider than the server's text needs (an alias or column named like a table is a
 * candidate), which the caller's "names an object that exists" narrows.
 */
export function dumpedViewReferenceCandidates(body: string, database: string): ViewReference[] {
  const ts = tokens(body);
  const out = viewReferenceCandidates(body);
  const seen = new Set(out.map((r) => `${r.kind}\0${r.database}\0${r.name}`));
  for (let i = 0; i < ts.length; i++) {
    const a = ts[i]!;
    if (a.t !== 'ident' || ts[i - 1]?.v === '.') continue;
    const kind: ViewReferenceKind = ts[i + 1]?.v === '(' ? 'function' : 'table';
    const key = `${kind}\0${database}\0${a.v}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ kind, database, name: a.v });
    }
  }
  return out;
}
