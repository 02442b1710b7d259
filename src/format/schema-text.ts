import type { ObjectKind } from '../core/table-shape.js';

/**
 * The text of a schema file (docs/FORMAT.md section 4): every statement terminated, so
 * `mysql db < file` runs it. Objects whose body may hold `;` (routines, triggers, events) are
 * wrapped in `DELIMITER ;;` … `;;` / `DELIMITER ;`, as mysqldump writes them.
 *
 * Readers take the statements back with schemaStatements, which also reads dumps written before
 * the terminators (no `;` at the end): both give the same text.
 */
const COMPOUND: ReadonlySet<ObjectKind | 'table' | 'database'> = new Set(['procedure', 'function', 'trigger', 'event']);

const DELIMITER_OPEN = 'DELIMITER ;;\n';
const DELIMITER_CLOSE = ';;\nDELIMITER ;\n';

/** Statements (without terminators) as a file's text; no statements (--no-schema) is an empty file. */
export function schemaFileText(kind: ObjectKind | 'table' | 'database', statements: readonly string[]): string {
  const list = statements.map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) return '';
  // A compound object is one statement (its body is never split on ';;').
  if (COMPOUND.has(kind)) return `${DELIMITER_OPEN}${list.join(';;\n')}${DELIMITER_CLOSE}`;
  return `${list.join(';\n')};\n`;
}

/**
 * The statements of a schema file joined by ";\n", the last one without a terminator: what the
 * loader executes (one statement, or a sequence's CREATE and its SETVAL). Tolerant: text without
 * terminators (older dumps) comes back as it is, but for surrounding white space.
 */
export function schemaStatements(text: string): string {
  let t = text.trim();
  if (t.startsWith(DELIMITER_OPEN.trim())) {
    t = t.slice(DELIMITER_OPEN.trim().length).trim();
    const close = DELIMITER_CLOSE.trim();
    if (t.endsWith(close)) t = t.slice(0, -close.length).trim();
    return t;
  }
  return t.replace(/;\s*$/, '');
}
