/**
 * tsload refuses damaged dumps with a message naming the file: no manifest, unknown format version,
 * missing / extra / truncated file, a flipped byte (sha256 checked before the chunk's rows commit),
 * an edited manifest and a manifest path leaving the dump directory.
 */
import { appendFileSync, cpSync, readFileSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture } from './load-fixture.js';

describe('tsload refuses bad dumps', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_bad_src');
  const targets: string[] = [];
  let dump = '';
  let n = 0;

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dump ? [dump] : []);
    await admin?.close();
  });

  /** A fresh copy of the dump, damaged by `damage`. */
  function copy(damage: (dir: string, dbDir: string) => void): string {
    const dir = `${dump}-copy${++n}`;
    cpSync(dump, dir, { recursive: true });
    damage(dir, path.join(dir, src));
    return dir;
  }
  const chunkOf = (dbDir: string, table: string): string => path.join(dbDir, readdirSync(dbDir).filter((f) => f.startsWith(`${table}.0`)).sort()[0]!);

  async function expectRefused(dir: string, pattern: RegExp): Promise<void> {
    const dst = uniqueDb('load_bad');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '-B', dst, '-t', '2']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(pattern);
  }

  it('no manifest', async () => {
    await expectRefused(copy((d) => unlinkSync(path.join(d, 'manifest.json'))), /no manifest\.json.*incomplete/);
  });

  it('unknown format version', async () => {
    await expectRefused(
      copy((d) => {
        const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as { formatVersion: number };
        m.formatVersion = 99;
        writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(m));
      }),
      /format version 99 is not supported/,
    );
  });

  it('missing chunk file', async () => {
    await expectRefused(copy((_d, db) => unlinkSync(chunkOf(db, 'comp'))), /missing: .*comp\.000001\.csv/);
  });

  it('extra file', async () => {
    await expectRefused(copy((_d, db) => writeFileSync(path.join(db, 'stray.csv'), '1,2\n')), /extra: .*stray\.csv/);
  });

  it('truncated chunk', async () => {
    await expectRefused(copy((_d, db) => truncateSync(chunkOf(db, 'parent'), 10)), /size: .*parent\.000001\.csv.*truncated/);
  });

  it('grown chunk', async () => {
    await expectRefused(copy((_d, db) => appendFileSync(chunkOf(db, 'keyless'), '1,"x"\n')), /size: .*keyless\.000001\.csv/);
  });

  it('flipped byte: sha256 mismatch, none of that chunk committed', async () => {
    const dir = copy((_d, db) => {
      const f = chunkOf(db, 'keyless');
      const b = readFileSync(f);
      b[5] = b[5] === 0x31 ? 0x32 : 0x31;
      writeFileSync(f, b);
    });
    const dst = uniqueDb('load_bad_flip');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dir, '-B', dst, '-t', '1']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/keyless\.000001\.csv: sha256 .* differs/);
    const rows = await admin.scalar(`SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ? AND tbl = 'keyless' AND chunk = 1`, [dst]).catch(() => 0);
    expect(Number(rows)).toBe(0);
  });

  it('edited manifest (rows no longer add up)', async () => {
    await expectRefused(
      copy((d) => {
        const p = path.join(d, 'manifest.json');
        writeFileSync(p, readFileSync(p, 'utf8').replace(/"rows":\s*3000/, '"rows": 3001'));
      }),
      /manifest is invalid/,
    );
  });

  it('manifest path leaving the dump directory', async () => {
    await expectRefused(
      copy((d) => {
        const p = path.join(d, 'manifest.json');
        const m = JSON.parse(readFileSync(p, 'utf8')) as { databases: { tables: { chunks: { path: string }[] }[] }[] };
        m.databases[0]!.tables[0]!.chunks[0]!.path = '../../../etc/passwd';
        writeFileSync(p, JSON.stringify(m));
      }),
      /unsafe-path: \.\.\/\.\.\/\.\.\/etc\/passwd/,
    );
  });
});
