import type { ObjectKind } from '../core/table-shape.js';
import type { CatalogObject } from './catalog.js';
import type { Session } from './session.js';

/** An object (or, name null, a kind of object) the account may not see: the manifest's `missing` entries. */
export interface HiddenObject {
  readonly kind: ObjectKind | 'routine';
  readonly database: string;
  readonly name: string | null;
  readonly reason: string;
}

type MissingEntry = HiddenObject;

/**
 * What information_schema hides from this account in one database: routines, triggers and events
 * are listed only to an account with a privilege on them, so a dump by a SELECT-only account would
 * silently lack them. For each kind the account cannot be sure to see whole, one entry says so
 * (names unknown); routines listed in mysql.proc (MariaDB, when readable) but not visible are named.
 * Grants are read from information_schema's *_PRIVILEGES views (the account's own, global and
 * database level; table-level grants and roles are not taken as proof).
 */
export async function hiddenObjects(session: Session, database: string, visible: readonly CatalogObject[], kinds: readonly ('routine' | 'trigger' | 'event')[]): Promise<MissingEntry[]> {
  const privileges = await accountPrivileges(session, database);
  const has = (...names: string[]): boolean => names.some((n) => privileges.has(n));
  const out: MissingEntry[] = [];
  if (kinds.includes('routine')) out.push(...(await hiddenRoutines(session, database, visible, has)));
  if (kinds.includes('trigger') && !has('TRIGGER')) {
    out.push({ kind: 'trigger', database, name: null, reason: 'this account lists only triggers of tables it has the TRIGGER privilege on; grant TRIGGER on the database' });
  }
  if (kinds.includes('event') && !has('EVENT')) {
    out.push({ kind: 'event', database, name: null, reason: 'this account may not list events; grant EVENT on the database' });
  }
  return out;
}

async function hiddenRoutines(session: Session, database: string, visible: readonly CatalogObject[], has: (...names: string[]) => boolean): Promise<MissingEntry[]> {
  const proc = await session.query<{ type: string; name: string }>('SELECT type, name FROM mysql.proc WHERE db = ? AND type IN (\'PROCEDURE\', \'FUNCTION\')', [database]).catch(() => null);
  if (proc) {
    const seen = new Set(visible.map((o) => `${o.kind}\u0000${o.name}`));
    return proc
      .map((r) => ({ kind: r.type === 'PROCEDURE' ? ('procedure' as const) : ('function' as const), name: r.name }))
      .filter((r) => !seen.has(`${r.kind}\u0000${r.name}`))
      .map((r) => ({ ...r, database, reason: 'information_schema does not show it to this account' }));
  }
  // Global SELECT reads mysql.proc; SHOW_ROUTINE (MySQL 8.0.20+, MariaDB 11.3+), EXECUTE and ALTER ROUTINE show every routine of the database.
  if (has('SHOW_ROUTINE', 'SHOW CREATE ROUTINE', 'EXECUTE', 'ALTER ROUTINE')) return [];
  return [{ kind: 'routine', database, name: null, reason: 'this account lists only routines it has a privilege on; grant SELECT on mysql.proc (MariaDB), SHOW_ROUTINE (MySQL 8.0.20+), or EXECUTE on the database' }];
}

/** The account's own privileges that apply to the whole of `database` (global or database level). */
async function accountPrivileges(session: Session, database: string): Promise<Set<string>> {
  const global = await session.query<{ P: string }>('SELECT PRIVILEGE_TYPE AS P FROM information_schema.USER_PRIVILEGES').catch(() => []);
  const schema = await session.query<{ P: string }>('SELECT PRIVILEGE_TYPE AS P FROM information_schema.SCHEMA_PRIVILEGES WHERE ? LIKE TABLE_SCHEMA', [database]).catch(() => []);
  return new Set([...global, ...schema].map((r) => r.P.toUpperCase()));
}
