import type { Flavor, FlavorKind } from '../db/flavor.js';
import { accountLabel, type AccountEntry } from '../format/users-file.js';

/**
 * The statements that recreate accounts on the target, as a pure function of the users file (so
 * every rewrite is unit-tested): IF NOT EXISTS on each CREATE, the authentication clause and
 * resource limits out of GRANT lines (CREATE USER has them; MySQL 8 refuses them in GRANT), the
 * GRANT USAGE ON *.* line dropped (an account has it anyway), database names renamed as the load
 * renames them, then the target flavor's spelling (db/flavor.ts).
 */
export interface AccountStatement {
  readonly account: string;
  readonly phase: 'create' | 'grant' | 'default-role';
  readonly sql: string;
  /** The authentication plugin a CREATE needs. */
  readonly plugin: string | null;
}

/** Accounts that come with every server, skipped unless asked for. */
export function isSystemAccount(a: Pick<AccountEntry, 'user'>): boolean {
  return a.user === 'root' || a.user === '' || a.user === 'PUBLIC' || a.user === 'mariadb.sys' || a.user.startsWith('mysql.');
}

/** Shell-style patterns (`*`, `?`) on user@host (a MariaDB role: its name). */
export function matchesAny(label: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(label));
}

/** Hashes and plugin strings out of a statement shown in a report. */
export function redact(sql: string): string {
  return sql.replace(/\b(PASSWORD|AS|USING|BY)\s+'(?:[^'\\]|\\.|'')*'/gi, "$1 '<hidden>'");
}

const IDENTIFIED = / IDENTIFIED (?:BY PASSWORD '(?:[^'\\]|\\.)*'|VIA .*?|WITH .*?)(?= WITH |$)/i;
const LIMITS = /\s+(?:MAX_QUERIES_PER_HOUR|MAX_UPDATES_PER_HOUR|MAX_CONNECTIONS_PER_HOUR|MAX_USER_CONNECTIONS|MAX_STATEMENT_TIME)\s+[0-9.]+/gi;

function grantLine(sql: string): string | null {
  let out = sql.replace(IDENTIFIED, '').replace(LIMITS, '');
  out = out.replace(/\s+WITH\s*$/i, '').replace(/\bWITH\s+(?=WITH\b)/i, '');
  if (/^GRANT USAGE ON \*\.\* TO /i.test(out) && !/\bGRANT OPTION\b/i.test(out)) return null;
  return out;
}

function renameInGrant(sql: string, renames: ReadonlyMap<string, string>): string {
  return sql.replace(/(\bON\s+(?:TABLE\s+|FUNCTION\s+|PROCEDURE\s+|PACKAGE\s+(?:BODY\s+)?)?)(`(?:[^`]|``)*`)(\s*\.)/gi, (m, on: string, db: string, dot: string) => {
    const to = renames.get(db.slice(1, -1).replace(/``/g, '`'));
    return to === undefined ? m : `${on}\`${to.replace(/`/g, '``')}\`${dot}`;
  });
}

export function accountStatements(accounts: readonly AccountEntry[], from: FlavorKind, target: Flavor, renames: ReadonlyMap<string, string>): AccountStatement[] {
  const ordered = [...accounts.filter((a) => a.kind === 'role'), ...accounts.filter((a) => a.kind === 'user')];
  const out: AccountStatement[] = [];
  const tr = (sql: string): string => target.accounts.toTarget(sql, from);
  for (const a of ordered) {
    const create = tr(a.create.replace(/^CREATE (USER|ROLE) (?!IF NOT EXISTS)/i, 'CREATE $1 IF NOT EXISTS '));
    out.push({ account: accountLabel(a), phase: 'create', sql: create, plugin: a.kind === 'user' ? a.plugin : null });
  }
  for (const a of ordered) {
    for (const g of a.grants) {
      if (/^SET DEFAULT ROLE/i.test(g)) continue;
      const line = grantLine(g);
      if (line !== null) out.push({ account: accountLabel(a), phase: 'grant', sql: tr(renameInGrant(line, renames)), plugin: null });
    }
  }
  for (const a of ordered) {
    for (const g of a.grants.filter((x) => /^SET DEFAULT ROLE/i.test(x))) out.push({ account: accountLabel(a), phase: 'default-role', sql: tr(g), plugin: null });
  }
  return out;
}
