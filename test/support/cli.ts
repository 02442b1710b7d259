/**
 * Runs the built bins (dist/cli/<bin>.js, built by `make test` before vitest) as child processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServer } from './server.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  /** Extra environment; merged over process.env (a value of undefined removes a variable). */
  readonly env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** SIGTERM after this long (then SIGKILL 5 s later). Default 120 s. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** Called once the child is spawned (e.g. to signal it mid-run). */
  readonly onSpawn?: (pid: number) => void;
  /** Called with each piece of the child's stdout as it arrives (e.g. to follow --progress json). */
  readonly onStdout?: (text: string) => void;
}

/**
 * Spawns `node dist/cli/<bin>.js ...args`. The test server's password (if any) is passed as MYSQL_PWD,
 * never on argv; pass `env: { MYSQL_PWD: undefined }` to suppress it.
 */
export async function runCli(bin: 'tsdump' | 'tsload', args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  const password = serverPassword();
  if (password) env.MYSQL_PWD = password;
  else delete env.MYSQL_PWD;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const script = path.join(REPO_ROOT, 'dist', 'cli', `${bin}.js`);
  const child = spawn(process.execPath, [script, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    opts.onStdout?.(b.toString('utf8'));
  });
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined); // the bin may exit before reading its input
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();

  const timeoutMs = opts.timeoutMs ?? 120_000;
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  }, timeoutMs);
  try {
    return await new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  } finally {
    clearTimeout(timer);
    if (killer) clearTimeout(killer);
  }
}

/**
 * The machine's mariadb-dump against the test server (its connection, then `args`): its output, or written
 * straight into the file `out` (a big dump never held in memory). Throws with mariadb-dump's stderr if it fails.
 */
export function mariadbDump(args: readonly string[], out?: string): Buffer {
  const s = testServer();
  const fd = out === undefined ? null : openSync(out, 'w');
  try {
    const r = spawnSync('mariadb-dump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, ...args], {
      stdio: ['ignore', fd ?? 'pipe', 'pipe'],
      env: { ...process.env, MYSQL_PWD: s.password },
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`mariadb-dump ${args.join(' ')} failed: ${r.stderr.toString()}`);
    return r.stdout ?? Buffer.alloc(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * The machine's mariadb client against the test server, reading `input` as `mariadb DB < file` does
 * (its connection, then `args`). Throws with the client's stderr if it fails.
 */
export function mariadbClient(args: readonly string[], input: Buffer | string): void {
  const s = testServer();
  const r = spawnSync('mariadb', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, ...args], { input, env: { ...process.env, MYSQL_PWD: s.password }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`mariadb ${args.join(' ')} failed: ${r.stderr.toString()}`);
}

/**
 * The option that keeps mydumper off FLUSH TABLES WITH READ LOCK, for every mydumper run of the
 * tests: the test server is shared by all test files at once, and a global read lock queued behind
 * another test's held lock or long statement stalls every write and DDL of all the others (a
 * generative load so waited 300 s, until it and that mydumper timed out). The sources the tests
 * dump are not written meanwhile; the metadata still records the binlog position.
 */
export const MYDUMPER_NO_LOCKS = '--no-locks';

/**
 * Connection arguments for the test server: ['--no-defaults', '-h', host, '-P', port, '-u', user].
 * --no-defaults keeps the machine's /etc/mysql and ~/.my.cnf out of the tests. The password travels
 * as MYSQL_PWD (runCli sets it).
 */
export function connArgs(): string[] {
  const s = testServer();
  return ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user];
}

function serverPassword(): string {
  try {
    return testServer().password;
  } catch {
    return '';
  }
}
