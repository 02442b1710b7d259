/**
 * Progress output as users see it: the live view under a real pseudo-terminal (util-linux `script`),
 * the versioned JSON-lines events, and the plain log when stderr is not a terminal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const db = uniqueDb('progress');
const copy = uniqueDb('progress_copy');
const ROWS = { events: 30_000, users: 2_000 } as const;
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-progress-'));
  const admin = await adminSession();
  try {
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.users (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)`);
    await admin.query(`CREATE TABLE \`${db}\`.events (id INT PRIMARY KEY, user_id INT NOT NULL, payload VARCHAR(200) NOT NULL)`);
    // Digits cross-joined: a number source that works on every MySQL and MariaDB version.
    await admin.query(`CREATE TABLE \`${db}\`.d (n INT PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${db}\`.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`);
    const numbers = `SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n AS n FROM \`${db}\`.d a, \`${db}\`.d b, \`${db}\`.d c, \`${db}\`.d e, \`${db}\`.d f`;
    await admin.query(`INSERT INTO \`${db}\`.users SELECT n + 1, CONCAT('user ', n) FROM (${numbers}) s WHERE n < ${ROWS.users}`);
    await admin.query(`INSERT INTO \`${db}\`.events SELECT n + 1, n % ${ROWS.users}, REPEAT('x', 20 + n % 100) FROM (${numbers}) s WHERE n < ${ROWS.events}`);
    await admin.query(`DROP TABLE \`${db}\`.d`);
    await admin.query(`ANALYZE TABLE \`${db}\`.users, \`${db}\`.events`);
  } finally {
    await admin.close();
  }
});

afterAll(async () => {
  await dropDbs(db, copy);
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs a command line under a pseudo-terminal and returns everything the terminal received. */
function underPty(argv: readonly string[]): { status: number | null; output: string } {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = argv.map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '120', LINES: '40' };
  const password = testServer().password;
  if (password) env.MYSQL_PWD = password;
  else delete env.MYSQL_PWD;
  // -e: exit status of the command; -f: flush as it goes; -q: no "Script started" banner.
  const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The last frame log-update drew: the text after the last "erase lines" sequence, without escapes. */
function finalFrame(output: string): string {
  const frames = output.split('\x1b[G');
  const last = frames[frames.length - 1] ?? '';
  return last.replace(ANSI, '').replace(/\r/g, '');
}

