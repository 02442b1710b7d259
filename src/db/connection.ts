import type mysql from 'mysql2';
import { readUserFile } from '../storage/local-files.js';

/** Where and how to connect. Built once by the CLI; passed by value (it crosses worker boundaries). */
export interface ConnectionSettings {
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly socket?: string;
  readonly database?: string;
  readonly ssl?: SslSettings;
  readonly compress?: boolean;
  readonly connectTimeoutMs?: number;
  /** --get-server-public-key: over plain TCP, encrypt the password to the RSA key the server sends (see auth-plugins.ts). */
  readonly getServerPublicKey?: boolean;
  /** --server-public-key-path: over plain TCP, encrypt the password to this PEM key; the server is never asked for one. */
  readonly serverPublicKeyPath?: string;
  /** --enable-cleartext-plugin: a server may ask for the password in clear (mysql_clear_password), over TLS or a socket only (auth-plugins.ts). */
  readonly enableCleartextPlugin?: boolean;
  /** Where host/port/socket came from when not the command line ("port 1 from MYSQL_TCP_PORT"): a connect error's hint names it instead of -h/-P. */
  readonly endpointOrigin?: string;
}

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SslSettings {
  readonly mode: SslMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** One way to open the connection: with these TLS options, or (undefined) without TLS. */
export type TlsAttempt = mysql.SslOptions | undefined;

/**
 * The TLS attempts for a connection, in order, with the mysql client's --ssl-mode semantics:
 * - DISABLED: no TLS;
 * - PREFERRED (the default over TCP, as for the mysql client): TLS without verification if the
 *   server offers it, else plain TCP (mysql2 has no opportunistic TLS: the first attempt asks for
 *   TLS and a server without it refuses the handshake, then the second connects without);
 * - REQUIRED: TLS or nothing, the certificate not verified;
 * - VERIFY_CA: TLS, the certificate must chain to --ssl-ca (the CLI asks for one, as the mysql
 *   client does; only MariaDB's ssl-verify-server-cert, which is VERIFY_IDENTITY, may go without:
 *   then the system's trust store);
 * - VERIFY_IDENTITY: VERIFY_CA and the host name must match the certificate.
 * A Unix socket is a local, secure transport: without an explicit mode it is used without TLS.
 * Certificate files are read here, with a clear error naming a file that cannot be read.
 */
export function tlsAttempts(settings: ConnectionSettings): TlsAttempt[] {
  const ssl = settings.ssl;
  const mode: SslMode = ssl?.mode ?? (settings.socket ? 'DISABLED' : 'PREFERRED');
  if (mode === 'DISABLED') return [undefined];
  const files = {
    ...(ssl?.ca ? { ca: readUserFile(ssl.ca, '--ssl-ca') } : {}),
    ...(ssl?.cert ? { cert: readUserFile(ssl.cert, '--ssl-cert') } : {}),
    ...(ssl?.key ? { key: readUserFile(ssl.key, '--ssl-key') } : {}),
  };
  const unverified: mysql.SslOptions = { ...files, rejectUnauthorized: false };
  switch (mode) {
    case 'PREFERRED':
      return [unverified, undefined];
    case 'REQUIRED':
      return [unverified];
    // mysql2 checks the host name only with verifyIdentity (an IP address against the certificate's IP SANs)
    case 'VERIFY_CA':
      return [{ ...files, rejectUnauthorized: true, verifyIdentity: false }];
    case 'VERIFY_IDENTITY':
      return [{ ...files, rejectUnauthorized: true, verifyIdentity: true }];
  }
}

/** What the user asked for, for messages: "TLS (VERIFY_CA)", "no TLS". */
export function describeTls(settings: ConnectionSettings): string {
  const mode = settings.ssl?.mode ?? (settings.socket ? 'DISABLED' : 'PREFERRED');
  return mode === 'DISABLED' ? 'no TLS' : `--ssl-mode ${mode}`;
}
