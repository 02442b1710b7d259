import { TsError, errnoOf, messageOf, sysCodeOf, type ErrorCode, type ErrorObject } from '../core/errors.js';

const LOST =
  'the server closed the connection (KILL CONNECTION from another session, a restart, a crash or OOM kill, or the network): check the server error log. ' +
  'A dump cannot continue on a new connection (its snapshot is gone): run it again with --overwrite; a load resumes where it stopped when rerun';

/**
 * Turns a driver or server error into a TsError that says what happened to which object and what to
 * do about it. The errno and the original error (with its stack) are kept as the cause.
 */
export function explainDbError(err: unknown, object: ErrorObject = {}, context?: string): TsError {
  if (err instanceof TsError) return err.withObject(object);
  const errno = errnoOf(err);
  const sys = sysCodeOf(err);
  const raw = messageOf(err);
  const head = context ? `${context}: ${raw}` : raw;
  const make = (code: ErrorCode, suggestion?: string, message = head): TsError =>
    new TsError({ code, message, object, suggestion, cause: err, errno });

  switch (errno) {
    case 1045:
      return make('auth', /using password: NO/.test(raw)
        ? 'no password was sent: pass -p to be prompted, set MYSQL_PWD, or put password= in the [client] group of an option file'
        : 'check the user name and password (-u, -p, MYSQL_PWD or the option file) and the host the account is allowed from');
    case 1044:
    case 1142:
    case 1143:
      return make('privilege', missingPrivilegeHint(raw));
    case 1227:
      return make('privilege', superHint(raw));
    case 1064:
      return make('query', 'the statement is not valid SQL for this server version; the file may be corrupt or from an incompatible server');
    case 1049:
      return make('query', 'the database does not exist: check -B / --rename, or create it');
    case 1146:
      return make('query', 'the table does not exist: check the -T filter or the target database');
    case 1412:
      return make('snapshot', 'the table was re-created (TRUNCATE, or an ALTER TABLE that copies it) after the dump\'s snapshot was taken, so the snapshot cannot read it: run the dump again, with no DDL on the dumped tables while it runs');
    case 1153:
    case 2020:
      return make('packet-too-large', 'raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet=1073741824) or lower --statement-size / --bytes-per-transaction');
    case 2006:
    case 2013:
    case 1927:
      return make('connection-lost', `${LOST}; also check wait_timeout / net_read_timeout and proxies in between`);
    case 1205:
      return make('query', 'a lock wait timed out: another session holds locks on this table; retry when it is idle or raise innodb_lock_wait_timeout');
    case 1213:
      return make('query', 'a deadlock with another session: it is retried automatically; if it persists, load while the table is idle');
    case 1114:
      return make('disk-full', 'the table is full: the server ran out of disk or hit a tablespace limit; free space on the server and rerun (a load resumes where it stopped)');
    case 1021:
    case 3:
      return make('disk-full', 'the server disk is full: free space and rerun');
    case 1148:
    case 3948:
    case 2068:
    case 4166:
      return make('local-infile', 'LOAD DATA LOCAL is disabled: enable it on the server (SET GLOBAL local_infile=ON, or local_infile=ON in the [mysqld] section of my.cnf); tsload enables it on its own side. Or dump with --format sql, which needs no LOCAL INFILE');
    case 1040:
      return make('connect', 'too many connections: lower -t/--threads or raise max_connections');
    case 1290:
      return make('query', 'the server runs with an option that forbids this statement (read_only, secure_file_priv, ...)');
    case 1317:
      return make('interrupted', 'the query was interrupted (KILL QUERY or shutdown)');
    default:
      break;
  }
  switch (sys) {
    case 'ECONNREFUSED':
      return make('connect', 'nothing listens there: check -h/-P (or -S for a socket) and that the server is running', prefixed('cannot connect', head));
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      const host = typeof err === 'object' && err !== null && 'hostname' in err ? String((err as { hostname: unknown }).hostname) : undefined;
      return make('connect', `the host name ${host ? `'${host}' ` : ''}does not resolve: check -h (or use an IP address)`, `unknown host${host ? ` '${host}'` : ''}: ${head}`);
    }
    case 'ETIMEDOUT':
      return make('connect', 'the server did not answer in time: check the host, port and firewalls', `connection timed out: ${head}`);
    case 'ENOENT':
      if (/connect/i.test(raw)) return make('connect', 'the socket file does not exist: check -S or use -h/-P', `cannot connect: ${head}`);
      break;
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
    case 'EPIPE':
      return make('connection-lost', `${LOST}. If it fails at the same place every time, a row or statement may be larger than the server's max_allowed_packet (the server drops such a connection): raise it`, `lost connection: ${head}`);
    default:
      break;
  }
  // mysql2's answer to a statement on a connection that already ended (KILLed while idle): no code
  if (/in closed state/.test(raw) && typeof err === 'object' && err !== null && (err as { fatal?: unknown }).fatal === true) {
    return make('connection-lost', LOST, `lost connection: ${head}`);
  }
  return make('query');
}

