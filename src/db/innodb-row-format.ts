import type { Session } from './session.js';

/**
 * @@GLOBAL.innodb_default_row_format in lower case: the row format of an InnoDB table whose
 * definition names none. Null where the server has no such variable (MySQL before 5.7, MariaDB
 * before 10.2).
 */
export async function innodbDefaultRowFormat(s: Pick<Session, 'scalar'>): Promise<string | null> {
  try {
    const v = await s.scalar('SELECT @@GLOBAL.innodb_default_row_format');
    return v === null ? null : String(v).toLowerCase();
  } catch {
    return null;
  }
}
