/**
 * Issue 14, mydumper 1.0: tsload restores the directories mydumper 1.0.1 writes (committed under
 * test/fixtures/mydumper-1.0, see its README): LOAD DATA chunks (.sql statement + .dat rows, tab
 * separated or CSV with a header line, plain, gzip or zstd, binary columns as hex), INSERT chunks (gzip), the database-wide
 * triggers file, routines, events, views. Self-verifying: each loaded table's CHECKSUM TABLE is
 * compared here with the data_checksum mydumper recorded from the source (tsload compares them
 * too); a tampered .dat file is named by the checksum mismatch; kill -9 in the middle of a LOAD
 * DATA chunk, then a rerun, gives the same tables as a load that was not interrupted.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'mydumper-1.0');
const SOURCE = 'myd1fx_src';
const TABLES = ['audit', 'blobs', 'nokey', 'people'];

/** Each table's data_checksum in a fixture's metadata. */
function recordedChecksums(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let table: string | null = null;
  for (const line of readFileSync(path.join(dir, 'metadata'), 'utf8').split('\n')) {
    const s = /^\[`[^`]+`\.`([^`]+)`\]/.exec(line);
    if (s) table = s[1]!;
    else if (line.startsWith('[')) table = null;
    const c = /^data_checksum = (\d+)/.exec(line);
    if (table && c) out.set(table, c[1]!);
  }
  return out;
}

async function checksums(admin: AdminSession, db: string): Promise<Map<string, string>> {
  const rows = await admin.query<{ Table: string; Checksum: unknown }>(`CHECKSUM TABLE ${TABLES.map((t) => `\`${db}\`.\`${t}\``).join(', ')}`);
  return new Map(rows.map((r) => [r.Table.slice(db.length + 1), String(r.Checksum)]));
}

describe('tsload restores mydumper 1.0 directories', () => {
  let admin: AdminSession;
  const targets: string[] = [];
  let tmp: string;

  beforeAll(async () => {
    admin = await adminSession();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tsload-mydumper10-'));
  });

  afterAll(async () => {
    await dropDbs(...targets);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    await admin?.close();
  });

  it.each(['load-data', 'csv-zstd', 'load-data-hex-gzip', 'insert-gzip'])('restores %s under another name: CHECKSUM TABLE as mydumper recorded it, and every object', async (name) => {
    const dir = path.join(FIXTURES, name);
    const want = recordedChecksums(dir);
    expect([...want.keys()].sort()).toEqual(TABLES);
    const dst = uniqueDb(`imp_myd10_${name}`);
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '2'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is a mydumper directory/);
    expect(Object.fromEntries(await checksums(admin, dst))).toEqual(Object.fromEntries(want));
    const objects = async (sql: string): Promise<string[]> => (await admin.query<{ n: string }>(sql, [dst])).map((x) => x.n).sort();
    expect(await objects('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?')).toEqual(['people_ai']);
    expect(await objects('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?')).toEqual(['people_v']);
    expect(await objects('SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?')).toEqual(['count_people', 'twice']);
    expect(await objects('SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?')).toEqual(['nightly']);
    expect(Number(await admin.scalar(`SELECT \`${dst}\`.twice(21)`))).toBe(42);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people_v`))).toBe(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people WHERE score IS NOT NULL`)));
    // the trigger is created after the data: it fires on new rows only
    await admin.query(`INSERT INTO \`${dst}\`.people (id, name) VALUES (1000, 'new')`);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.audit WHERE at_id = 1000`))).toBe(1);
  }, 180_000);

  it('names the table whose loaded rows differ from the recorded checksum (one byte changed in a .dat file)', async () => {
    const dir = path.join(tmp, 'tampered');
    cpSync(path.join(FIXTURES, 'load-data'), dir, { recursive: true });
    const dat = path.join(dir, `${SOURCE}.people.00005.dat`);
    const bytes = readFileSync(dat);
    const at = bytes.indexOf('\tp1\t');
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = 'q'.charCodeAt(0);
    writeFileSync(dat, bytes);
    const dst = uniqueDb('imp_myd10_tampered');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`mismatch: ${dst}\\.people: checksum expected ${recordedChecksums(dir).get('people')}`));
    expect(r.stderr).not.toMatch(/mismatch: \S+\.(audit|blobs|nokey)/);
  }, 180_000);

  it('refuses a LOAD DATA statement it cannot honour, naming the file, with nothing loaded', async () => {
    const dir = path.join(tmp, 'partitioned');
    cpSync(path.join(FIXTURES, 'load-data'), dir, { recursive: true });
    const sql = path.join(dir, `${SOURCE}.nokey.00000.sql`);
    writeFileSync(sql, readFileSync(sql, 'latin1').replace('INTO TABLE `nokey`', 'INTO TABLE `nokey` PARTITION (p0)'), 'latin1');
    const dst = uniqueDb('imp_myd10_refused');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/myd1fx_src\.nokey\.00000\.sql.*PARTITION is not supported/);
    expect(await admin.query(`SHOW DATABASES LIKE '${dst}'`)).toHaveLength(0);
  }, 120_000);

  it('never reads a file other than the chunk\'s own .dat: a statement naming another file is refused', async () => {
    const dir = path.join(tmp, 'elsewhere');
    cpSync(path.join(FIXTURES, 'load-data'), dir, { recursive: true });
    const sql = path.join(dir, `${SOURCE}.nokey.00000.sql`);
    writeFileSync(sql, readFileSync(sql, 'latin1').replace(`'${SOURCE}.nokey.00000.dat'`, "'/etc/passwd'"), 'latin1');
    const dst = uniqueDb('imp_myd10_elsewhere');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/nokey\.00000\.sql: its LOAD DATA statement reads '\/etc\/passwd', not myd1fx_src\.nokey\.00000\.dat/);
    expect(await admin.query(`SHOW DATABASES LIKE '${dst}'`)).toHaveLength(0);
  }, 120_000);

  it('stops at a .dat.zst cut short, naming it, with none of its rows committed', async () => {
    const dir = path.join(tmp, 'cut');
    cpSync(path.join(FIXTURES, 'csv-zstd'), dir, { recursive: true });
    const dat = path.join(dir, `${SOURCE}.people.00000.dat.zst`);
    const bytes = readFileSync(dat);
    writeFileSync(dat, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const dst = uniqueDb('imp_myd10_cut');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/myd1fx_src\.people\.00000\.dat\.zst.*(ends early|damaged)|(ends early|damaged).*myd1fx_src\.people\.00000\.dat\.zst/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people`))).toBe(0);
  }, 120_000);

  it('resumes exactly after kill -9 in the middle of a LOAD DATA chunk', async () => {
    // the fixture plus a chunk big enough to be killed in: ~12 MB of rows in people.00099.dat
    const dir = path.join(tmp, 'big');
    cpSync(path.join(FIXTURES, 'load-data'), dir, { recursive: true });
    const rows = 150_000;
    const lines: string[] = [];
    for (let i = 0; i < rows; i++) lines.push(`${10_000 + i}\tbig ${i}\tnote\\twith tab ${'y'.repeat(i % 50)}\t${i % 1000}.5\t2001-02-03\t\\N\tb\tx,z\n`);
    writeFileSync(path.join(dir, `${SOURCE}.people.00099.dat`), lines.join(''));
    writeFileSync(path.join(dir, `${SOURCE}.people.00099.sql`), readFileSync(path.join(dir, `${SOURCE}.people.00007.sql`), 'latin1').replace('people.00007.dat', 'people.00099.dat'), 'latin1');
    // its rows are not in the source's count and checksum: the metadata says so
    const meta = readFileSync(path.join(dir, 'metadata'), 'utf8').split('\n');
    const section = meta.indexOf(`[\`${SOURCE}\`.\`people\`]`);
    expect(section).toBeGreaterThanOrEqual(0);
    for (let i = section + 1; i < meta.length && !meta[i]!.startsWith('['); i++) {
      const m = /^rows = (\d+)/.exec(meta[i]!);
      if (m) meta[i] = `rows = ${Number(m[1]) + rows}`;
      if (meta[i]!.startsWith('data_checksum')) meta[i] = '';
    }
    writeFileSync(path.join(dir, 'metadata'), meta.join('\n'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.dat')).length).toBeGreaterThan(4);

    const ref = uniqueDb('imp_myd10_ref');
    const dst = uniqueDb('imp_myd10_kill');
    targets.push(ref, dst);
    const clean = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${ref}`, '-t', '2'], { timeoutMs: 300_000 });
    expect(clean.code, clean.stderr).toBe(0);

    const args = [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '1'];
    let sawLoad = false;
    const first = await runCli('tsload', args, {
      timeoutMs: 300_000,
      onSpawn: (pid) => {
        const poll = setInterval(() => {
          void admin
            .query<{ n: string }>("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'LOAD DATA LOCAL INFILE%' AND INFO LIKE ? AND TIME_MS > 30", [`%${dst}%people%`])
            .then((r) => {
              if (Number(r[0]!.n) > 0 && !sawLoad) {
                sawLoad = true;
                clearInterval(poll);
                process.kill(pid, 'SIGKILL');
              }
            })
            .catch(() => undefined);
        }, 5);
        setTimeout(() => clearInterval(poll), 120_000);
      },
    });
    expect(first.signal, `not killed in a LOAD DATA:\n${first.stderr}`).toBe('SIGKILL');
    expect(sawLoad).toBe(true);
    const second = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.fromEntries(await checksums(admin, dst))).toEqual(Object.fromEntries(await checksums(admin, ref)));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people`))).toBe(67 + rows);
  }, 600_000);
});
