/**
 * Helpers for the fault-injection, naming and verification tests: fixtures of a chosen size, dump
 * directory inspection, waiting for a moment in a running child, and server-side process lookup.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import type { AdminSession } from './server.js';

const temps: string[] = [];

/** A new temp directory, removed by removeTemps(). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `tsdump-${prefix}-`));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/**
 * Creates `db.table` (id INT PK auto-increment, pad of `padBytes` characters) with `rows` rows,
 * by doubling, so even large fixtures take few statements.
 */
export async function bigTable(admin: AdminSession, db: string, table: string, rows: number, padBytes = 200): Promise<void> {
  const t = `\`${db}\`.\`${table}\``;
  await admin.query(`CREATE TABLE ${t} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL, pad VARCHAR(${Math.max(padBytes, 1)}) NOT NULL) ENGINE=InnoDB`);
  await admin.query(`INSERT INTO ${t} (n, pad) VALUES (1, REPEAT('x', ${padBytes}))`);
  let have = 1;
  while (have < rows) {
    const add = Math.min(have, rows - have);
    await admin.query(`INSERT INTO ${t} (n, pad) SELECT n + ${have}, REPEAT(CHAR(97 + (n % 26)), ${padBytes}) FROM ${t} ORDER BY id LIMIT ${add}`);
    have += add;
  }
  // INSERT … SELECT reserves AUTO_INCREMENT values in batches (lock mode 1): the counter ends above
  // max(id) + 1 while InnoDB keeps the table open, and falls back to it when the table is evicted and
  // reopened (its persisted value) — so a copy compared later could meet either. Settle it now.
  await admin.query(`ALTER TABLE ${t} AUTO_INCREMENT = 1`);
}

/** Every file below `dir`, as paths relative to it with '/' separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** True when every entry below `dir` really lives below it (no symlink or name escapes). */
export function allInside(dir: string): boolean {
  const root = realpathSync(dir);
  return listFiles(dir).every((f) => realpathSync(path.join(dir, f)).startsWith(root + path.sep));
}

export function partialFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f.endsWith('.partial'));
}

/** A chunk file being written (not a schema file or the in-progress marker, which are written the same way). */
const DATA_PARTIAL = /\.[0-9]{6,}\.(csv|sql)(\.gz|\.zst)?\.partial$/;

/** Size of the largest `*.partial` data file below `dir` (0 if none). */
export function largestPartial(dir: string): number {
  let max = 0;
  try {
    for (const f of partialFiles(dir).filter((p) => DATA_PARTIAL.test(p))) {
      try {
        max = Math.max(max, statSync(path.join(dir, f)).size);
      } catch {
        /* renamed meanwhile */
      }
    }
  } catch {
    /* directory not there yet */
  }
  return max;
}

/**
 * Runs the dumps `start` begins while `admin` holds MariaDB's backup lock, which each dump's
 * snapshot step waits for: the run that gets the output cannot finish before the other has met it
 * (two runs that only happen to start together may well run one after the other). The first to end
 * is the one refused; the lock goes, and the other completes.
 */
export async function whileOneHolds(admin: AdminSession, start: () => Promise<CliResult>[]): Promise<CliResult[]> {
  await admin.query('BACKUP STAGE START');
  let runs: Promise<CliResult>[] = [];
  try {
    runs = start();
    const first = await Promise.race(runs);
    expect(first.code, first.stderr).toBe(2);
  } finally {
    await admin.query('BACKUP STAGE END');
  }
  const done = await Promise.all(runs);
  expect(done.map((r) => r.code).sort(), done.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
  return done;
}

/** `target` with some of its methods replaced (a store that stalls or fails at one step); the others bound to it. */
export function overriding<T extends object>(target: T, overrides: { readonly [K in keyof T]?: T[K] }): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (Object.hasOwn(overrides, p)) return overrides[p as keyof T];
      const v: unknown = Reflect.get(t, p);
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** A marker's JSON (.tsdump-in-progress) as a tsdump of `host` and `pid` writes it. */
export function markerJson(host: string, pid: number, startedAt = new Date().toISOString()): string {
  return JSON.stringify({ tool: 'tsdump', version: '0', startedAt, host, pid, runId: '0123456789abcdef' }) + '\n';
}

/** Polls `probe` until it returns a value other than undefined/false; throws after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface ProcessRow {
  readonly ID: string | number;
  readonly USER: string;
  readonly COMMAND: string;
  readonly TIME: string | number;
  readonly STATE: string | null;
  readonly INFO: string | null;
}

/** Server sessions whose current statement contains `needle` (excluding the asking session). */
export async function sessionsRunning(admin: AdminSession, needle: string): Promise<ProcessRow[]> {
  const rows = await admin.query<ProcessRow>(
    'SELECT ID, USER, COMMAND, TIME, STATE, INFO FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE ?',
    [`%${needle}%`],
  );
  return rows;
}

/** Sends a signal to a pid if it is still alive. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * An `onSpawn` for runCli that kill -9s the load once more than `rows` progress rows of `targetDb`
 * are committed: a kill in the middle of the data, wherever the machine's speed puts it.
 */
export function killAfterProgressRows(admin: AdminSession, targetDb: string, rows: number): (pid: number) => void {
  return (pid) => {
    let killed = false;
    const poll = setInterval(() => {
      void admin
        .query<{ n: string }>('SELECT COUNT(*) AS n FROM tsload_progress.progress WHERE target_db = ?', [targetDb])
        .then((r) => {
          if (Number(r[0]!.n) > rows && !killed) {
            killed = true;
            clearInterval(poll);
            process.kill(pid, 'SIGKILL');
          }
        })
        .catch(() => undefined);
    }, 10);
    setTimeout(() => clearInterval(poll), 120_000);
  };
}

/**
 * Runs tsload with `args` into `targetDb` and kill -9s it once a chunk past the first (one with a lower
 * key bound) has some of its sub-chunks committed, but not all: a non-transactional table then holds
 * rows of that chunk that a rerun must clear by its key range. Frozen first, so the state the kill
 * leaves is the one checked: returns whether it is so (the chunk may have finished before the freeze).
 */
export async function killInsideLaterChunk(admin: AdminSession, targetDb: string, args: readonly string[]): Promise<boolean> {
  const partial = async (): Promise<boolean> =>
    Number(await admin.scalar('SELECT COUNT(*) FROM (SELECT chunk FROM tsload_progress.progress WHERE target_db = ? GROUP BY tbl, chunk HAVING chunk > 1 AND MAX(last_sub) = 0 AND COUNT(*) >= 2) x', [targetDb]).catch(() => 0)) > 0;
  let pid = 0;
  const run = runCli('tsload', args, { timeoutMs: 300_000, onSpawn: (p) => (pid = p) });
  try {
    await waitFor('a chunk past the first loaded in part', async () => (await partial()) || undefined, 120_000, 2);
    signal(pid, 'SIGSTOP');
    return await partial();
  } finally {
    signal(pid, 'SIGKILL');
    const r = await run;
    if (r.signal !== 'SIGKILL') throw new Error(`tsload was not killed (exit ${r.code}):\n${r.stderr}`);
  }
}
