/**
 * Hostile names: databases, tables and columns with backticks, quotes, `/`, `..`, dots that could
 * make two tables collide (`a.b`.`c` vs `a`.`b.c`), unicode and 64 characters. The dump succeeds, its
 * files stay inside the dump directory under safe names, it verifies, and it loads back exactly.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { allInside, listFiles, removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const q = (name: string): string => '`' + name.replace(/`/g, '``') + '`';

describe('hostile names', () => {
  const tag = uniqueDb('hn').slice(-8);
  const long = (prefix: string): string => prefix + 'é'.repeat(64 - [...prefix].length);
  const schema: Record<string, string[]> = {
    [tag]: ['b.c', '..', "we`ird'q\"", 'a/b', 'Ünï日本', long('t'), '.', 'NULL', '@2e'],
    [`${tag}.b`]: ['c'],
    [`${tag}/..`]: ['x'],
    [`${tag}we\`ird'q"`]: ['..'],
    [long(tag)]: [long('u')],
  };
  const columns = ['id', 'c`1', '/', 'é日', 'a"b', '..'];
  const databases = Object.keys(schema);
  let admin: AdminSession;
  let before: Map<string, string>;

  async function snapshot(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [db, tables] of Object.entries(schema)) {
      for (const t of tables) {
        const rows = await admin.query(`SELECT ${columns.map(q).join(', ')} FROM ${q(db)}.${q(t)} ORDER BY id`);
        out.set(`${db} / ${t}`, JSON.stringify(rows));
      }
    }
    return out;
  }

  beforeAll(async () => {
    admin = await adminSession();
    await dropDbs(...databases);
    for (const [db, tables] of Object.entries(schema)) {
      await admin.query(`CREATE DATABASE ${q(db)} CHARACTER SET utf8mb4`);
      for (const t of tables) {
        await admin.query(`CREATE TABLE ${q(db)}.${q(t)} (id INT PRIMARY KEY, ${q('c`1')} VARCHAR(200), ${q('/')} TEXT, ${q('é日')} INT, ${q('a"b')} VARCHAR(10), ${q('..')} VARBINARY(8))`);
        await admin.query(`INSERT INTO ${q(db)}.${q(t)} VALUES (1, ?, 'x', 1, 'q', 0x00), (2, ?, NULL, 2, '', 0x2e2e), (3, NULL, '/..', NULL, NULL, NULL)`, [`${db}.${t}`, 'Ünï`\'"\\']);
      }
    }
    before = await snapshot();
  });

  afterAll(async () => {
    await dropDbs(...databases);
    await admin?.close();
    removeTemps();
  });

  it('dumps into safe file names inside the directory, verifies, and loads back exactly', async () => {
    const dir = path.join(tempDir('names'), 'dump');
    const dump = await runCli('tsdump', [...connArgs(), ...databases.flatMap((d) => ['-B', d]), '-o', dir, '--rows', '2', '-t', '2', '-q']);
    expect(dump.stderr).toBe('');
    expect(dump.code).toBe(0);

    const files = listFiles(dir);
    expect(allInside(dir)).toBe(true);
    for (const f of files) {
      for (const seg of f.split('/')) {
        expect(seg, f).toMatch(/^[A-Za-z0-9_@~.-]+$/);
        expect(seg).not.toBe('..');
        expect(Buffer.byteLength(seg)).toBeLessThan(255);
      }
    }
    // one directory per database, and (with --rows 2) two chunks per table, no file shared
    const tables = Object.values(schema).reduce((n, t) => n + t.length, 0);
    expect(new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0])).size).toBe(databases.length);
    expect(files.filter((f) => f.endsWith('.table.sql'))).toHaveLength(tables);
    expect(files.filter((f) => /\.\d{6}\.csv$/.test(f))).toHaveLength(tables * 2);

    const verify = await runCli('tsdump', ['verify', dir]);
    expect(verify.stdout).toMatch(/^ok: /);
    expect(verify.code).toBe(0);

    await dropDbs(...databases);
    const load = await runCli('tsload', [...connArgs(), '-d', dir, '-t', '2', '--progress', 'none']);
    // Chunks of one table load in parallel and InnoDB may pick one as a deadlock victim: a retried
    // transient error is the designed outcome; any other warning or error is not.
    const unexpected = load.stderr.split('\n').filter((l) => /error|warning/i.test(l) && !/^warning: transient error on .* retry \d\/4 on a fresh connection$/.test(l));
    expect(unexpected).toEqual([]);
    expect(load.code, load.stderr).toBe(0);
    const after = await snapshot();
    expect([...after.entries()]).toEqual([...before.entries()]);
  });

  it('SQL format: also loads back exactly', async () => {
    const dir = path.join(tempDir('names-sql'), 'dump');
    const dump = await runCli('tsdump', [...connArgs(), ...databases.flatMap((d) => ['-B', d]), '-o', dir, '--format', 'sql', '-q']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(allInside(dir)).toBe(true);
    await dropDbs(...databases);
    const load = await runCli('tsload', [...connArgs(), '-d', dir, '--progress', 'none']);
    expect(load.code, load.stderr).toBe(0);
    expect([...(await snapshot()).entries()]).toEqual([...before.entries()]);
  });
});
