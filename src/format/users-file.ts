import { TsError } from '../core/errors.js';
import { ACCOUNT_KINDS, type AccountEntry } from '../db/accounts.js';

/**
 * The users file of a dump (tsdump --users; docs/FORMAT.md): every account and role of the source
 * as the source printed it — the CREATE statement (authentication plugin and hash, resource
 * limits, password and lock options), then its grants, role grants and default roles in SHOW
 * GRANTS order. tsload --load-users rewrites them for the target's flavor (db/flavor.ts). It holds
 * password hashes: protect the dump as you would the server's mysql database.
 */
export const USERS_FORMAT = 'tsdump-users';
export const USERS_VERSION = 1;

export { ACCOUNT_KINDS, type AccountEntry, type AccountKind } from '../db/accounts.js';

export interface UsersFile {
  readonly format: typeof USERS_FORMAT;
  readonly version: number;
  readonly flavor: 'mysql' | 'mariadb';
  readonly accounts: readonly AccountEntry[];
}

/** How people (and the include/exclude patterns) name an account: user@host, or the role's name. */
export function accountLabel(a: Pick<AccountEntry, 'user' | 'host' | 'kind'>): string {
  return a.kind === 'role' && a.host === '' ? a.user : `${a.user}@${a.host}`;
}

export function parseUsersFile(text: string, file: string): UsersFile {
  const bad = (msg: string): never => {
    throw new TsError({ code: 'bad-dump', message: `${file} is not a valid users file: ${msg}`, object: { file }, suggestion: 'use an untouched copy of the dump' });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad((e as Error).message);
  }
  const o = raw as Partial<UsersFile> | null;
  if (!o || o.format !== USERS_FORMAT) return bad('not a tsdump users file');
  if (o.version !== USERS_VERSION) return bad(`version ${String(o.version)} is not supported (this tsload reads ${USERS_VERSION})`);
  if (o.flavor !== 'mysql' && o.flavor !== 'mariadb') return bad('unknown flavor');
  if (!Array.isArray(o.accounts)) return bad('no accounts list');
  o.accounts.forEach((a: Partial<AccountEntry>, i) => {
    if (!a || !(ACCOUNT_KINDS as readonly string[]).includes(a.kind ?? '') || typeof a.user !== 'string' || typeof a.host !== 'string' || typeof a.create !== 'string' || !Array.isArray(a.grants) || a.grants.some((g) => typeof g !== 'string')) {
      bad(`accounts[${i}] has the wrong shape`);
    }
  });
  return o as UsersFile;
}
