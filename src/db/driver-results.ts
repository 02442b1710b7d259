/**
 * What session.ts reads out of mysql2's results: rows as text, and an OK packet's counts.
 */
/** Every column of query()'s rows as text (utf8), BLOB and GEOMETRY too. */
export function stringCast(field: { type: string; string: (enc?: string) => string | null; buffer: () => Buffer | null }, next: () => unknown): unknown {
  void next;
  if (field.type === 'BLOB' || field.type === 'GEOMETRY') {
    const b = field.buffer();
    return b === null ? null : b.toString('utf8');
  }
  return field.string('utf8');
}

/** A row of SHOW WARNINGS. */
export interface ServerWarning {
  readonly level: string;
  readonly code: number;
  readonly message: string;
}

/** The warning count of an OK packet (0 when the result carries none). */
export function warningCount(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'warningStatus' in result) {
    const n = (result as { warningStatus: unknown }).warningStatus;
    return typeof n === 'number' ? n : 0;
  }
  return 0;
}

/** The affected-row count of an OK packet (0 when the result carries none). */
export function affected(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'affectedRows' in result) {
    const n = (result as { affectedRows: unknown }).affectedRows;
    return typeof n === 'number' ? n : 0;
  }
  return 0;
}
