/**
 * No path may leave the dump, and a dump holds no symbolic links: a chunk or a database directory
 * replaced by a link (to a file outside, or even to one inside) fails `tsdump verify` naming it, and
 * tsload refuses it before it loads anything; so does it in a mydumper directory. An unreadable chunk
 * is named with the fix, not a stack.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, connArgs, mariadbDump, runCli } from '../support/cli.js';
import { expectSameDatabases } from '../support/checker.js';
import { listFiles, removeTemps, tempDir } from '../support/faults.js';
import { cleanupLoads } from './load-fixture.js';
import { adminSession, testServer, uniqueDb, type AdminSession } from '../support/server.js';

describe('paths of a dump', () => {
  const db = uniqueDb('paths');
  let admin: AdminSession;
  let pristine: string;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_500;`);
    pristine = path.join(tempDir('paths'), 'dump');
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', pristine, '--rows', '200', '-q']);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await cleanupLoads(db, [`${db}_unreadable`, `${db}_vialink`], []);
    await admin?.close();
    removeTemps();
  });

  function copy(): string {
    const d = path.join(tempDir('paths-case'), 'dump');
    cpSync(pristine, d, { recursive: true });
    return d;
  }

  const chunk = (n: number): string => {
    const f = listFiles(pristine).find((p) => p.endsWith(`/t.00000${n}.csv`));
    if (!f) throw new Error(`no chunk ${n} in ${listFiles(pristine).join(', ')}`);
    return f;
  };

  /** tsload into a fresh database: must refuse (exit 6) naming `file`, with nothing created. */
  async function expectLoadRefused(dir: string, file: string): Promise<string> {
    const target = `${db}_never`;
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '-B', target, '-q']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(file);
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [target]))).toBe(0);
    return r.stderr;
  }

  it('a chunk replaced by a symbolic link to an identical copy outside the dump: verify fails naming it, tsload loads nothing', async () => {
    const d = copy();
    const outside = path.join(tempDir('paths-outside'), 'stolen.csv');
    renameSync(path.join(d, chunk(2)), outside);
    symlinkSync(outside, path.join(d, chunk(2)));
    const v = await runCli('tsdump', ['verify', d]);
    expect(v.code).toBe(4);
    expect(v.stdout).toContain(`unsafe-path: ${chunk(2)}: refusing a file outside the dump directory: '${chunk(2)}' is a symbolic link`);
    await expectLoadRefused(d, chunk(2));
  });

  it('a chunk replaced by a symbolic link to another file inside the dump: refused the same way', async () => {
    const d = copy();
    rmSync(path.join(d, chunk(2)));
    symlinkSync(path.basename(chunk(1)), path.join(d, chunk(2)));
    const v = await runCli('tsdump', ['verify', d]);
    expect(v.code).toBe(4);
    expect(v.stdout).toContain(`unsafe-path: ${chunk(2)}:`);
    expect(v.stdout).toContain('is a symbolic link');
    await expectLoadRefused(d, chunk(2));
  });

  it('a database directory replaced by a symbolic link to a copy outside the dump: verify fails naming it, tsload loads nothing', async () => {
    const d = copy();
    const dbDir = path.dirname(chunk(1));
    const outside = path.join(tempDir('paths-outside-dir'), dbDir);
    renameSync(path.join(d, dbDir), outside);
    symlinkSync(outside, path.join(d, dbDir));
    const v = await runCli('tsdump', ['verify', d]);
    expect(v.code).toBe(4);
    expect(v.stdout).toContain(`the directory of '${chunk(1)}' is a symbolic link to ${outside}, outside the dump`);
    expect(v.stdout).toContain(`extra: ${dbDir}: not a regular file`);
    await expectLoadRefused(d, dbDir);
  });

  it('a mydumper directory with a data file replaced by a symbolic link (to a copy outside): tsload refuses it naming it, loads nothing', async () => {
    const d = path.join(tempDir('paths-mydumper'), 'dump');
    cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'mydumper-1.0', 'insert-gzip'), d, { recursive: true });
    const data = 'myd1fx_src.nokey.00000.sql.gz';
    const outside = path.join(tempDir('paths-mydumper-outside'), data);
    renameSync(path.join(d, data), outside);
    symlinkSync(outside, path.join(d, data));
    // before, the link was passed over: the table loaded empty, exit 0
    const stderr = await expectLoadRefused(d, data);
    expect(stderr).toContain(`refusing a file outside the dump directory: '${data}' in ${d} is a symbolic link or not a regular file; nothing was loaded`);
  });

  it('a mysqldump file named through a symbolic link of the user\'s (latest.sql → the dated file) loads from where it points', async () => {
    const dir = tempDir('paths-sqlfile');
    const file = path.join(dir, 'shop-2026-12-07.sql');
    mariadbDump(['--single-transaction', db], file);
    const latest = path.join(tempDir('paths-sqlfile-link'), 'latest.sql');
    symlinkSync(file, latest);
    const target = `${db}_vialink`;
    // before, it was refused as 'a symbolic link' and reported as an incomplete dump
    const r = await runCli('tsload', [...connArgs(), '-d', latest, '-B', target, '-q']);
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, db, target, 'a mysqldump file through a link');
  });

  it('an unreadable chunk: verify names the file and the fix, no stack trace', async (ctx) => {
    const d = copy();
    const f = path.join(d, chunk(2));
    chmodSync(f, 0o000);
    try {
      // root reads through mode 000 (CAP_DAC_OVERRIDE): as root, verify runs without that capability
      const asRoot = process.getuid?.() === 0;
      if (asRoot && !dacDroppable(f)) ctx.skip('running as root and setpriv cannot drop CAP_DAC_OVERRIDE here: no way to make a file unreadable');
      const v = asRoot ? runWithoutDacOverride(['verify', d]) : await runCli('tsdump', ['verify', d]);
      expect(v.code, v.stdout + v.stderr).toBe(4);
      expect(v.stdout).toContain(`unreadable: ${chunk(2)}: cannot open ${chunk(2)}: EACCES`);
      expect(v.stdout).toContain('permission denied: the user running this needs read');
      expect(v.stdout + v.stderr).not.toMatch(/\n\s+at /);
      // tsload reaches the file when it loads it: the same message, through the error funnel
      const target = `${db}_unreadable`;
      const l = asRoot ? runWithoutDacOverride(['-d', d, '-B', target, '-q', ...connArgs()], 'tsload') : await runCli('tsload', ['-d', d, '-B', target, '-q', ...connArgs()]);
      expect(l.code, l.stderr).toBe(1);
      expect(l.stderr).toContain(`cannot open ${chunk(2)}: EACCES`);
      expect(l.stderr).toContain('hint: permission denied: the user running this needs read');
      expect(l.stderr).not.toMatch(/\n\s+at /);
    } finally {
      chmodSync(f, 0o644);
    }
  });
});

const DROP_DAC = ['--bounding-set=-dac_override,-dac_read_search'];

/** Whether setpriv can take root's power to read a mode-000 file (checked on `file` itself). */
function dacDroppable(file: string): boolean {
  const r = spawnSync('setpriv', [...DROP_DAC, 'head', '-c', '1', file], { encoding: 'utf8' });
  return r.error === undefined && r.status !== 0 && /Permission denied/.test(r.stderr);
}

/** Runs the built tsdump without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (so root obeys file modes). */
function runWithoutDacOverride(args: string[], bin: 'tsdump' | 'tsload' = 'tsdump'): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, MYSQL_PWD: testServer().password, NO_COLOR: '1' };
  const r = spawnSync('setpriv', [...DROP_DAC, process.execPath, path.join(REPO_ROOT, 'dist', 'cli', `${bin}.js`), ...args], { encoding: 'utf8', env });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
