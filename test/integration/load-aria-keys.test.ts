/**
 * MariaDB's Aria engine misreads range lookups on an index over a CHAR column in ucs2 or utf32 (with
 * 'a', 'b', 'c' stored, `k >= 'b'` finds only 'c'; src/core/engines.ts). tsdump reads such an Aria
 * table whole, but an InnoDB (or MyISAM) table keyed so is chunked by key ranges, and loading it with
 * --engine Aria puts those ranges on the broken index: the per-chunk verification counted each
 * chunk's first row out (a spurious mismatch on an exact copy), and a resume's DELETE of an
 * unfinished chunk's range left that row in place, so reloading the chunk failed on it ("Duplicate
 * entry") on every rerun.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { killInsideLaterChunk } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, tableHash } from './load-fixture.js';

const ROWS = 6000;

describe('tsload into Aria with a CHAR key in ucs2/utf32', () => {
  let admin: AdminSession;
  const src = uniqueDb('aria_key_src');
  const targets: string[] = [];
  let dump = '';
  let ariaSupported = false;
  const hashes = new Map<string, string>();

  beforeAll(async () => {
    admin = await adminSession();
    ariaSupported = (await admin.scalar("SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'Aria' AND SUPPORT IN ('YES', 'DEFAULT')")) === '1';
    if (!ariaSupported) return;
    await admin.query(`CREATE DATABASE \`${src}\``);
    await admin.query(`USE \`${src}\``); // seq_1_to_N needs a current database
    for (const [table, charset] of [['u2', 'ucs2'], ['u4', 'utf32']] as const) {
      await admin.query(`CREATE TABLE \`${src}\`.${table} (k CHAR(12) CHARACTER SET ${charset} NOT NULL PRIMARY KEY, v INT NOT NULL, pad VARCHAR(40) NOT NULL) ENGINE=InnoDB`);
      await admin.query(`INSERT INTO \`${src}\`.${table} SELECT CONCAT(CONVERT(CHAR(97 + seq % 26) USING latin1), LPAD(seq, 6, '0')), seq, REPEAT('p', seq % 40) FROM seq_1_to_${ROWS}`);
      hashes.set(table, await tableHash(admin, src, table));
    }
    dump = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsload-aria-key-')), 'dump');
    const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dump, '--rows', '1000', '-t', '2', '-q'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (ariaSupported) await cleanupLoads(src, targets, dump ? [dump] : []);
    await admin?.close();
  });

  const loadArgs = (dst: string): string[] => [...connArgs(), '-d', dump, '-B', dst, '--engine', 'Aria', '-t', '1', '--rows-per-transaction', '20', '--insert-method', 'load-data', '--progress', 'plain'];

  async function expectExactAria(dst: string): Promise<void> {
    for (const [table, hash] of hashes) {
      expect(await admin.scalar('SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [dst, table])).toBe('Aria');
      expect(await tableHash(admin, dst, table), table).toBe(hash);
    }
  }

  it('a load of chunked tables verifies as exact (no chunk miscounted)', async () => {
    if (!ariaSupported) return;
    const dst = uniqueDb('aria_key');
    targets.push(dst);
    const r = await runCli('tsload', loadArgs(dst), { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/mismatch/i);
    await expectExactAria(dst);
  }, 300_000);

  it('killed -9 inside a chunk that is not the first: the rerun clears that chunk and loads it exactly once', async () => {
    if (!ariaSupported) return;
    const dst = uniqueDb('aria_key_k9');
    targets.push(dst);
    expect(await killInsideLaterChunk(admin, dst, loadArgs(dst)), 'killed inside a chunk past the first').toBe(true);
    const again = await runCli('tsload', loadArgs(dst), { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/non-transactional engine Aria: deleting the key range of \d+ unfinished chunk/);
    await expectExactAria(dst);
  }, 300_000);
});
