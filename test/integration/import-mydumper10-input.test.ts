/**
 * tsload and the mydumper 1.0.1 directories of test/fixtures/mydumper-1.0 (see its README):
 * - names mydumper does not put in file names (`we``ird name.x`, `ünï`: files `DB.mydumper_N…`,
 *   the real name in the metadata's real_table_name; a database `myd1fx names.db`: files
 *   `mydumper_0…`, named by its CREATE DATABASE), a system-versioned table and a sequence
 *   (`names-load-data`, `names-no-data`): restored and verified by the checksums mydumper recorded;
 * - bad input: a file missing, a data file replaced by another table's, the metadata edited, a
 *   --no-schemas dump, a tsdump manifest among mydumper files — each refused naming the file (and
 *   line), with nothing wrong loaded.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'mydumper-1.0');
const NAMES = 'myd1fx_names';
const SOURCE = 'myd1fx_src';

/** data_checksum per real table name in a fixture's metadata. */
function recorded(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  let table: string | null = null;
  for (const line of readFileSync(path.join(dir, 'metadata'), 'utf8').split('\n')) {
    if (line.startsWith('[')) table = null;
    const real = /^real_table_name=(.+)$/.exec(line);
    if (real) table = real[1]!.replaceAll('``', '`');
    const c = /^data_checksum = (\d+)/.exec(line);
    if (table && c) out.set(table, c[1]!);
  }
  return out;
}

