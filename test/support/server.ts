/**
 * The throwaway test server: start/stop logic (shared by global-setup and the fault-test helpers),
 * and the helpers tests use to reach it.
 *
 * The harness either uses an existing server (TSDUMP_TEST_URL=mysql://user:pass@host:port) or owns one:
 * a mariadbd/mysqld on a free 127.0.0.1 port with its datadir, socket, config and logs in a temp dir,
 * running with TZ=America/New_York (a DST zone, so time-zone bugs show) and the binary log on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';

export interface TestServerInfo {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** True when the harness started the server (and may restart/kill it). */
  readonly owned: boolean;
  readonly datadir?: string;
  readonly cnf?: string;
  /** Directory the server may read/write files in (secure_file_priv); owned servers only. */
  readonly filesDir?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testServer: TestServerInfo;
  }
}

export const TEST_TIME_ZONE = 'America/New_York';

// ---------------------------------------------------------------------------------------------
// Where tests find the server
// ---------------------------------------------------------------------------------------------

/** Connection info of the shared test server (from the env global-setup exported, else vitest's inject). */
export function testServer(): TestServerInfo {
  const env = process.env;
  if (env.TSDUMP_TEST_HOST && env.TSDUMP_TEST_PORT) {
    const host = env.TSDUMP_TEST_HOST;
    const port = Number(env.TSDUMP_TEST_PORT);
    const user = env.TSDUMP_TEST_USER ?? 'root';
    const password = env.TSDUMP_TEST_PASSWORD ?? '';
    const datadir = env.TSDUMP_TEST_DATADIR || undefined;
    return {
      url: buildUrl(host, port, user, password),
      host,
      port,
      user,
      password,
      owned: env.TSDUMP_TEST_OWNED === '1',
      datadir,
      cnf: env.TSDUMP_TEST_CNF || undefined,
      filesDir: env.TSDUMP_TEST_FILES_DIR || undefined,
    };
  }
  return inject('testServer');
}

export function buildUrl(host: string, port: number, user: string, password: string): string {
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  return `mysql://${auth}@${host}:${port}`;
}

/** Parses mysql://user:pass@host:port (TSDUMP_TEST_URL). */
export function parseTestUrl(url: string): { host: string; port: number; user: string; password: string } {
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new Error(`TSDUMP_TEST_URL must be mysql://user:pass@host:port`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
  };
}

export interface AdminSession {
  /** Rows as objects; values as mysql2 returns them. Several statements at once are allowed. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** First column of the first row, or null. */
  scalar(sql: string, params?: readonly unknown[]): Promise<unknown>;
  readonly connection: mysql.Connection;
  close(): Promise<void>;
}

/** A root session on the test server for fixtures and assertions (multipleStatements on). */
export async function adminSession(database?: string): Promise<AdminSession> {
  return adminSessionOn(testServer(), database);
}

/** The same on any server (a private one from startPrivateServer: `handle.info`). */
export async function adminSessionOn(s: Pick<TestServerInfo, 'host' | 'port' | 'user' | 'password'>, database?: string): Promise<AdminSession> {
  const connection = await mysql.createConnection({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database,
    multipleStatements: true,
    charset: 'UTF8MB4_GENERAL_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
  // a test that kills the server must not crash the worker through an idle connection's error event
  connection.on('error', () => undefined);
  return {
    connection,
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const [rows] = await connection.query(sql, params as unknown[]);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    async scalar(sql: string, params: readonly unknown[] = []): Promise<unknown> {
      const [rows] = await connection.query({ sql, values: params as unknown[], rowsAsArray: true });
      const first = Array.isArray(rows) ? (rows[0] as unknown[] | undefined) : undefined;
      return first?.[0] ?? null;
    },
    async close(): Promise<void> {
      await connection.end().catch(() => connection.destroy());
    },
  };
}

/** A unique database name: `<prefix>_<pid>_<random>`, only [a-z0-9_], at most 64 chars. */
export function uniqueDb(prefix = 't'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `${clean}_${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Drops the given databases if they exist. Names are quoted, so any name works. */
export async function dropDbs(...names: string[]): Promise<void> {
  if (names.length === 0) return;
  const admin = await adminSession();
  try {
    for (const n of names) await admin.query(`DROP DATABASE IF EXISTS \`${n.replace(/`/g, '``')}\``);
  } finally {
    await admin.close();
  }
}

