/**
 * A SQL chunk's INSERT lines are sent from the sub-chunk window as they are (execBytes →
 * Session.execFramed): the packet header, and for --on-duplicate the longer verb, are written over
 * the bytes in front of each line for the time of the send. The server must get exactly the
 * line's bytes (raw 0x00, 0xff, quotes, backslashes), each mode must act as its verb says, and the
 * window must read the same afterwards (a retry of the transaction sends the sub-chunk again).
 * A statement of 16 MiB or more goes by mysql2's own path (split packets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/db/session.js';
import { execBytes } from '../../src/load/row-checks.js';
import { streamSource, subChunkLines, subChunks, type SubChunk } from '../../src/load/sub-chunks.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const lineOf = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

describe('SQL chunk statements sent from the window', () => {
  let admin: AdminSession;
  let s: Session;
  const db = uniqueDb('sqlexec');

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v LONGBLOB)`);
    const t = testServer();
    s = await Session.open({ host: t.host, port: t.port, user: t.user, password: t.password }, { label: 'data', charset: 'BINARY', statements: [`USE \`${db}\``] });
  });

  afterAll(async () => {
    await s?.close();
    await dropDbs(db);
    await admin?.close();
  });

  /** One sub-chunk of `lines` as the loader reads it (from a window, with its headroom). */
  async function* sub(lines: Buffer[]): AsyncGenerator<SubChunk> {
    async function* pieces(): AsyncGenerator<Buffer> {
      yield Buffer.concat(lines);
    }
    yield* subChunks(streamSource(pieces()), { rows: 1000, bytes: 64 << 20 });
  }

  /** Sends every line of the (single) sub-chunk in `mode`; the window must be unchanged after each. */
  async function send(lines: Buffer[], mode: 'error' | 'ignore' | 'replace'): Promise<number[]> {
    const out: number[] = [];
    for await (const c of sub(lines)) {
      const before = Buffer.from(c.spaced);
      for (const l of subChunkLines(c)) {
        out.push(await execBytes(s, c.spaced, l, { database: db, table: 't' }, mode));
        expect(c.spaced.equals(before), 'the window after a statement').toBe(true);
      }
    }
    return out;
  }

  const contents = async (): Promise<string[]> => (await admin.query<{ r: string }>(`SELECT CONCAT(id, ':', HEX(v)) AS r FROM \`${db}\`.t ORDER BY id`)).map((r) => r.r);

  it('send each line\'s bytes exactly, and each --on-duplicate mode acts as its verb', async () => {
    const raw = Buffer.from([0x00, 0xff, 0x80, 0x27, 0x5c]); // as written in line 1: raw bytes, then an escaped quote and backslash
    const lines = [
      lineOf("INSERT INTO `t` VALUES (1,'", Buffer.from([0x00, 0xff, 0x80]), "\\'\\\\'),(2,'b');\n"),
      lineOf("INSERT INTO `t` VALUES (3,'c');\r\n"),
      lineOf("INSERT INTO `t` VALUES (4,'d')"),
    ];
    expect(await send(lines, 'error')).toEqual([2, 1, 1]);
    const want = [`1:${raw.toString('hex').toUpperCase()}`, '2:62', '3:63', '4:64'];
    expect(await contents()).toEqual(want);
    await expect(send(lines.slice(1, 2), 'error')).rejects.toThrow(/Duplicate entry '3'/);
    // ignore keeps the rows there (duplicate-key warnings), replace deletes and writes them again (2 each)
    expect(await send(lines, 'ignore')).toEqual([0, 0, 0]);
    expect(s.lastWarningCount).toBe(1);
    await admin.query(`UPDATE \`${db}\`.t SET v = 'changed'`);
    expect(await send(lines, 'replace')).toEqual([4, 2, 2]);
    expect(await contents()).toEqual(want);
  });

  it('send a statement of 16 MiB or more (split packets) and a line outside a window as the same statement', async () => {
    const big = 'x'.repeat(17 << 20);
    expect(await send([lineOf(`INSERT INTO \`t\` VALUES (10,'${big}');\n`), lineOf("INSERT INTO `t` VALUES (11,'y');\n")], 'replace')).toEqual([1, 1]);
    expect(await execBytes(s, Buffer.alloc(0), lineOf("INSERT INTO `t` VALUES (12,'z');\n"), { database: db, table: 't' }, 'ignore')).toBe(1);
    const rows = await admin.query<{ id: number; n: number }>(`SELECT id, LENGTH(v) AS n FROM \`${db}\`.t WHERE id >= 10 ORDER BY id`);
    expect(rows.map((r) => [r.id, r.n])).toEqual([[10, 17 << 20], [11, 1], [12, 1]]);
  });
});
