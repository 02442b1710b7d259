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
}

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface SslSettings {
  readonly mode: SslMode;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}


/** mysql2's TLS options for these settings (certificate files are read here, with a clear error). */
export function sslConfig(ssl: SslSettings | undefined): mysql.SslOptions | undefined {
  if (!ssl || ssl.mode === 'DISABLED' || ssl.mode === 'PREFERRED') {
    // PREFERRED without a CA cannot be verified; mysql2 has no opportunistic TLS, so plain TCP.
    if (!ssl || ssl.mode === 'DISABLED' || (!ssl.ca && !ssl.cert)) return undefined;
  }
  return {
    ca: ssl.ca ? readUserFile(ssl.ca, '--ssl-ca') : undefined,
    cert: ssl.cert ? readUserFile(ssl.cert, '--ssl-cert') : undefined,
    key: ssl.key ? readUserFile(ssl.key, '--ssl-key') : undefined,
    rejectUnauthorized: ssl.mode === 'VERIFY_CA' || ssl.mode === 'VERIFY_IDENTITY',
    ...(ssl.mode === 'VERIFY_CA' ? { checkServerIdentity: () => undefined } : {}),
  };
}