function ownedShared(): ServerHandle {
  const s = testServer();
  if (!s.owned || !s.datadir || !s.cnf) {
    throw new Error('restartServer/killServer need the harness-owned server (TSDUMP_TEST_URL points at an external one)');
  }
  return attachServer(s.cnf);
}

/**
 * Stops the shared server (SIGKILL by default, or a clean shutdown) and starts it again on the same
 * port and datadir. Other test files use the same server: prefer `startPrivateServer()` for fault tests.
 */
export async function restartServer(options: { kill?: boolean } = {}): Promise<void> {
  const h = ownedShared();
  if (options.kill ?? true) await h.kill();
  else await h.stop();
  await h.start();
  process.env.TSDUMP_TEST_PID = String(h.pid() ?? '');
}

/** Stops the shared server: SIGKILL (default) or a clean shutdown. Call restartServer() to bring it back. */
export async function killServer(options: { clean?: boolean } = {}): Promise<void> {
  const h = ownedShared();
  if (options.clean) await h.stop();
  else await h.kill();
}

/** Starts the shared server again after killServer(). */
export async function startSharedServer(): Promise<void> {
  const h = ownedShared();
  await h.start();
  process.env.TSDUMP_TEST_PID = String(h.pid() ?? '');
}

/**
 * A server of its own for a test that kills or restarts it, so other test files are not disturbed.
 * Remember to `await server.destroy()` in afterAll.
 */
export async function startPrivateServer(opts: { readonly extraConfig?: readonly string[] } = {}): Promise<ServerHandle> {
  return createServer(opts.extraConfig ?? []);
}

// ---------------------------------------------------------------------------------------------
// Start/stop logic
// ---------------------------------------------------------------------------------------------

export type Flavor = 'mariadb' | 'mysql';

export interface ServerHandle {
  readonly info: TestServerInfo;
  readonly root: string;
  readonly datadir: string;
  readonly cnf: string;
  readonly errorLog: string;
  readonly socket: string;
  /** Current server pid from the pid file, if running. */
  pid(): number | undefined;
  /** Starts the server (datadir must be initialised) and waits until it answers. */
  start(): Promise<void>;
  /** Clean shutdown (SHUTDOWN statement, then SIGTERM, then SIGKILL); waits for the process to end. */
  stop(): Promise<void>;
  /** SIGKILL; waits for the process to end. */
  kill(): Promise<void>;
  /** Stops the server and removes its temp dir. */
  destroy(): Promise<void>;
}

interface Layout {
  root: string;
  datadir: string;
  cnf: string;
  socket: string;
  pidFile: string;
  errorLog: string;
  filesDir: string;
  port: number;
  binary: string;
  flavor: Flavor;
}

const STATE_FILE = 'harness.json';

