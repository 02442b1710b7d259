import { createPublicKey } from 'node:crypto';
import mysql from 'mysql2';
import { TsError } from '../core/errors.js';
import { readUserFile } from '../storage/local-files.js';
import type { ConnectionSettings } from './connection.js';

/**
 * The RSA-key authentication of caching_sha2_password and sha256_password with the mysql client's
 * rule (its error 2061, "Authentication requires secure connection"): the password goes to the
 * server only over TLS or a Unix socket, or encrypted to a public key the user vouched for. For
 * mysql_clear_password (PAM, LDAP, AWS IAM accounts), which sends the password as it is: only when
 * the user enabled it (--enable-cleartext-plugin, as the mysql client asks; mysql2 alone refuses it
 * with an error of its own), and then over TLS or a Unix socket only, never plain TCP.
 * mysql2 alone asks the server for its key and encrypts the password to whatever comes back, so a
 * server without TLS (or a man in the middle that strips it) reads the password. These wrap mysql2's
 * own plugins and refuse, before anything of the password is sent, unless:
 * - `serverPublicKeyPath` (--server-public-key-path): the password is encrypted to that PEM key,
 *   the server is never asked for one;
 * - `getServerPublicKey` (--get-server-public-key): the key the server sends is trusted.
 * The fast path of caching_sha2_password (a cached account: a scramble only) needs no key and works
 * over plain TCP.
 */
export interface AuthPolicy {
  /** The connection is TLS or a Unix socket: the password may be sent as it is. */
  readonly secure: boolean;
  readonly host: string;
  readonly user: string;
  readonly getServerPublicKey?: boolean;
  readonly serverPublicKeyPath?: string;
  /** --enable-cleartext-plugin: mysql_clear_password may be answered (over a secure connection). */
  readonly enableCleartextPlugin?: boolean;
}

/** The slice of mysql2's plugin interface used here (see mysql2/lib/auth_plugins/). */
type PluginStep = (data: Buffer) => unknown;
type Plugin = (meta: { connection: { config: { password?: string } }; command: unknown }) => PluginStep;
type PluginFactory = (options?: { serverPublicKey?: string }) => Plugin;
type RsaPlugin = 'caching_sha2_password' | 'sha256_password';
type GuardedPlugin = RsaPlugin | 'mysql_clear_password';

/** caching_sha2_password's AuthMoreData "perform full authentication" (after the scramble failed to match a cached entry). */
const PERFORM_FULL_AUTHENTICATION = Buffer.from([4]);

/** The `authPlugins` option of a mysql2 connection opened under `policy`. Reads the key file once (a usage error naming it if unreadable or not a key). */
export function authPlugins(policy: AuthPolicy): Record<GuardedPlugin, Plugin> {
  const serverPublicKey = policy.serverPublicKeyPath !== undefined ? readPublicKey(policy.serverPublicKeyPath) : undefined;
  const options = serverPublicKey !== undefined ? { serverPublicKey } : {};
  const mayUseKey = policy.secure || serverPublicKey !== undefined || policy.getServerPublicKey === true;
  const factories = mysql.authPlugins as unknown as Record<RsaPlugin, PluginFactory>;
  // Throwing (not rejecting) inside a step: mysql2 then keeps the error's code and ends the handshake as fatal.
  const guarded = (name: RsaPlugin, needsKey: (data: Buffer, step: number) => boolean): Plugin => (meta) => {
    const inner = factories[name](options)(meta);
    let step = 0;
    return (data) => {
      const password = meta.connection.config.password ?? '';
      if (!mayUseKey && password !== '' && needsKey(data, step)) throw refusal(name, policy);
      step++;
      return inner(data);
    };
  };
  return {
    // step 0 is the scramble, answered with the scramble token; a later "perform full authentication" needs the password itself
    caching_sha2_password: guarded('caching_sha2_password', (data, step) => step > 0 && data.equals(PERFORM_FULL_AUTHENTICATION)),
    // the password itself at once: in clear over a secure connection, else encrypted to the server's key
    sha256_password: guarded('sha256_password', (_data, step) => step === 0),
    // the password and a NUL, in one answer to the switch
    mysql_clear_password: (meta) => () => {
      const password = meta.connection.config.password ?? '';
      if (!policy.enableCleartextPlugin) throw cleartextNotEnabled(policy);
      if (!policy.secure && password !== '') throw cleartextRefusal(policy);
      return Buffer.from(`${password}\0`);
    },
  };
}

/** The `authPlugins` of a session opened with `settings`, with TLS or not. */
export function sessionAuthPlugins(settings: ConnectionSettings, tls: boolean): Record<string, mysql.AuthPlugin> {
  const plugins = authPlugins({
    secure: tls || settings.socket !== undefined,
    host: settings.socket !== undefined ? `the server at ${settings.socket}` : `${settings.host ?? '127.0.0.1'}:${settings.port ?? 3306}`,
    user: settings.user ?? 'root',
    getServerPublicKey: settings.getServerPublicKey,
    serverPublicKeyPath: settings.serverPublicKeyPath,
    enableCleartextPlugin: settings.enableCleartextPlugin,
  });
  return plugins as unknown as Record<string, mysql.AuthPlugin>;
}

function refusal(plugin: RsaPlugin, policy: AuthPolicy): TsError {
  return new TsError({
    code: 'auth',
    errno: 2061,
    message: `cannot connect: ${policy.host} asks for the password of '${policy.user}' (${plugin} full authentication) over a connection that is neither TLS nor a Unix socket; not sent (like the mysql client's error 2061, "Authentication requires secure connection")`,
    suggestion:
      'connect with TLS: --ssl-mode REQUIRED, or VERIFY_CA / VERIFY_IDENTITY with --ssl-ca; or give the server\'s RSA public key with --server-public-key-path FILE; --get-server-public-key trusts the key the server sends (a man in the middle can send its own)',
  });
}

function cleartextRefusal(policy: AuthPolicy): TsError {
  return new TsError({
    code: 'auth',
    errno: 2061,
    message: `cannot connect: ${policy.host} asks for the password of '${policy.user}' in clear text (mysql_clear_password: a PAM, LDAP or IAM account) over a connection that is neither TLS nor a Unix socket; not sent`,
    suggestion: 'connect with TLS: --ssl-mode REQUIRED, or VERIFY_CA / VERIFY_IDENTITY with --ssl-ca; or through the server\'s Unix socket (-S). A server that should not ask for a clear-text password may not be the one you meant to reach',
  });
}

function cleartextNotEnabled(policy: AuthPolicy): TsError {
  return new TsError({
    code: 'auth',
    message: `cannot connect: ${policy.host} asks for the password of '${policy.user}' in clear text (mysql_clear_password: a PAM, LDAP or IAM account); not sent: the clear-text plugin is not enabled`,
    suggestion: "if this account authenticates by PAM, LDAP or IAM, connect with --enable-cleartext-plugin over TLS (--ssl-mode VERIFY_IDENTITY with --ssl-ca, so the password goes to the server you meant) or the server's Unix socket (-S); otherwise this server should not ask for it",
  });
}

function readPublicKey(file: string): string {
  const pem = readUserFile(file, '--server-public-key-path');
  try {
    createPublicKey(pem);
  } catch {
    throw new TsError({ code: 'usage', message: `--server-public-key-path ${file}: not a PEM public key`, object: { file }, suggestion: 'give the server\'s public key file (caching_sha2_password_public_key_path / sha256_password_public_key_path on the server, e.g. public_key.pem)' });
  }
  return pem;
}
