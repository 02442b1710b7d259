/**
 * No path may leave the dump, and a dump holds no symbolic links: a chunk or a database directory
 * replaced by a link (to a file outside, or even to one inside) fails `tsdump verify` naming it, and
 * tsload refuses it before it loads anything.
 */
import { cpSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { listFiles, removeTemps, tempDir } from '../support/faults.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

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
    await dropDbs(db);
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
});
