/**
 * A dump worker's socket reads reuse one ring of memory (src/db/read-arena.ts): wire rows point into
 * it, so reuse must never overwrite a row of a batch that is still valid. 26 MB of rows of mixed
 * sizes (tiny ones, rows that span several reads, and rows of 1-3 MB) wrap the 4 MiB ring several
 * times; the consumer is slow (it yields to the event loop before reading each batch, as the
 * chunk writer does while a write is in flight), so the connection pauses and resumes. Every
 * row's bytes must equal what the server computes for it, and a session used for ordinary
 * queries afterwards must return intact results.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMP_WORKER } from '../../src/db/session-profile.js';
import { Session } from '../../src/db/session.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

/** Field `i` of a text-protocol row (length-encoded strings; 0xfb = NULL). */
function fields(buf: Buffer, start: number, end: number): (Buffer | null)[] {
  const out: (Buffer | null)[] = [];
  let p = start;
  while (p < end) {
    const b = buf[p]!;
    let n: number;
    if (b === 0xfb) {
      out.push(null);
      p++;
      continue;
    } else if (b < 0xfb) {
      n = b;
      p += 1;
    } else if (b === 0xfc) {
      n = buf.readUInt16LE(p + 1);
      p += 3;
    } else if (b === 0xfd) {
      n = buf.readUIntLE(p + 1, 3);
      p += 4;
    } else {
      n = Number(buf.readBigUInt64LE(p + 1));
      p += 9;
    }
    out.push(buf.subarray(p, p + n));
    p += n;
  }
  return out;
}

describe('socket read reuse under wire rows', () => {
  let admin: AdminSession;
  const db = uniqueDb('arena');

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, payload LONGBLOB)`);
    // sizes: mostly 1-3 KB, every 40th 70-200 KB (spans reads), every 500th 1-3 MB, some NULL / empty
    await admin.query(
      `INSERT INTO \`${db}\`.t SELECT seq,
         CASE WHEN seq % 97 = 0 THEN NULL WHEN seq % 89 = 0 THEN ''
              WHEN seq % 500 = 0 THEN REPEAT(UNHEX(SHA2(seq, 256)), 32768 + (seq % 3) * 32768)
              WHEN seq % 40 = 0 THEN REPEAT(UNHEX(SHA2(seq, 256)), 2200 + (seq % 7) * 600)
              ELSE REPEAT(UNHEX(SHA2(seq, 256)), 32 + seq % 64) END
       FROM \`${db}\`.seq_1_to_3000`,
    );
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
  });

  it('every row of a 26 MB result equals the server-side MD5 of its value; the session stays usable', async () => {
    const expected = new Map<number, string | null>();
    for (const r of await admin.query<{ id: number; h: string | null }>(`SELECT id, MD5(payload) AS h FROM \`${db}\`.t`)) expected.set(Number(r.id), r.h);
    const total = Number(await admin.scalar(`SELECT SUM(COALESCE(LENGTH(payload), 0)) FROM \`${db}\`.t`));
    expect(total).toBeGreaterThan(20_000_000);

    const t = testServer();
    const session = await Session.open({ host: t.host, port: t.port, user: t.user, password: t.password }, DUMP_WORKER);
    try {
      // small batches (many hand-overs, the ring wraps between them) and 8 MiB ones (a batch larger
      // than the ring: the reads beyond it must go elsewhere)
      for (const [round, [batchRows, batchBytes]] of [[256, 256 * 1024], [100_000, 8 << 20]].entries()) {
        const seen = new Set<number>();
        let batches = 0;
        for await (const batch of session.wireRowBatches(`SELECT id, payload FROM \`${db}\`.t ORDER BY id`, undefined, batchRows, batchBytes)) {
          batches++;
          await sleep(batches % 3 === 0 ? 2 : 0); // a consumer that waits, as a write in flight does
          for (let i = 0; i < batch.length; i++) {
            const [id, payload] = fields(batch.buffers[i]!, batch.starts[i]!, batch.ends[i]!);
            const key = Number(id!.toString());
            const h = payload === null || payload === undefined ? null : createHash('md5').update(payload).digest('hex');
            expect(h, `row ${key} (round ${round + 1}, batch ${batches})`).toBe(expected.get(key));
            seen.add(key);
          }
        }
        expect(seen.size).toBe(3000);
        expect(batches).toBeGreaterThan(round === 0 ? 50 : 2);
        // ordinary results on the same session after a stream: kept past later reads, intact
        const rows = await session.query<{ id: Buffer; h: Buffer }>(`SELECT id, MD5(payload) AS h FROM \`${db}\`.t WHERE id % 100 = 1 ORDER BY id`);
        const big = [];
        for await (const b of session.wireRowBatches(`SELECT payload FROM \`${db}\`.t WHERE id % 500 = 0`)) big.push(b.length);
        expect(big.reduce((a, b) => a + b, 0)).toBe(6);
        for (const r of rows) expect(String(r.h), `row ${String(r.id)}`).toBe(expected.get(Number(String(r.id))) ?? 'null');
      }
    } finally {
      await session.close();
    }
  }, 300_000);
});