describe('tsload and mydumper 1.0 input', () => {
  let admin: AdminSession;
  const targets: string[] = [];
  let tmp: string;

  beforeAll(async () => {
    admin = await adminSession();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tsload-mydumper10-input-'));
  });

  afterAll(async () => {
    await dropDbs(...targets);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    await admin?.close();
  });

  const load = async (dir: string, dst: string, source = SOURCE): Promise<{ code: number | null; stderr: string }> => {
    targets.push(dst);
    return runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${source}=${dst}`, '-t', '2'], { timeoutMs: 120_000 });
  };
  const checksum = async (db: string, table: string): Promise<string> => String((await admin.query<{ Checksum: unknown }>(`CHECKSUM TABLE \`${db}\`.\`${table.replaceAll('`', '``')}\``))[0]!.Checksum);
  const copy = (fixture: string, name: string): string => {
    const dir = path.join(tmp, name);
    cpSync(path.join(FIXTURES, fixture), dir, { recursive: true });
    return dir;
  };

  it('restores tables named by real_table_name, a system-versioned table and a sequence, with the checksums mydumper recorded', async () => {
    const dir = path.join(FIXTURES, 'names-load-data');
    const dst = uniqueDb('imp_myd10_names');
    const r = await load(dir, dst, NAMES);
    // the versioned table's CHECKSUM TABLE covers row_start / row_end, new in every load: not a mismatch
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/versioned: system-versioned, so mydumper's data_checksum .* is not compared/);
    expect(r.stderr).not.toMatch(/not counted by the metadata/);
    const want = recorded(dir);
    for (const t of ['we`ird name.x', 'ünï', 'seq1']) expect(await checksum(dst, t), t).toBe(want.get(t));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.versioned`))).toBe(2);
    expect(await admin.scalar(`SELECT v FROM \`${dst}\`.\`ünï\` WHERE id = 3`)).toBe('emoji 😀');
  }, 120_000);

  it('names a table under real_table_name whose loaded rows differ from its recorded checksum', async () => {
    const dir = copy('names-load-data', 'names-tampered');
    for (const f of [`${NAMES}.mydumper_0.00000.dat`, `${NAMES}.mydumper_1.00000.dat`]) {
      const p = path.join(dir, f);
      writeFileSync(p, readFileSync(p).toString('latin1').replace('a`b', 'a`c').replace('emoji', 'emojj'), 'latin1');
    }
    const dst = uniqueDb('imp_myd10_names_t');
    const r = await load(dir, dst, NAMES);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`mismatch: ${dst}.we\`ird name.x: checksum expected ${recorded(dir).get('we`ird name.x')}`);
    expect(r.stderr).toContain(`mismatch: ${dst}.ünï: checksum expected ${recorded(dir).get('ünï')}`);
  }, 120_000);

  it('restores a database whose files are mydumper_0… under the name its CREATE DATABASE gives, verified by its checksum', async () => {
    const dir = path.join(FIXTURES, 'dbname-insert');
    const dst = uniqueDb('imp_myd10_dbname');
    const r = await load(dir, dst, 'myd1fx names.db');
    expect(r.code, r.stderr).toBe(0);
    expect(await checksum(dst, 't')).toBe(recorded(dir).get('t'));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.v`))).toBe(2);
    // the metadata's [`mydumper_0`.`t`] checksum is compared
    const tampered = copy('dbname-insert', 'dbname-tampered');
    const data = path.join(tampered, 'mydumper_0.t.00000.sql');
    writeFileSync(data, readFileSync(data, 'latin1').replace('"two"', '"tw0"'), 'latin1');
    const other = uniqueDb('imp_myd10_dbname_t');
    const t = await load(tampered, other, 'myd1fx names.db');
    expect(t.code, t.stderr).toBe(4);
    expect(t.stderr).toContain(`mismatch: ${other}.t: checksum expected ${recorded(dir).get('t')}`);
  }, 120_000);

  it.each(['uuid-load-data', 'uuid-load-data-hex'])('restores UUID, INET6 and INET4 columns of %s as the source held them (not NULL)', async (name) => {
    const dir = path.join(FIXTURES, name);
    const dst = uniqueDb('imp_myd10_uuid');
    const r = await load(dir, dst, NAMES);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Incorrect (uuid|inet6|inet4) value/);
    expect(await checksum(dst, 'net')).toBe(recorded(dir).get('net'));
    const rows = await admin.query<{ id: number; u: string | null; a6: string | null; a4: string | null }>(`SELECT id, u, a6, a4 FROM \`${dst}\`.net ORDER BY id`);
    expect(rows.map((x) => [x.id, x.u, x.a6, x.a4])).toEqual([[1, '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', '192.168.0.1'], [2, null, null, null], [3, '00000000-0000-0000-0000-000000000000', '::ffff:10.0.0.1', '0.0.0.0']]);
  }, 120_000);

  it('restores a --no-data dump with a sequence (CREATE TABLE … SEQUENCE=1 holds its one row)', async () => {
    const dst = uniqueDb('imp_myd10_nodata');
    const r = await load(path.join(FIXTURES, 'names-no-data'), dst, NAMES);
    expect(r.code, r.stderr).toBe(0);
    expect(await admin.scalar(`SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'seq1'`, [dst])).toBe('SEQUENCE');
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.\`ünï\``))).toBe(0);
  }, 120_000);

  it('passes over the system databases a dump without -B holds (mysql\'s tables partly as data only), named', async () => {
    const dir = copy('insert-gzip', 'all-databases');
    writeFileSync(path.join(dir, 'mysql-schema-create.sql'), 'CREATE DATABASE IF NOT EXISTS `mysql`;\n');
    writeFileSync(path.join(dir, 'mysql.db-schema.sql'), '/*!40101 SET NAMES binary*/;\nCREATE TABLE `db` (\n  `Host` char(255) NOT NULL,\n  `Db` char(64) NOT NULL\n) ENGINE=Aria;\n');
    writeFileSync(path.join(dir, 'mysql.db.00000.sql'), '/*!40101 SET NAMES binary*/;\nINSERT INTO `db` VALUES("%","test");\n');
    const dst = uniqueDb('imp_myd10_all');
    const r = await load(dir, dst);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the system database mysql in the dump is not restored/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people`))).toBe(67);
  }, 120_000);

  /** A refused directory: exit 6, the message matching `message`, no database created. */
  const refused = async (dir: string, name: string, message: RegExp): Promise<void> => {
    const dst = uniqueDb(`imp_myd10_${name}`);
    const r = await load(dir, dst);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Nothing was loaded/);
    expect(await admin.query(`SHOW DATABASES LIKE '${dst}'`)).toHaveLength(0);
  };

  it('refuses a LOAD DATA chunk whose .dat file is missing, naming its .sql file', async () => {
    const dir = copy('load-data', 'no-dat');
    rmSync(path.join(dir, `${SOURCE}.people.00005.dat`));
    await refused(dir, 'nodat', /myd1fx_src\.people\.00005\.sql: its LOAD DATA statement's rows \(myd1fx_src\.people\.00005\.dat/);
  }, 120_000);

  it('refuses a .dat file whose .sql file is missing', async () => {
    const dir = copy('load-data', 'no-sql');
    rmSync(path.join(dir, `${SOURCE}.people.00005.sql`));
    await refused(dir, 'nosql', /myd1fx_src\.people\.00005\.dat: a \.dat file without the \.sql file of its LOAD DATA statement/);
  }, 120_000);

  it('refuses data files whose -schema.sql file is missing', async () => {
    const dir = copy('insert-gzip', 'no-schema');
    rmSync(path.join(dir, `${SOURCE}.nokey-schema.sql.gz`));
    await refused(dir, 'noschema', /myd1fx_src\.nokey\.00000\.sql\.gz: data of myd1fx_src\.nokey, which has no -schema\.sql file/);
  }, 120_000);

  it('refuses an INSERT chunk file replaced by another table\'s, naming the file and line', async () => {
    const dir = copy('insert-gzip', 'swapped-insert');
    cpSync(path.join(dir, `${SOURCE}.nokey.00000.sql.gz`), path.join(dir, `${SOURCE}.people.00005.sql.gz`));
    await refused(dir, 'swapins', /myd1fx_src\.people\.00005\.sql\.gz: line 5 inserts into `nokey`, not into myd1fx_src\.people/);
  }, 120_000);

  it('refuses an INSERT chunk file missing, the metadata\'s row count edited, or the metadata cut short, naming the metadata', async () => {
    const missing = copy('insert-gzip', 'missing-insert');
    rmSync(path.join(missing, `${SOURCE}.people.00006.sql.gz`));
    await refused(missing, 'noins', /missing-insert\/metadata: mydumper's metadata says myd1fx_src\.people has 67 rows, its INSERT chunk files hold \d+/);
    const edited = copy('insert-gzip', 'edited-metadata');
    const meta = path.join(edited, 'metadata');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/(\[`myd1fx_src`\.`people`\]\nreal_table_name=people\nrows = )67/, '$166'));
    await refused(edited, 'edited', /edited-metadata\/metadata: mydumper's metadata says myd1fx_src\.people has 66 rows, its INSERT chunk files hold 67/);
    const cut = copy('load-data', 'cut-metadata');
    const text = readFileSync(path.join(cut, 'metadata'), 'utf8');
    writeFileSync(path.join(cut, 'metadata'), text.slice(0, text.indexOf('[`myd1fx_src`.`people`]')));
    await refused(cut, 'cutmeta', /cut-metadata\/metadata: no 'Finished dump at:' line: not the metadata mydumper wrote/);
  }, 120_000);

  it('refuses a dump made with -m / --no-schemas (data files only) as such, not as a folder of mysqldump files', async () => {
    const dir = copy('insert-gzip', 'no-schemas');
    for (const f of readdirSync(dir).filter((n) => n.includes('-schema'))) rmSync(path.join(dir, f));
    await refused(dir, 'noschemas', /holds mydumper data files \(myd1fx_src\.\w+\.\d+\.sql\.gz, …\) but no -schema-create\.sql or -schema\.sql file: a dump made with -m \/ --no-schemas/);
  }, 120_000);

  it('refuses a directory holding both a tsdump manifest.json and mydumper files, naming both', async () => {
    const dir = copy('load-data', 'both');
    writeFileSync(path.join(dir, 'manifest.json'), '{}');
    const dst = uniqueDb('imp_myd10_both');
    const r = await load(dir, dst);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/both holds both a tsdump manifest\.json and mydumper files \(metadata, myd1fx_src-schema-create\.sql, …\)/);
    expect(await admin.query(`SHOW DATABASES LIKE '${dst}'`)).toHaveLength(0);
  }, 120_000);

  it('names a .dat.zst whose bytes are damaged as such, not as a server error, with none of its rows committed', async () => {
    const dir = copy('csv-zstd', 'damaged-zst');
    const dat = path.join(dir, `${SOURCE}.people.00000.dat.zst`);
    const bytes = readFileSync(dat);
    bytes.fill(0xff, 100, 104);
    writeFileSync(dat, bytes);
    const dst = uniqueDb('imp_myd10_damaged');
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '1'], { timeoutMs: 120_000 });
    targets.push(dst);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/the zstd stream ends early or is damaged .*myd1fx_src\.people\.00000\.dat\.zst/);
    expect(r.stderr).not.toMatch(/server error/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people`))).toBe(0);
  }, 120_000);

  it('refuses a .dat file replaced by another table\'s, or cut in a row, with none of its rows loaded', async () => {
    const dir = copy('load-data', 'swapped-dat');
    cpSync(path.join(dir, `${SOURCE}.nokey.00000.dat`), path.join(dir, `${SOURCE}.people.00005.dat`));
    const dst = uniqueDb('imp_myd10_swapdat');
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '1'], { timeoutMs: 120_000 });
    targets.push(dst);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/myd1fx_src\.people\.00005\.dat: server warning 1261 .* not rows of this table as mydumper wrote them .* none of its rows were loaded/);
    // nokey's rows ('dup', NULL …) are not in people
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people WHERE name = 'dup'`))).toBe(0);
    // a plain .dat cut in the middle of a row: refused the same way, none of the chunk's rows committed
    const cut = copy('load-data', 'cut-dat');
    const dat = path.join(cut, `${SOURCE}.people.00005.dat`);
    const bytes = readFileSync(dat);
    writeFileSync(dat, bytes.subarray(0, bytes.indexOf('\t', bytes.indexOf('\n') + 1)));
    const other = uniqueDb('imp_myd10_cutdat');
    const c = await runCli('tsload', [...connArgs(), '-d', cut, '--rename', `${SOURCE}=${other}`, '-t', '1'], { timeoutMs: 120_000 });
    targets.push(other);
    expect(c.code, c.stderr).toBe(6);
    expect(c.stderr).toMatch(/myd1fx_src\.people\.00005\.dat: server warning 1261 .* cut short/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${other}\`.people WHERE id IN (101, 102)`))).toBe(0);
  }, 120_000);

  it('refuses a .dat row with too few fields after more than 20 other warnings (every warning is read)', async () => {
    const dir = copy('load-data', 'late-misfit');
    const dat = path.join(dir, `${SOURCE}.people.00005.dat`);
    // 70 scores rounded (note 1265 each, more than the server keeps by default), then a row cut short (1261)
    const rounded = Array.from({ length: 70 }, (_, i) => `${2000 + i}\tr${i}\tx\t0.12345\t\\N\t\\N\t\\N\t\\N\n`).join('');
    writeFileSync(dat, Buffer.concat([readFileSync(dat), Buffer.from(`${rounded}2100\tcut\n`)]));
    const dst = uniqueDb('imp_myd10_latemisfit');
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '--rename', `${SOURCE}=${dst}`, '-t', '1'], { timeoutMs: 120_000 });
    targets.push(dst);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/myd1fx_src\.people\.00005\.dat: server warning 1261 .* none of its rows were loaded/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.people WHERE id >= 2000`))).toBe(0);
  }, 120_000);
});