describe('progress', () => {
  it.skipIf(!hasScript)('the live view on a terminal ends at 100% with the real totals', () => {
    const out = path.join(tmp, 'tty');
    const r = underPty(['node', 'dist/cli/tsdump.js', ...connArgs(), '-B', db, '--chunk-size', '64K', '--threads', '2', '-o', out]);
    expect(r.status, r.output).toBe(0);
    const frame = finalFrame(r.output);
    writeFileSync(path.join(tmp, 'last-frame.txt'), frame);
    const total = ROWS.events + ROWS.users;
    expect(frame).toMatch(/✔ schema\s+\[#+\] 100%\s+tables 2\/2/);
    expect(frame).toMatch(/✔ data\s+\[#+\] 100%\s+tables 2\/2/);
    expect(frame).toContain(`rows ${total.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    // Nothing ever above 100%, in any frame.
    const percents = [...r.output.replace(ANSI, '').matchAll(/(\d+)%/g)].map((m) => Number(m[1]));
    expect(percents.length).toBeGreaterThan(0);
    expect(Math.max(...percents)).toBeLessThanOrEqual(100);
    // The summary table follows the view.
    expect(frame).toMatch(new RegExp(`${db}\\.events\\s+${ROWS.events.toLocaleString('en-US')}\\s`));
  });

  it.skipIf(!hasScript)('tsload on a terminal: every phase ends ticked, data at 100% with the exact totals', async () => {
    const out = path.join(tmp, 'tty');
    const r = underPty(['node', 'dist/cli/tsload.js', ...connArgs(), '-d', out, '-B', copy, '--threads', '2']);
    expect(r.status, r.output).toBe(0);
    const frame = finalFrame(r.output);
    writeFileSync(path.join(tmp, 'last-load-frame.txt'), frame);
    const total = (ROWS.events + ROWS.users).toLocaleString('en-US');
    expect(frame).toMatch(/✔ data\s+\[#+\] 100%\s+tables 2\/2/);
    expect(frame).toContain(`rows ${total}/${total}`);
    for (const line of frame.split('\n').filter((l) => /^\S? ?\s*(schema|data|indexes|post-data|verify)\s+\[/.test(l))) {
      expect(line, 'a phase left unfinished in the final frame').toMatch(/^✔ .* 100%/);
    }
  });

  it.skipIf(!hasScript)('tsload on a terminal: verify has its real totals from the start, the whole run has an ETA', async () => {
    const out = path.join(tmp, 'tty');
    const r = underPty(['node', 'dist/cli/tsload.js', ...connArgs(), '-d', out, '-B', `${copy}_v`, '--threads', '2']);
    await dropDbs(`${copy}_v`);
    expect(r.status, r.output).toBe(0);
    const text = r.output.replace(ANSI, '').replace(/\r/g, '');
    const total = (ROWS.events + ROWS.users).toLocaleString('en-US');
    // before verification starts it shows what it will check, not "0/0 rows, 0 B/0 B"
    expect(text).toMatch(new RegExp(`  verify\\s+\\[-+\\]\\s+0%\\s+tables 0/2\\n\\s+rows 0/${total}  bytes 0 B/\\S+ \\S+  waiting`));
    expect(text).not.toMatch(/verify.*\n\s+rows 0\/0 /);
    // the run's elapsed time and time left, "estimating…" before a rate is known
    expect(text).toContain('time left: estimating…');
    expect(text).toMatch(/elapsed \S+, ~?\d+(\.\d)?[sm]\S* left/);
    expect(finalFrame(r.output)).toMatch(new RegExp(`✔ verify\\s+\\[#+\\] 100%\\s+tables 2/2\\n\\s+rows ${total}/${total}`));
  });

  it.skipIf(!hasScript)('a resumed load ends with the full totals: rows loaded before the restart count', async () => {
    const out = path.join(tmp, 'tty');
    const dst = `${copy}_r`;
    const admin = await adminSession();
    try {
      let killed = false;
      const first = await runCli('tsload', [...connArgs(), '-d', out, '-B', dst, '--threads', '1', '--rows-per-transaction', '100', '-q'], {
        onSpawn: (pid) => {
          const poll = setInterval(() => {
            void admin
              .scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst])
              .then((n) => {
                if (Number(n) > 5 && !killed) {
                  killed = true;
                  clearInterval(poll);
                  process.kill(pid, 'SIGKILL');
                }
              })
              .catch(() => undefined);
          }, 10);
          setTimeout(() => clearInterval(poll), 60_000);
        },
      });
      expect(first.signal, `not killed mid-load: ${first.stderr}`).toBe('SIGKILL');
      const r = underPty(['node', 'dist/cli/tsload.js', ...connArgs(), '-d', out, '-B', dst, '--threads', '2']);
      expect(r.status, r.output).toBe(0);
      const frame = finalFrame(r.output);
      const total = (ROWS.events + ROWS.users).toLocaleString('en-US');
      expect(frame).toMatch(new RegExp(`✔ data\\s+\\[#+\\] 100%\\s+tables 2/2\\n\\s+rows ${total}/${total}`));
      expect(frame).toContain(`tsload: 2 tables, ${total} rows`);
    } finally {
      await admin.close();
      await dropDbs(dst);
    }
  });

  it('--progress json: versioned events for start, chunks, phases, summary', async () => {
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '--chunk-size', '64K', '--progress', 'json', '-o', path.join(tmp, 'json')]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { v: number; t: string; tool: string; kind: string; rows?: number });
    expect(events.every((e) => e.v === 1 && e.tool === 'tsdump' && !Number.isNaN(Date.parse(e.t)))).toBe(true);
    const kinds = new Set(events.map((e) => e.kind));
    for (const k of ['start', 'phase-start', 'chunk-done', 'table-done', 'phase-done', 'summary']) expect(kinds, k).toContain(k);
    const summary = events.find((e) => e.kind === 'summary');
    expect(summary?.rows).toBe(ROWS.events + ROWS.users);
    // Human output stays out of stdout: every line parsed as JSON above.
  });

  it('--progress json: a failure ends with an error event', async () => {
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-T', `${db}.no_such_table`, '--progress', 'json', '-o', path.join(tmp, 'fail')]);
    expect(r.code).not.toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { kind: string; code?: string; message?: string });
    const last = events[events.length - 1];
    expect(last?.kind, r.stdout + r.stderr).toBe('error');
    expect(typeof last?.code).toBe('string');
  });

  it('not a terminal: plain log lines, one per table', async () => {
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '--chunk-size', '64K', '-o', path.join(tmp, 'plain')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(ANSI);
    expect(r.stderr).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${db}\\.events: ${ROWS.events.toLocaleString('en-US')} rows`));
    // the summary with thousands separators
    expect(r.stderr).toMatch(new RegExp(`tsdump: 2 tables, ${(ROWS.events + ROWS.users).toLocaleString('en-US')} rows`));
    expect(r.stderr).toMatch(/\d\d:\d\d:\d\d data done in/);
  });

  it('--quiet prints no progress', async () => {
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '--quiet', '-o', path.join(tmp, 'quiet')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });
});
