import type { SslMode, SslSettings } from '../db/session.js';
import type { ParsedUrl } from './connection-url.js';
import { freezeDefined, parseSslMode, warnOnStderr } from './option-values.js';
import { usageError as usage } from './run-command.js';

/** The TLS options as commander stores them (a slice of ConnectionOptionValues). */
export interface SslOptionValues {
  readonly sslMode?: SslMode;
  readonly sslCa?: string;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly sslVerifyServerCert?: boolean;
  /** --skip-ssl-verify-server-cert: the command line's word over an option file's ssl-verify-server-cert. */
  readonly skipSslVerifyServerCert?: boolean;
}

/** A boolean key of the option files (see booleanOption): undefined when no group sets it. */
export type FileFlag = (key: string) => boolean | undefined;

/**
 * TLS settings with the mysql client's rules: --ssl-mode from the command line, the URL or an option
 * file; `ssl`/`skip-ssl` (MariaDB) mean REQUIRED (VERIFY_CA with a CA) / DISABLED; a CA without
 * a mode means VERIFY_CA;
 * VERIFY_CA / VERIFY_IDENTITY asked for as a mode need a CA (MySQL); `ssl-verify-server-cert`
 * (MariaDB, and MySQL 5.7) means VERIFY_IDENTITY, against the system trust store without a CA;
 * --skip-ssl-verify-server-cert overrides an option file's: its CA, if any, still verifies (VERIFY_CA),
 * and without one the connection still requires TLS (REQUIRED).
 * Without any of them: undefined, which the connection treats as PREFERRED over TCP and no TLS
 * over a socket.
 */
export function sslSettings(opts: SslOptionValues, url: Pick<ParsedUrl, 'sslMode'> | undefined, file: (k: string) => string | undefined, fileFlag: FileFlag, socket: boolean, warn: (message: string) => void = warnOnStderr): SslSettings | undefined {
  // the mysql client verifies against a directory of CAs (ssl-capath): not supported here, and
  // ignoring it would connect unverified where the user asked for verification
  if (file('ssl-capath') !== undefined) {
    throw usage('ssl-capath (a directory of CA certificates) in an option file is not supported by this tool', 'put the CA certificates in one PEM file and name it with ssl-ca (e.g. the system bundle /etc/ssl/certs/ca-certificates.crt), or remove ssl-capath');
  }
  const fileMode = file('ssl-mode');
  const ca = opts.sslCa ?? file('ssl-ca');
  const cert = opts.sslCert ?? file('ssl-cert');
  const key = opts.sslKey ?? file('ssl-key');
  let mode: SslMode | undefined = opts.sslMode ?? url?.sslMode ?? (fileMode !== undefined ? parseSslMode(fileMode, 'ssl-mode in option file') : undefined);
  const explicit = mode !== undefined;
  const fileSsl = fileFlag('ssl');
  // MariaDB's client verifies the chain whenever it has a CA, `ssl` given or not (10.11: `--ssl
  // --ssl-ca` refuses a certificate of another CA): `ssl` is REQUIRED only without one
  if (mode === undefined && fileSsl !== undefined) mode = !fileSsl ? 'DISABLED' : ca !== undefined ? 'VERIFY_CA' : 'REQUIRED';
  if (opts.sslVerifyServerCert === true && opts.skipSslVerifyServerCert === true) throw usage('--ssl-verify-server-cert and --skip-ssl-verify-server-cert contradict each other', 'drop one of them');
  // as with the mysql client's options, the command line's word wins over the option files'
  const verify = opts.sslVerifyServerCert === true || (opts.skipSslVerifyServerCert !== true && fileFlag('ssl-verify-server-cert') === true);
  if (verify && mode === 'DISABLED') throw usage('ssl-verify-server-cert asks to verify the server certificate, but --ssl-mode is DISABLED', 'drop one of them');
  // MySQL's client refuses a VERIFY_* --ssl-mode without a CA (its error 2026): the system trust
  // store would pass any certificate a public CA signed — under VERIFY_CA for any host at all.
  // MariaDB's ssl-verify-server-cert checks the host name, and takes the system store.
  if ((mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY') && ca === undefined) {
    throw usage(`--ssl-mode ${mode} needs --ssl-ca: a CA certificate is required to verify the server against (as the mysql client requires, its error 2026)`, 'give the CA that signed the server\'s certificate with --ssl-ca FILE (a certificate from a public CA: the system bundle, e.g. --ssl-ca /etc/ssl/certs/ca-certificates.crt)');
  }
  if (verify) mode = 'VERIFY_IDENTITY';
  if (opts.skipSslVerifyServerCert === true) {
    if (mode === 'VERIFY_IDENTITY') throw usage('--skip-ssl-verify-server-cert contradicts --ssl-mode VERIFY_IDENTITY (which checks the host name)', 'drop one of them');
    // the file asked for a verified TLS connection: without the host check it stays encrypted, never
    // PREFERRED (which falls back to plain text where the server, or a man in the middle, offers no TLS)
    // (a PREFERRED of the files too: only the command line's or the URL's own PREFERRED stands)
    const ofFiles = opts.sslMode === undefined && url?.sslMode === undefined;
    if ((mode === undefined || (mode === 'PREFERRED' && ofFiles)) && fileFlag('ssl-verify-server-cert') === true) mode = ca !== undefined ? 'VERIFY_CA' : 'REQUIRED';
  }
  // Like the mysql client: giving a CA without a mode means verify the server against it.
  if (mode === undefined && ca !== undefined) mode = 'VERIFY_CA';
  if ((cert === undefined) !== (key === undefined)) throw usage(`--ssl-${cert === undefined ? 'key' : 'cert'} is given without --ssl-${cert === undefined ? 'cert' : 'key'}`, 'a client certificate needs both its certificate and its key');
  if (mode === undefined && cert !== undefined && !socket) mode = 'PREFERRED';
  // as the mysql client warns: a CA given with a mode that does not verify is not used to verify
  if (explicit && ca !== undefined && (mode === 'PREFERRED' || mode === 'REQUIRED' || mode === 'DISABLED')) {
    warn(`no verification of the server certificate will be done: --ssl-ca is given with --ssl-mode ${mode}; use --ssl-mode VERIFY_CA or VERIFY_IDENTITY`);
  }
  if (mode === undefined) return undefined;
  return freezeDefined({ mode, ca, cert, key });
}