function prefixed(prefix: string, text: string): string {
  return text.startsWith(prefix) ? text : `${prefix}: ${text}`;
}

/**
 * 1142/1143/1044 name the privilege, the account and the object: turn them into the GRANT to run.
 * "SELECT command denied to user 'u'@'h' for table `db`.`t`", "Access denied for user 'u'@'h' to database 'db'".
 */
export function missingPrivilegeHint(raw: string): string {
  const cmd = /^(\w+(?: \w+)*) command denied to user ('[^']*'@'[^']*') for (?:column '([^']*)' in )?table (.+)$/i.exec(raw.trim());
  if (cmd) {
    const [, priv, account, column, table] = cmd;
    const object = table!.includes('.') ? table! : table!;
    return `the account ${account} lacks the ${priv!.toUpperCase()} privilege on ${column ? `column ${column} of ` : ''}${object}: GRANT ${priv!.toUpperCase()} ON ${object.replace(/'/g, '`')} TO ${account} (a dump needs SELECT, SHOW VIEW, TRIGGER, EVENT; a load needs ALL on the target database), or leave the object out with --ignore-table`;
  }
  const db = /Access denied for user ('[^']*'@'[^']*') to database '([^']*)'/i.exec(raw);
  if (db) return `the account ${db[1]} has no privilege on database ${db[2]}: GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${db[2]}\`.* TO ${db[1]} for a dump (ALL for a load), or leave it out of -B`;
  return 'the account lacks a privilege for this object; grant it (for a dump: SELECT, SHOW VIEW, TRIGGER, EVENT, and RELOAD or BACKUP_ADMIN for the lock; for a load: ALL on the target database)';
}

/** 1227 "you need (at least one of) the X privilege(s)": what the privilege is for, and the way around it. */
export function superHint(raw: string): string {
  const needed = /the (.+?) privilege\(s\)/i.exec(raw)?.[1] ?? '';
  if (/RELOAD|BACKUP_ADMIN/i.test(needed)) {
    return `the global read lock needs one of ${needed}: grant it, or use --lock-mode no-lock (exact coordinates are still verified from the binary log)`;
  }
  if (/BINLOG MONITOR|REPLICATION CLIENT/i.test(needed)) {
    return `reading the binary log position needs one of ${needed} (the lock-free snapshot proves its consistency from it): GRANT ${/BINLOG MONITOR/i.test(needed) ? 'BINLOG MONITOR' : 'REPLICATION CLIENT'} ON *.* TO the account, or grant RELOAD so the global read lock can be used`;
  }
  return `this needs ${needed || 'SUPER (or SET_USER_ID / SYSTEM_USER)'}: a DEFINER naming another account does; load with --skip-definer to create the objects as the loading user, or grant the privilege`;
}

/** Errors after which the same work, on a fresh connection, may succeed. */
export function isTransient(err: unknown): boolean {
  if (err instanceof TsError && err.code === 'connection-lost') return true;
  const errno = errnoOf(err instanceof TsError ? err.cause ?? err : err) ?? (err instanceof TsError ? err.errno : undefined);
  if (errno !== undefined && [2006, 2013, 1213, 1205, 1317, 1053, 1927, 2002, 2003].includes(errno)) return true;
  const sys = sysCodeOf(err instanceof TsError ? err.cause : err);
  return sys !== undefined && ['ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(sys);
}

/** Node's codes for a server certificate that could not be verified. */
const CERT_UNVERIFIED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
]);