/** Initialises a fresh datadir in a temp dir, starts the server, prepares accounts and time zones. */
export async function createServer(extraConfig: readonly string[] = []): Promise<ServerHandle> {
  const { binary, flavor } = findServerBinary();
  const root = mkdtempSync(path.join(os.tmpdir(), 'tsdump-test-'));
  const layout: Layout = {
    root,
    datadir: path.join(root, 'data'),
    cnf: path.join(root, 'my.cnf'),
    socket: path.join(root, 'mysqld.sock'),
    pidFile: path.join(root, 'mysqld.pid'),
    errorLog: path.join(root, 'error.log'),
    filesDir: path.join(root, 'files'),
    port: await freePort(),
    binary,
    flavor,
  };
  try {
    mkdirSync(layout.filesDir);
    mkdirSync(path.join(root, 'tmp'));
    writeFileSync(layout.cnf, renderCnf(layout) + extraConfig.map((l) => `${l}\n`).join(''));
    writeFileSync(path.join(root, STATE_FILE), JSON.stringify(layout, null, 2));
    initialiseDatadir(layout);
    const handle = handleFor(layout);
    await handle.start();
    await prepareServer(layout);
    return handle;
  } catch (e) {
    await stopByPid(layout, 'SIGKILL').catch(() => undefined);
    if (!process.env.TSDUMP_TEST_KEEP) rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

/** A handle for a server created earlier (by any process), found through its config file. */
export function attachServer(cnf: string): ServerHandle {
  const layout = JSON.parse(readFileSync(path.join(path.dirname(cnf), STATE_FILE), 'utf8')) as Layout;
  return handleFor(layout);
}

function handleFor(layout: Layout): ServerHandle {
  const info: TestServerInfo = {
    url: buildUrl('127.0.0.1', layout.port, 'root', ''),
    host: '127.0.0.1',
    port: layout.port,
    user: 'root',
    password: '',
    owned: true,
    datadir: layout.datadir,
    cnf: layout.cnf,
    filesDir: layout.filesDir,
  };
  return {
    info,
    root: layout.root,
    datadir: layout.datadir,
    cnf: layout.cnf,
    errorLog: layout.errorLog,
    socket: layout.socket,
    pid: () => readPid(layout),
    start: () => startProcess(layout),
    stop: () => stopServer(layout),
    kill: () => stopByPid(layout, 'SIGKILL'),
    async destroy(): Promise<void> {
      try {
        await stopServer(layout);
      } finally {
        if (!process.env.TSDUMP_TEST_KEEP) rmSync(layout.root, { recursive: true, force: true });
      }
    },
  };
}

function findServerBinary(): { binary: string; flavor: Flavor } {
  const explicit = process.env.TSDUMP_TEST_MYSQLD;
  const candidates: string[] = explicit ? [explicit] : [];
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin'];
  for (const name of ['mariadbd', 'mysqld']) for (const d of dirs) candidates.push(path.join(d, name));
  for (const c of candidates) {
    if (!isExecutable(c)) continue;
    const v = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (v.status !== 0) continue;
    return { binary: c, flavor: /mariadb/i.test(v.stdout) ? 'mariadb' : 'mysql' };
  }
  throw new Error('no mariadbd or mysqld found on PATH or in /usr/sbin; install a server or set TSDUMP_TEST_URL=mysql://user:pass@host:port');
}

function findTool(names: readonly string[], near: string): string | undefined {
  const dirs = [path.dirname(near), ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const n of names) for (const d of dirs) if (isExecutable(path.join(d, n))) return path.join(d, n);
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function renderCnf(l: Layout): string {
  const lines = [
    '# generated by tsdump test harness',
    '[mysqld]',
    ...(isRoot() ? ['user = root'] : []),
    `datadir = ${l.datadir}`,
    `socket = ${l.socket}`,
    `pid-file = ${l.pidFile}`,
    `log-error = ${l.errorLog}`,
    `port = ${l.port}`,
    'bind-address = 127.0.0.1',
    'skip-name-resolve',
    'character-set-server = utf8mb4',
    'default-time-zone = SYSTEM',
    'server_id = 1',
    `log-bin = ${path.join(l.datadir, 'binlog')}`,
    'binlog_format = ROW',
    'local_infile = ON',
    `secure_file_priv = ${l.filesDir}`,
    // A private tmpdir: the shared /tmp is cleaned by others, and a server whose temporary table
    // vanishes there fails (seen as 'Could not remove temporary table' during bootstrap).
    `tmpdir = ${path.join(l.root, 'tmp')}`,
    'innodb_buffer_pool_size = 256M',
    'innodb_log_file_size = 48M',
    'innodb_flush_log_at_trx_commit = 2',
    'max_allowed_packet = 256M',
    'max_connections = 300',
    ...(l.flavor === 'mariadb' ? ['collation-server = utf8mb4_general_ci'] : ['mysqlx = OFF']),
  ];
  return lines.join('\n') + '\n';
}

function initialiseDatadir(l: Layout): void {
  const log = path.join(l.root, 'install.log');
  let r;
  if (l.flavor === 'mariadb') {
    const installDb = findTool(['mariadb-install-db', 'mysql_install_db'], l.binary);
    if (!installDb) throw new Error('mariadb-install-db not found');
    r = spawnSync(
      installDb,
      [
        `--defaults-file=${l.cnf}`,
        `--datadir=${l.datadir}`,
        ...(isRoot() ? ['--user=root'] : []),
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      { encoding: 'utf8', env: { ...process.env, TZ: TEST_TIME_ZONE } },
    );
  } else {
    mkdirSync(l.datadir, { recursive: true });
    r = spawnSync(l.binary, [`--defaults-file=${l.cnf}`, '--initialize-insecure', ...(isRoot() ? ['--user=root'] : [])], {
      encoding: 'utf8',
      env: { ...process.env, TZ: TEST_TIME_ZONE },
    });
  }
  writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.status !== 0) {
    throw new Error(`initialising the test datadir failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail(log, 40)}\n${tail(l.errorLog, 40)}`);
  }
}

async function startProcess(l: Layout): Promise<void> {
  const out = openSync(path.join(l.root, 'mysqld.stdout'), 'a');
  // --defaults-file must come first; the server ignores /etc/mysql entirely.
  const child = spawn(l.binary, [`--defaults-file=${l.cnf}`], {
    env: { ...process.env, TZ: TEST_TIME_ZONE },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (e) => {
    exited = e.message;
  });
  const deadline = Date.now() + 60_000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`test server exited while starting (${exited}); tail of ${l.errorLog}:\n${tail(l.errorLog, 40)}`);
    try {
      const c = await mysql.createConnection({ socketPath: l.socket, user: 'root', password: '', connectTimeout: 2000 });
      try {
        await c.query('SELECT 1');
      } finally {
        await c.end().catch(() => c.destroy());
      }
      // the pid file is written before the socket accepts; it is the source of truth for pid()
      if (readPid(l) !== undefined) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`test server did not answer within 60 s (${lastError}); tail of ${l.errorLog}:\n${tail(l.errorLog, 40)}`);
}

/** Accounts and time zone tables on a fresh server (over the socket as root@localhost). */
async function prepareServer(l: Layout): Promise<void> {
  const c = await mysql.createConnection({ socketPath: l.socket, user: 'root', password: '', multipleStatements: true });
  try {
    await c.query(
      "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES",
    );
    await loadTimeZones(l, c);
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

async function loadTimeZones(l: Layout, c: mysql.Connection): Promise<void> {
  const tool = findTool(['mariadb-tzinfo-to-sql', 'mysql_tzinfo_to_sql'], l.binary);
  if (!tool || !existsSync('/usr/share/zoneinfo')) return;
  const r = spawnSync(tool, ['/usr/share/zoneinfo'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout) return;
  // The zone tables are not worth binary-logging on a test server. The error would carry 5 MB of SQL.
  try {
    await c.query(`USE mysql; SET SESSION sql_log_bin = 0;
${r.stdout}`);
  } catch (e) {
    const m = e instanceof Error ? (e as Error & { sqlMessage?: string }).sqlMessage ?? e.message.slice(0, 300) : String(e).slice(0, 300);
    throw new Error(`loading time zone tables with ${tool} failed: ${m}`);
  }
}

function readPid(l: Layout): number | undefined {
  try {
    const n = Number(readFileSync(l.pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 && isAlive(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

async function stopServer(l: Layout): Promise<void> {
  const pid = readPid(l);
  if (pid === undefined) return;
  try {
    const c = await mysql.createConnection({ socketPath: l.socket, user: 'root', password: '', connectTimeout: 2000 });
    await c.query('SHUTDOWN').catch(() => undefined);
    c.destroy();
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  if (await waitGone(pid, 60_000)) return;
  process.kill(pid, 'SIGTERM');
  if (await waitGone(pid, 30_000)) return;
  await stopByPid(l, 'SIGKILL');
}

async function stopByPid(l: Layout, signal: NodeJS.Signals): Promise<void> {
  const pid = readPid(l);
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  await waitGone(pid, 30_000);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
