/**
 * What the connected account may do, from SHOW GRANTS (parsed here, so preflights can decide from
 * plain data). Handles global, database (with LIKE wildcards `%`, `_` and `\_`) and table grants,
 * ALL PRIVILEGES, and dynamic privileges (MySQL 8); column grants and routine grants are read but
 * grant nothing table-wide. Every privilege line counts, whatever its grantee: SHOW GRANTS for the
 * current user lists the user's own and its active roles' (MariaDB; MySQL 8 lists active roles' too
 * when asked without FOR). Role memberships whose privileges are not listed make the set
 * `complete: false`, and a preflight then does not call a missing privilege a problem.
 */
import { likeMatches } from '../core/wildcard.js';
import type { Session } from './session.js';

export interface Grant {
  /** Upper-case privilege names ('ALL' for ALL PRIVILEGES). */
  readonly privileges: readonly string[];
  /** '*' for all databases, else a name or LIKE pattern (database-level grants). */
  readonly database: string;
  /** '*' for every table of the database, else a table name; null for a routine grant. */
  readonly table: string | null;
}

export interface GrantSet {
  /** CURRENT_USER() as 'user'@'host', for GRANT statements in fixes. */
  readonly account: string;
  readonly grants: readonly Grant[];
  /** False when some role's privileges could not be seen. */
  readonly complete: boolean;
  /**
   * Database names in grants compare in their exact case (lower_case_table_names = 0, as the server
   * compares them); absent: case-insensitively.
   */
  readonly exactCase?: boolean;
}

/** Reads the grants of the connected account. */
export async function readGrants(session: Session): Promise<GrantSet> {
  const me = (await session.query<{ a: string | null; l: string | number }>('SELECT CURRENT_USER() AS a, @@lower_case_table_names AS l'))[0];
  const rows = await session.query<Record<string, string>>('SHOW GRANTS');
  const lines = rows.map((r) => Object.values(r)[0] ?? '');
  return { ...parseGrants(lines, quoteAccount(me?.a ?? '')), exactCase: Number(me?.l) === 0 };
}

/** `user@host` (as CURRENT_USER() gives it) as 'user'@'host'. */
export function quoteAccount(account: string): string {
  const at = account.lastIndexOf('@');
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return at < 0 ? q(account) : `${q(account.slice(0, at))}@${q(account.slice(at + 1))}`;
}

export function parseGrants(lines: readonly string[], account: string): GrantSet {
  const grants: Grant[] = [];
  const roles: string[] = [];
  for (const line of lines) {
    const g = parseGrantLine(line);
    if (g === 'role') roles.push(line);
    else if (g) grants.push(g);
  }
  // A role membership is followed by the role's own lines when it is active; a role whose lines are
  // absent (not active, or MySQL listing only memberships) leaves the set incomplete.
  const grantees = new Set(lines.map(granteeOf).filter((x): x is string => x !== null));
  const complete = roles.every((line) => roleNames(line).every((r) => grantees.has(r)));
  return { account, grants, complete };
}

/** One SHOW GRANTS line: a privilege grant, a role membership ('role'), or null (PROXY, SET DEFAULT ROLE, …). */
export function parseGrantLine(line: string): Grant | 'role' | null {
  const m = /^GRANT\s+/i.exec(line);
  if (!m) return null;
  const on = topLevelIndex(line, ' ON ', m[0].length);
  const to = topLevelIndex(line, ' TO ', m[0].length);
  if (on < 0 || (to >= 0 && to < on)) return to >= 0 ? 'role' : null;
  const privText = line.slice(m[0].length, on);
  if (/^PROXY$/i.test(privText.trim())) return null;
  const privileges = splitTopLevel(privText)
    .map((p) => p.trim())
    // a column grant (SELECT (a, b)) is not a table-wide privilege
    .filter((p) => p !== '' && !p.includes('('))
    .map((p) => p.toUpperCase().replace(/\s+/g, ' '))
    .map((p) => (p === 'ALL PRIVILEGES' ? 'ALL' : p));
  let rest = line.slice(on + 4).trimStart();
  let routine = false;
  const kind = /^(TABLE|FUNCTION|PROCEDURE|PACKAGE(?: BODY)?)\s+/i.exec(rest);
  if (kind) {
    routine = kind[1]!.toUpperCase() !== 'TABLE';
    rest = rest.slice(kind[0].length);
  }
  const [database, afterDb] = readIdent(rest);
  if (!afterDb.startsWith('.')) return null;
  const [table] = readIdent(afterDb.slice(1));
  return { privileges, database, table: routine ? null : table };
}

/** Reads `*`, a backquoted or a bare identifier; returns it and the rest. */
function readIdent(text: string): [string, string] {
  if (text.startsWith('*')) return ['*', text.slice(1)];
  if (text.startsWith('`')) {
    let out = '';
    for (let i = 1; i < text.length; i++) {
      if (text[i] === '`') {
        if (text[i + 1] === '`') {
          out += '`';
          i++;
          continue;
        }
        return [out, text.slice(i + 1)];
      }
      out += text[i];
    }
    return [out, ''];
  }
  const m = /^[^.\s]+/.exec(text);
  return m ? [m[0], text.slice(m[0].length)] : ['', text];
}

/** Index of `needle` (case-insensitive) outside backquotes, quotes and parentheses, or -1. */
function topLevelIndex(text: string, needle: string, from: number): number {
  const upper = text.toUpperCase();
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '`' || c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && upper.startsWith(needle, i)) return i;
  }
  return -1;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The grantee of a line ('user'@'host' or a role name), normalised without quotes. */
function granteeOf(line: string): string | null {
  const to = topLevelIndex(line, ' TO ', 0);
  if (to < 0) return null;
  return unquoteAccount(line.slice(to + 4).trim().split(/(?<!\s)\s+(?:IDENTIFIED|WITH|REQUIRE)\b/i)[0]!);
}

function roleNames(line: string): string[] {
  const to = topLevelIndex(line, ' TO ', 0);
  return splitTopLevel(line.slice(/^GRANT\s+/i.exec(line)![0].length, to)).map((r) => unquoteAccount(r.trim()));
}

function unquoteAccount(text: string): string {
  return text.replace(/[`'"]/g, '').replace(/@%$/, '');
}

/** `c` as a regular expression that matches it literally. */
export function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The account holds `privilege` for `database` (and `table` when given: a table grant counts only
 * for that table; without a table, only global and database grants count).
 */
export function allows(set: GrantSet, privilege: string, database: string | null, table?: string): boolean {
  const want = privilege.toUpperCase();
  return set.grants.some((g) => {
    if (!g.privileges.includes(want) && !(g.privileges.includes('ALL') && want !== 'GRANT OPTION')) return false;
    if (g.database === '*') return true;
    if (database === null || g.table === null) return false;
    // a database grant's name is a LIKE pattern; a table grant's is the name itself
    if (g.table === '*') return likeMatches(g.database, database, set.exactCase);
    if (set.exactCase ? g.database !== database : g.database.toLowerCase() !== database.toLowerCase()) return false;
    return table !== undefined && g.table.toLowerCase() === table.toLowerCase();
  });
}

/** `allows` for any one of `privileges` (a privilege and the broader ones that include it). */
export function allowsAny(set: GrantSet, privileges: readonly string[], database: string | null, table?: string): boolean {
  return privileges.some((p) => allows(set, p, database, table));
}
