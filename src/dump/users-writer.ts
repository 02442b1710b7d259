import type { Reporter } from '../core/events.js';
import { readAccounts } from '../db/accounts.js';
import type { Flavor } from '../db/flavor.js';
import { Session, type ConnectionSettings } from '../db/session.js';
import { DUMP_ACCOUNTS } from '../db/session-profile.js';
import type { FileEntry } from '../format/manifest.js';
import { USERS_FILE } from '../format/naming.js';
import { USERS_FORMAT, USERS_VERSION, type UsersFile } from '../format/users-file.js';
import type { DumpStore } from '../storage/dump-store.js';
import { writeTextFile } from './schema-writer.js';

/**
 * Step 6b (--users): every account and role with its grants, into users.json (listed and hashed in
 * the manifest like every file). Accounts are not part of the data snapshot: they are read as they
 * are when this step runs. All accounts are written, system ones included; the loader skips
 * root and the system accounts unless asked.
 */
export async function writeUsers(connection: ConnectionSettings, store: DumpStore, flavor: Flavor, reporter: Reporter): Promise<FileEntry> {
  const session = await Session.open(connection, DUMP_ACCOUNTS);
  const { accounts, unreadable } = await readAccounts(session, flavor).finally(() => session.close());
  for (const u of unreadable) reporter.emit({ kind: 'warning', message: `--users: account ${u.name} is not dumped: the server lists it but does not show it (${u.reason})` });
  const file: UsersFile = { format: USERS_FORMAT, version: USERS_VERSION, flavor: flavor.kind, accounts };
  // password hashes: for the dump's owner only
  const entry = await writeTextFile(store, USERS_FILE, `${JSON.stringify(file, null, 1)}\n`, { private: true });
  const roles = accounts.filter((a) => a.kind === 'role').length;
  reporter.emit({ kind: 'info', message: `users: ${accounts.length - roles} account(s) and ${roles} role(s) with their grants in ${USERS_FILE}` });
  return entry;
}