/** The hints of explainDbError's unreachable-endpoint cases, for an endpoint that came from an option file or the environment. */
const ORIGIN_HINTS: Readonly<Record<string, (origin: string) => string>> = {
  ECONNREFUSED: (o) => `nothing listens there (${o}): correct that setting or override it (-h/-P, -S for a socket), and check that the server is running`,
  ENOTFOUND: (o) => `the host name does not resolve (${o}): correct that setting, override it with -h, or use an IP address`,
  EAI_AGAIN: (o) => `the host name does not resolve (${o}): correct that setting, override it with -h, or use an IP address`,
  ETIMEDOUT: (o) => `the server did not answer in time (${o}): check that setting and firewalls, or override it with -h/-P`,
  ENOENT: (o) => `the socket file does not exist (${o}): correct that setting, override it with -S, or use -h/-P`,
};

/**
 * A failed connection attempt as a TsError that says what to do, TLS included: a server without
 * TLS when TLS is required, a certificate that does not verify or does not name the host, and an
 * account that requires TLS (REQUIRE SSL) refused on a connection without it. `tls` says whether
 * the failed attempt used TLS; `asked` is what the user asked for ("--ssl-mode VERIFY_CA"); `target`
 * where it connected ("127.0.0.1:3306", "socket /run/mysqld/mysqld.sock"), said where the error does not;
 * `origin` where the host/port/socket came from when not the command line (the hint then names it, not -h/-P).
 */
export function explainConnectError(err: unknown, tls: boolean, asked: string, target: string, origin?: string): TsError {
  if (err instanceof TsError) return err;
  const sys = sysCodeOf(err);
  const make = (message: string, suggestion: string): TsError => new TsError({ code: 'connect', message, suggestion, cause: err, errno: errnoOf(err) });
  if (sys === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return make(`cannot connect: the server does not offer TLS, and ${asked} requires it`, 'enable TLS on the server (ssl_cert, ssl_key, ssl_ca in its [mysqld] section), or connect with --ssl-mode PREFERRED (TLS when offered)');
  }
  // mysql2 replaces the TLS error's own code by HANDSHAKE_SSL_ERROR: its message tells which it was
  const raw = messageOf(err);
  const tlsKind = sys === 'HANDSHAKE_SSL_ERROR' ? (/altnames|does not match/i.test(raw) ? 'ERR_TLS_CERT_ALTNAME_INVALID' : /self[- ]signed|issuer|verify the first certificate|signature failure|has expired|not yet valid|revoked/i.test(raw) ? 'CERT_UNTRUSTED' : 'ERR_TLS_HANDSHAKE') : sys;
  if (tlsKind === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return make(`cannot connect: the server's TLS certificate does not name the host connected to (${messageOf(err)}; ${asked})`, 'connect with -h set to a name the certificate lists, or use --ssl-mode VERIFY_CA (verifies the CA, not the host name)');
  }
  if (tlsKind !== undefined && CERT_UNVERIFIED.has(tlsKind)) {
    return make(
      `cannot connect: the server's TLS certificate could not be verified: ${raw} (${asked})`,
      /EXPIRED|NOT_YET_VALID|REVOKED/.test(tlsKind) || /expired|not yet valid|revoked/i.test(raw)
        ? 'the certificate is not valid now: renew it on the server (or check the clocks)'
        : 'pass --ssl-ca with the CA certificate that signed the server\'s certificate (a private CA is not in the system trust store); --ssl-mode REQUIRED encrypts without verifying',
    );
  }
  if (tlsKind !== undefined && /^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(tlsKind)) {
    return make(`cannot connect: the TLS handshake failed: ${raw} (${asked})`, 'check the server\'s TLS setup and --ssl-cert/--ssl-key (a key that does not match its certificate, an unsupported protocol version)');
  }
  const e = explainDbError(err, {}, 'cannot connect');
  const originHint = origin !== undefined && e.code === 'connect' && sys !== undefined ? ORIGIN_HINTS[sys] : undefined;
  // Node names the address in a refusal, not in a timeout (mysql2's own connect timer) nor a missing socket
  const named = e.code === 'connect' && errnoOf(err) === undefined && !e.message.includes(target) ? `${e.message} (${target})` : e.message;
  if (originHint || named !== e.message) return new TsError({ code: e.code, message: named, object: e.object, cause: e.cause, errno: e.errno, suggestion: originHint ? originHint(origin!) : e.suggestion });
  if (e.errno === 1045 && !tls) {
    return new TsError({ code: e.code, message: e.message, object: e.object, cause: e.cause, errno: e.errno, suggestion: `${e.suggestion ?? ''}; if the account requires TLS (REQUIRE SSL or X509), connect with --ssl-mode REQUIRED (or VERIFY_CA with --ssl-ca)` });
  }
  return e;
}
