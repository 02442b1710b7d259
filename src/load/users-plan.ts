import { globMatches } from '../core/wildcard.js';
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
  return patterns.some((p) => globMatches(p, label));
}

const STR = String.raw`'(?:[^'\\]|\\.|'')*'`;
const NAME = String.raw`(?:\`(?:[^\`]|\`\`)*\`|${STR})`;
const AUTH = String.raw`'?[A-Za-z0-9_]+'?(?:\s+(?:USING|AS)\s+${STR})?`;
/**
 * The authentication clause MariaDB prints in GRANT lines, whatever follows it (REQUIRE, WITH, the
 * end): left in, it would set the dump's password on an account that already exists on the target.
 */
const IDENTIFIED = new RegExp(String.raw`(?<!\s)\s+IDENTIFIED\s+(?:BY\s+PASSWORD\s+${STR}|BY\s+${STR}|(?:VIA|WITH)\s+${AUTH}(?:\s+OR\s+${AUTH})*)`, 'i');
/** REQUIRE SSL/X509/NONE or ISSUER/SUBJECT/CIPHER strings: CREATE USER carries it, a GRANT would change an existing account's. */
const REQUIRE = new RegExp(String.raw`(?<!\s)\s+REQUIRE(?:\s+(?:SSL|X509|NONE)\b|(?:\s+(?:AND\s+)?(?:ISSUER|SUBJECT|CIPHER)\s+${STR})+)`, 'i');
const LIMITS = /(?<!\s)\s+(?:MAX_QUERIES_PER_HOUR|MAX_UPDATES_PER_HOUR|MAX_CONNECTIONS_PER_HOUR|MAX_USER_CONNECTIONS|MAX_STATEMENT_TIME)\s+[0-9.]+/gi;
const GRANTEE = new RegExp(String.raw`\sTO\s+(${NAME}|PUBLIC)(?:@(${NAME}))?(?=\s+(?:IDENTIFIED|REQUIRE|WITH)\b|\s*$)`, 'gi');

/** A quoted user or host name (`…`, '…') as the name itself. */
export const unquote = (n: string): string => (n.startsWith('`') ? n.slice(1, -1).replace(/``/g, '`') : n.startsWith("'") ? n.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1') : n);

/**
 * Whether a grant line is the account's own. MariaDB's SHOW GRANTS FOR a role also lists the
 * grants of the roles granted to it (`GRANT SELECT ON db.* TO r1` under r2): run for r2, such a line
 * would reach r1 even when r1 was left out — and with no such account on the target, GRANT creates
 * it as a user with no password. A grantee the pattern cannot read keeps the line.
 */
function grantsTo(sql: string, a: Pick<AccountEntry, 'user' | 'host'>): boolean {
  const last = [...sql.matchAll(GRANTEE)].at(-1);
  if (!last) return true;
  return unquote(last[1]!) === a.user && (last[2] === undefined ? '' : unquote(last[2])) === a.host;
}

function grantLine(sql: string): string | null {
  let out = sql.replace(IDENTIFIED, '').replace(REQUIRE, '').replace(LIMITS, '');
  out = out.replace(/(?<!\s)\s+WITH\s*$/i, '').replace(/\bWITH\s+(?=WITH\b)/i, '');
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
      if (/^SET DEFAULT ROLE/i.test(g) || !grantsTo(g, a)) continue;
      const line = grantLine(g);
      if (line !== null) out.push({ account: accountLabel(a), phase: 'grant', sql: tr(renameInGrant(line, renames)), plugin: null });
    }
  }
  for (const a of ordered) {
    for (const g of a.grants.filter((x) => /^SET DEFAULT ROLE/i.test(x))) out.push({ account: accountLabel(a), phase: 'default-role', sql: tr(g), plugin: null });
  }
  return out;
}
