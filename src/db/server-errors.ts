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
      return make('privilege', `the account lacks a privilege for this object; grant it (for a dump: SELECT, SHOW VIEW, TRIGGER, EVENT, PROCESS, RELOAD or BACKUP_ADMIN for the lock; for a load: ALL on the target database)`);
    case 1227:
      return make('privilege', 'this needs SUPER (or SET_USER_ID / SYSTEM_USER): a DEFINER naming another account does; load with --skip-definer to create the objects as the loading user, or grant the privilege');
    case 1064:
      return make('query', 'the statement is not valid SQL for this server version; the file may be corrupt or from an incompatible server');
    case 1049:
      return make('query', 'the database does not exist: check -B / --rename, or create it');
    case 1146:
      return make('query', 'the table does not exist: check the -T filter or the target database');
    case 1153:
    case 2020:
      return make('packet-too-large', 'raise max_allowed_packet on the server (SET GLOBAL max_allowed_packet=1073741824) or lower --statement-size / --bytes-per-transaction');
    case 2006:
    case 2013:
    case 1927:
      return make('connect', `${LOST}; also check wait_timeout / net_read_timeout and proxies in between`);
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
      return make('connect', 'nothing listens there: check -h/-P (or -S for a socket) and that the server is running', `cannot connect: ${head}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make('connect', 'the host name does not resolve: check -h', `unknown host: ${head}`);
    case 'ETIMEDOUT':
      return make('connect', 'the server did not answer in time: check the host, port and firewalls', `connection timed out: ${head}`);
    case 'ENOENT':
      if (/connect/i.test(raw)) return make('connect', 'the socket file does not exist: check -S or use -h/-P', `cannot connect: ${head}`);
      break;
    case 'ECONNRESET':
    case 'PROTOCOL_CONNECTION_LOST':
    case 'EPIPE':
      return make('connect', LOST, `lost connection: ${head}`);
    default:
      break;
  }
  return make('query');
}

/** Errors after which the same work, on a fresh connection, may succeed. */
export function isTransient(err: unknown): boolean {
  const errno = errnoOf(err instanceof TsError ? err.cause ?? err : err) ?? (err instanceof TsError ? err.errno : undefined);
  if (errno !== undefined && [2006, 2013, 1213, 1205, 1317, 1053, 1927, 2002, 2003].includes(errno)) return true;
  const sys = sysCodeOf(err instanceof TsError ? err.cause : err);
  return sys !== undefined && ['ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(sys);
}
