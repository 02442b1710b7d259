/**
 * tsload and the mydumper 1.0.1 directories of test/fixtures/mydumper-1.0 (see its README):
 * - names mydumper does not put in file names (`we``ird name.x`, `ünï`: files `DB.mydumper_N…`,
 *   the real name in the metadata's real_table_name), a system-versioned table and a sequence
 *   (`names-load-data`, `names-no-data`): restored and verified by the checksums mydumper recorded;
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('restores a --no-data dump with a sequence (CREATE TABLE … SEQUENCE=1 holds its one row)', async () => {
    const dst = uniqueDb('imp_myd10_nodata');
    const r = await load(path.join(FIXTURES, 'names-no-data'), dst, NAMES);
    expect(r.code, r.stderr).toBe(0);
    expect(await admin.scalar(`SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'seq1'`, [dst])).toBe('SEQUENCE');
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.\`ünï\``))).toBe(0);
  }, 120_000);
});
