/**
 * `--progress json` as a consumer sees it: EVERY event of a real dump (gzip), a real load, a resumed
 * load and a failed run validates against docs/events.schema.json; progress events carry chunk ids;
 * the summary carries the dump id and coordinates. And what the events say is right: the dump's
 * progress (folded by the CLI's own model) never goes backwards with compression, its first estimate
 * is close to what it writes, and a resumed load's totals are the whole dump's.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressModel } from '../../src/cli/progress-view.js';
import type { RunEvent } from '../../src/core/events.js';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

type Event = RunEvent & { v: number; t: string; tool: string };

const db = uniqueDb('events');
const copy = uniqueDb('events_copy');
const resumed = uniqueDb('events_resumed');
const imported = uniqueDb('events_imported');
const ROWS = { nums: 40_000, notes: 3_000 } as const;
let admin: AdminSession;
let dir: string;
let dump: string;
let dumpEvents: Event[];
const pids: number[] = [];
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'events.schema.json'), 'utf8')) as object);

function parseEvents(stdout: string): Event[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Event);
}

function expectAllValid(events: readonly Event[]): void {
  expect(events.length).toBeGreaterThan(0);
  const bad = events.filter((e) => !validate(e)).map((e) => `${JSON.stringify(e)}\n  ${JSON.stringify((validate(e), validate.errors))}`);
  expect(bad, bad.join('\n')).toEqual([]);
}

beforeAll(async () => {
  admin = await adminSession();
  await admin.query(`CREATE DATABASE \`${db}\``);
  // numbers and dates: far longer as text than InnoDB stores them
  await admin.query(`CREATE TABLE \`${db}\`.nums (id BIGINT PRIMARY KEY, a INT NOT NULL, b DATETIME NOT NULL, c DECIMAL(12,2) NOT NULL, d DOUBLE NOT NULL, e SMALLINT NOT NULL)`);
  await admin.query(`CREATE TABLE \`${db}\`.notes (id INT PRIMARY KEY, body VARCHAR(300) NOT NULL, KEY k_body (body(20)))`);
  await admin.query(`CREATE TABLE \`${db}\`.d (n INT PRIMARY KEY)`);
  await admin.query(`INSERT INTO \`${db}\`.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`);
  const numbers = `SELECT a.n + 10*b.n + 100*c.n + 1000*e.n + 10000*f.n AS n FROM \`${db}\`.d a, \`${db}\`.d b, \`${db}\`.d c, \`${db}\`.d e, \`${db}\`.d f`;
  await admin.query(`INSERT INTO \`${db}\`.nums SELECT 1000000000 + n, n * 37, '2026-01-01' + INTERVAL n MINUTE, n / 7, n / 3, n % 30000 FROM (${numbers}) s WHERE n < ${ROWS.nums}`);
  await admin.query(`INSERT INTO \`${db}\`.notes SELECT n + 1, REPEAT(CONCAT('note ', n, ' '), 1 + n % 25) FROM (${numbers}) s WHERE n < ${ROWS.notes}`);
  await admin.query(`DROP TABLE \`${db}\`.d`);
  await admin.query(`ANALYZE TABLE \`${db}\`.nums, \`${db}\`.notes`);
  dir = tempDir('events');
  dump = path.join(dir, 'dump');
  const r = await runCli('tsdump', [...connArgs(), '-B', db, '-c', 'gzip', '--chunk-size', '256K', '-t', '2', '--progress', 'json', '-o', dump]);
  expect(r.code, r.stderr).toBe(0);
  dumpEvents = parseEvents(r.stdout);
});

afterAll(async () => {
  await dropDbs(db, copy, resumed, imported);
  await admin?.close();
  removeTemps();
});

const manifest = (): { dumpId: string; snapshot: { mode: string; exact: boolean; binlog: unknown; gtid: unknown } } => JSON.parse(readFileSync(path.join(dump, 'manifest.json'), 'utf8')) as never;

describe('--progress json', () => {
  it('a dump: every event is valid; progress names its chunk; the summary names the dump and its coordinates', () => {
    expectAllValid(dumpEvents);
    const progress = dumpEvents.filter((e) => e.kind === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const e of progress) expect(e.kind === 'progress' && e.chunk >= 1).toBe(true);
    const done = dumpEvents.filter((e): e is Event & Extract<RunEvent, { kind: 'chunk-done' }> => e.kind === 'chunk-done');
    // gzip: the files are smaller than the data that went into them
    expect(done.every((e) => e.dataBytes !== undefined && e.dataBytes > e.bytes)).toBe(true);
    const summary = dumpEvents[dumpEvents.length - 1]!;
    expect(summary.kind).toBe('summary');
    const m = manifest();
    expect(summary).toMatchObject({ ok: true, rows: ROWS.nums + ROWS.notes, dumpId: m.dumpId, coordinates: { mode: m.snapshot.mode, exact: m.snapshot.exact, binlog: m.snapshot.binlog, gtid: m.snapshot.gtid } });
  });

  it('a compressed dump never goes backwards, and its first estimate is close to what it writes', async () => {
    const model = new ProgressModel('tsdump');
    let last = 0;
    for (const e of dumpEvents) {
      model.apply(e, Date.parse(e.t));
      const data = model.snapshots(Date.parse(e.t)).find((s) => s.phase === 'data');
      if (!data) continue;
      expect(data.fraction, `after ${JSON.stringify(e)}`).toBeGreaterThanOrEqual(last);
      expect(data.fraction).toBeLessThanOrEqual(1);
      last = data.fraction;
    }
    expect(last).toBe(1);
    const start = dumpEvents.find((e) => e.kind === 'phase-start' && e.phase === 'data');
    const written = dumpEvents.reduce((n, e) => n + (e.kind === 'chunk-done' ? (e.dataBytes ?? e.bytes) : 0), 0);
    expect(start?.kind === 'phase-start' && start.exact).toBe(false);
    const first = start?.kind === 'phase-start' ? start.total.bytes : 0;
    const catalog = Number(await admin.scalar('SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db]));
    // the estimate from sampled rows; DATA_LENGTH (what the estimate used to be) is no measure of the text
    expect(first / written, `estimated ${first}, wrote ${written}, DATA_LENGTH ${catalog}`).toBeGreaterThan(0.8);
    expect(first / written, `estimated ${first}, wrote ${written}, DATA_LENGTH ${catalog}`).toBeLessThan(1.25);
    // corrected to the exact total by the end
    const totals = dumpEvents.filter((e) => e.kind === 'totals');
    const final = totals[totals.length - 1];
    expect(final?.kind === 'totals' && final.exact && final.total.bytes).toBe(written);
  });

  it('a load: every event is valid; verify and indexes are announced with their real totals before they start', async () => {
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', copy, '-t', '2', '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const events = parseEvents(r.stdout);
    expectAllValid(events);
    const kinds = events.map((e) => e.kind);
    const verifyTotals = events.findIndex((e) => e.kind === 'totals' && e.phase === 'verify');
    const verifyStart = events.findIndex((e) => e.kind === 'phase-start' && e.phase === 'verify');
    expect(verifyTotals).toBeGreaterThan(-1);
    expect(verifyTotals).toBeLessThan(kinds.indexOf('phase-start'));
    expect(events[verifyTotals]).toMatchObject({ total: { tables: 2, rows: ROWS.nums + ROWS.notes } });
    expect(verifyStart).toBeGreaterThan(verifyTotals);
    expect(events.some((e) => e.kind === 'totals' && e.phase === 'indexes' && e.total.tables === 1)).toBe(true);
    expect(events.filter((e) => e.kind === 'chunk-done' && e.phase === 'verify').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.kind === 'table-done' && e.phase === 'verify').length).toBe(2);
    expect(events.filter((e) => e.kind === 'progress').every((e) => e.kind === 'progress' && e.chunk >= 1)).toBe(true);
    expect(events[events.length - 1]).toMatchObject({ kind: 'summary', ok: true, dumpId: manifest().dumpId, rows: ROWS.nums + ROWS.notes });
  });

  it('a resumed load: every event is valid, the resumed work is counted, the totals are the whole dump', async () => {
    let killed = false;
    const first = await runCli('tsload', [...connArgs(), '-d', dump, '-B', resumed, '-t', '1', '--rows-per-transaction', '300', '--progress', 'json'], {
      onStdout: (text) => {
        if (!killed && /"kind":"chunk-done"/.test(text)) {
          killed = true;
          setTimeout(() => pids.forEach((p) => process.kill(p, 'SIGKILL')), 0);
        }
      },
      onSpawn: (pid) => pids.push(pid),
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expectAllValid(parseEvents(first.stdout.slice(0, first.stdout.lastIndexOf('\n') + 1)));
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', resumed, '-t', '2', '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const events = parseEvents(r.stdout);
    expectAllValid(events);
    const back = events.find((e) => e.kind === 'resumed');
    expect(back?.kind === 'resumed' && back.chunks).toBeGreaterThan(0);
    // the interrupted run's transaction size is kept: said in a warning
    expect(events.some((e) => e.kind === 'warning' && /transaction size/.test(e.message))).toBe(true);
    const model = new ProgressModel('tsload');
    for (const e of events) model.apply(e, Date.parse(e.t));
    const data = model.snapshots(Date.now()).find((s) => s.phase === 'data')!;
    expect(data.done.rows).toBe(ROWS.nums + ROWS.notes);
    expect(events[events.length - 1]).toMatchObject({ kind: 'summary', rows: ROWS.nums + ROWS.notes });
  });

  it('--metrics-file: a Prometheus text file, replaced atomically, ends with the run finished and its totals', async () => {
    const metricsDir = tempDir('events-metrics');
    const file = path.join(metricsDir, 'tsload.prom');
    const target = uniqueDb('events_metrics');
    try {
      const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', target, '-q', '--metrics-file', file]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await dropDbs(target);
    }
    expect(readdirSync(metricsDir)).toEqual(['tsload.prom']);
    const text = readFileSync(file, 'utf8');
    const id = manifest().dumpId;
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) tsload_[a-z_]+ .+|tsload_[a-z_]+\{dump_id="[^"]+"(,phase="[a-z-]+")?\} (-?\d+(\.\d+)?(e[+-]?\d+)?|NaN))$/);
    }
    expect(text).toContain(`tsload_finished{dump_id="${id}"} 1`);
    expect(text).toContain(`tsload_succeeded{dump_id="${id}"} 1`);
    expect(text).toContain(`tsload_phase_rows_done{dump_id="${id}",phase="data"} ${ROWS.nums + ROWS.notes}`);
    expect(text).toContain(`tsload_phase_rows_done{dump_id="${id}",phase="verify"} ${ROWS.nums + ROWS.notes}`);
    expect(text).toContain(`tsload_eta_seconds{dump_id="${id}"} 0`);
  });

  it('a mysqldump restore: every event is valid, progress names its batch, the summary its file', async () => {
    const s = testServer();
    const file = path.join(dir, 'mariadb-dump.sql');
    const fd = openSync(file, 'w');
    try {
      const d = spawnSync('mariadb-dump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, db], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, MYSQL_PWD: s.password }, encoding: 'utf8' });
      expect(d.status, d.stderr).toBe(0);
    } finally {
      closeSync(fd);
    }
    const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', imported, '-t', '2', '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const events = parseEvents(r.stdout);
    expectAllValid(events);
    expect(events.some((e) => e.kind === 'progress' && e.chunk >= 1)).toBe(true);
    const summary = events[events.length - 1];
    expect(summary?.kind).toBe('summary');
    if (summary?.kind !== 'summary') return;
    expect(summary.dumpId).toMatch(/^sql-[0-9a-f]{64}$/);
    expect(summary.coordinates.mode).toBe('none');
    expect(summary.rows).toBe(ROWS.nums + ROWS.notes);
  });

  it('a failed run: its events, the error last, are valid', async () => {
    // into the source database itself: its tables exist
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', db, '--progress', 'json']);
    expect(r.code).not.toBe(0);
    const events = parseEvents(r.stdout);
    expectAllValid(events);
    expect(events[events.length - 1]?.kind).toBe('error');
  });
});
