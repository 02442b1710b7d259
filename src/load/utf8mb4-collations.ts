/**
 * --convert-utf8mb4 renames a utf8/utf8mb3 collation to its utf8mb4 counterpart (utf8mb3_bin →
 * utf8mb4_bin). Not every one has a counterpart on every server: MariaDB has
 * utf8mb3_general_mysql500_ci but no utf8mb4_general_mysql500_ci, and the CREATE would fail (error
 * 1273) part-way through the schema. Such a collation is refused before anything is changed rather
 * than mapped to another one: a collation decides which strings are equal (a UNIQUE key the source
 * held could refuse its rows) and in which order they sort, which the user should choose. Pure.
 */
import type { Problem } from '../core/problem.js';
import { createBodySpans, mapQuoted } from '../format/create-table.js';

export interface CollatedDefinition {
  readonly database: string;
  /** null: the database's own default collation. */
  readonly table: string | null;
  /** A SHOW CREATE TABLE text, or the database's collation name. */
  readonly text: string;
}

/** The utf8/utf8mb3 collations a definition names (outside quoted text), with where: a column's name, or null. */
function convertedCollations(text: string): { collation: string; column: string | null }[] {
  const out: { collation: string; column: string | null }[] = [];
  const spans = createBodySpans(text);
  const columnAt = (at: number): string | null => {
    const item = spans?.items.find(([from, to]) => at >= from && at < to);
    if (!item) return null;
    const m = /^\s*`((?:[^`]|``)*)`/.exec(text.slice(item[0], item[1]));
    return m ? m[1]!.replace(/``/g, '`') : null;
  };
  let at = 0;
  mapQuoted(text, (t) => {
    at += t.length;
    return t;
  }, (plain) => {
    for (const m of plain.matchAll(/\butf8(?:mb3)?_([A-Za-z0-9_]+)/gi)) out.push({ collation: `utf8mb4_${m[1]!.toLowerCase()}`, column: columnAt(at + m.index) });
    at += plain.length;
    return plain;
  });
  return out;
}

/** A problem for each collation the conversion would name and the target does not have (`collations` empty: not known, nothing judged). */
export function utf8mb4CollationProblems(definitions: readonly CollatedDefinition[], collations: ReadonlySet<string>): Problem[] {
  if (collations.size === 0) return [];
  const problems: Problem[] = [];
  for (const d of definitions) {
    for (const c of convertedCollations(d.text)) {
      if (collations.has(c.collation)) continue;
      const where = d.table === null ? `database ${d.database}'s default` : c.column === null ? `the table options of ${d.database}.${d.table}` : `column ${c.column} of ${d.database}.${d.table}`;
      const source = c.collation.replace(/^utf8mb4_/, 'utf8mb3_');
      problems.push({
        code: 'unsupported',
        object: d.table === null ? { database: d.database } : { database: d.database, table: d.table },
        message: `--convert-utf8mb4: ${where} is collated ${source}, and the target has no ${c.collation} to convert it to (error 1273)`,
        fix: `change it on the source to a collation with a utf8mb4 counterpart (utf8mb3_general_ci is the nearest to ${source}; strings that ${source} holds apart may compare equal in it) and dump again, or load without --convert-utf8mb4`,
      });
    }
  }
  return problems;
}
