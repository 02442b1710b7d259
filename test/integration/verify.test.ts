/**
 * `tsdump verify DIR` offline: an untouched dump verifies; every kind of damage is reported with a
 * non-zero exit naming the file and the problem (flipped byte, truncation, missing and extra files,
 * an edited manifest, manifest paths that point outside the directory).
 */
import { appendFileSync, cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { bigTable, listFiles, removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

interface ManifestShape {
  databases: { tables: { name: string; rows: number; chunks: { path: string; rows: number; bytes: number; sha256: string }[] }[] }[];
}

describe('tsdump verify', () => {
  const db = uniqueDb('verify');
  let admin: AdminSession;
  let pristine: string;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await bigTable(admin, db, 'items', 3000, 50);
    await admin.query(`CREATE TABLE \`${db}\`.small (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${db}\`.small VALUES (1,'a'),(2,'b')`);
    pristine = path.join(tempDir('verify'), 'dump');
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', pristine, '--rows', '1000', '-t', '2', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
    removeTemps();
  });

  /** A private copy of the pristine dump to damage. */
  function copy(): string {
    const d = path.join(tempDir('verify-case'), 'dump');
    cpSync(pristine, d, { recursive: true });
    return d;
  }

  const chunkPath = (): string => {
    const f = listFiles(pristine).find((p) => /items\.000002\.csv$/.test(p));
    if (!f) throw new Error(`no second chunk of items in ${listFiles(pristine).join(', ')}`);
    return f;
  };

  function editManifest(dir: string, edit: (m: ManifestShape) => void): void {
    const file = path.join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as ManifestShape;
    edit(m);
    writeFileSync(file, JSON.stringify(m, null, 1));
  }

  const itemsOf = (m: ManifestShape) => m.databases[0]!.tables.find((t) => t.name === 'items')!;

  async function verify(dir: string) {
    return runCli('tsdump', ['verify', dir]);
  }

  it('an untouched dump verifies ok', async () => {
    const r = await verify(pristine);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: /);
    expect(r.stderr).toBe('');
  });

  it('a flipped byte: exit 4 naming the file and the checksum', async () => {
    const d = copy();
    const f = path.join(d, chunkPath());
    const b = readFileSync(f);
    b[Math.floor(b.length / 2)] ^= 0x01;
    writeFileSync(f, b);
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`checksum: ${chunkPath()}`);
    expect(r.stderr).toMatch(/1 problem/);
  });

  it('a truncated file: exit 4 naming the file, size and "truncated"', async () => {
    const d = copy();
    const f = path.join(d, chunkPath());
    const size = readFileSync(f).length;
    truncateSync(f, size - 7);
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`size: ${chunkPath()}`);
    expect(r.stdout).toMatch(/truncated/);
  });

  it('a missing file: exit 4 naming it', async () => {
    const d = copy();
    rmSync(path.join(d, chunkPath()));
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`missing: ${chunkPath()}`);
  });

  it('an extra unknown file: exit 4 naming it', async () => {
    const d = copy();
    const extra = `${path.dirname(chunkPath())}/items.000099.csv`;
    writeFileSync(path.join(d, extra), '1,"x"\n');
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`extra: ${extra}`);
  });

  it('a file that grew: exit 4', async () => {
    const d = copy();
    appendFileSync(path.join(d, chunkPath()), '9999,1,"zz"\n');
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/grown/);
  });

  // the chunk's last prefix hash is its sha256: the manifest no longer agrees with itself
  it("an edited manifest (a chunk's sha256): exit 6 naming the chunk", async () => {
    const d = copy();
    editManifest(d, (m) => {
      const c = itemsOf(m).chunks[1]!;
      c.sha256 = c.sha256.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
    });
    const r = await verify(d);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/manifest is invalid: .*prefixes\.sha256\[\d+\]: the last prefix hash of .* differs from its sha256/);
    expect(r.stderr).toContain(chunkPath());
  });

  it("an edited manifest (a chunk's sha256 and its last prefix hash): exit 4 naming the chunk", async () => {
    const d = copy();
    editManifest(d, (m) => {
      const c = itemsOf(m).chunks[1]! as unknown as { sha256: string; prefixes: { sha256: string[] } };
      c.sha256 = c.sha256.replace(/^./, (ch) => (ch === '0' ? '1' : '0'));
      c.prefixes.sha256[c.prefixes.sha256.length - 1] = c.sha256;
    });
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`checksum: ${chunkPath()}`);
  });

  it("an edited manifest (a chunk's size): exit 4 naming the chunk", async () => {
    const d = copy();
    editManifest(d, (m) => {
      itemsOf(m).chunks[1]!.bytes += 1;
    });
    const r = await verify(d);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`size: ${chunkPath()}`);
  });

  it("an edited manifest (a chunk's rows): exit 6, the rows no longer add up", async () => {
    const d = copy();
    editManifest(d, (m) => {
      itemsOf(m).chunks[1]!.rows += 1;
    });
    const r = await verify(d);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/manifest is invalid: .*chunks' rows/);
    expect(r.stderr).toMatch(/manifest\.json/);
  });

  it.each([
    ['../outside.csv', /outside\.csv/],
    ['/etc/passwd', /\/etc\/passwd/],
    ['db/../../escape.csv', /escape\.csv/],
  ])('a manifest path %s pointing outside the directory is refused, naming it', async (bad, re) => {
    const d = copy();
    editManifest(d, (m) => {
      itemsOf(m).chunks[1]!.path = bad;
    });
    const r = await verify(d);
    expect(r.code).not.toBe(0);
    expect([4, 6]).toContain(r.code);
    expect(r.stdout + r.stderr).toMatch(re);
    expect(r.stdout + r.stderr).toMatch(/outside the dump directory|escapes/);
  });

  it('a directory without a manifest (an interrupted dump): exit 6', async () => {
    const d = copy();
    rmSync(path.join(d, 'manifest.json'));
    const r = await verify(d);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/no manifest\.json: the dump is incomplete/);
  });

  it('a truncated manifest: exit 6', async () => {
    const d = copy();
    const f = path.join(d, 'manifest.json');
    writeFileSync(f, readFileSync(f, 'utf8').slice(0, 200));
    const r = await verify(d);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/not valid JSON/);
  });
});
