import type { Flavor } from './flavor.js';
import type { Session } from './session.js';

export const ACCOUNT_KINDS = ['user', 'role'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** One account or role as the server printed it (the users file of a dump holds these). */
export interface AccountEntry {
  readonly kind: AccountKind;
  readonly user: string;
  /** '' for a MariaDB role. */
  readonly host: string;
  readonly plugin: string | null;
  /** CREATE USER (plugin and hash, resource limits, password and lock options) or CREATE ROLE. */
  readonly create: string;
  /** SHOW GRANTS: privileges, role grants, SET DEFAULT ROLE, in the server's order. */
  readonly grants: readonly string[];
}

/**
 * Every account and role of the server, as the server prints them (SHOW CREATE USER, SHOW GRANTS;
 * a MariaDB role has no SHOW CREATE USER: CREATE ROLE). Needs read access to the mysql database.
 */
export async function readAccounts(session: Session, flavor: Flavor): Promise<{ accounts: AccountEntry[]; unreadable: { name: string; reason: string }[] }> {
  const d = flavor.accounts;
  const rows = await session.query<{ user: string; host: string; role: string; plugin: string | null }>(d.listSql);
  const accounts: AccountEntry[] = [];
  const unreadable: { name: string; reason: string }[] = [];
  for (const r of rows) {
    const role = r.role === '1';
    const name = d.name(r.user, r.host, role);
    try {
      const create = (role ? d.createRole(r.user, r.host) : null) ?? Object.values((await session.query<Record<string, string>>(`SHOW CREATE USER ${name}`))[0] ?? {})[0] ?? '';
      const grants = (await session.query<Record<string, string>>(`SHOW GRANTS FOR ${name}`)).map((g) => Object.values(g)[0] ?? '').filter((g) => g !== '');
      accounts.push({ kind: role ? 'role' : 'user', user: r.user, host: r.host, plugin: r.plugin === '' ? null : r.plugin, create, grants });
    } catch (e) {
      // e.g. a host-name account under skip_name_resolve: the server lists it but will not show it
      unreadable.push({ name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { accounts, unreadable };
}

/** Authentication plugins the server can use now. */
export async function activeAuthPlugins(session: Session): Promise<Set<string>> {
  const rows = await session.query<{ n: string }>("SELECT LOWER(PLUGIN_NAME) AS n FROM information_schema.PLUGINS WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'");
  return new Set(rows.map((r) => r.n));
}
