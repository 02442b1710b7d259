/**
 * A server (or a man in the middle) that asks the client for a LOCAL INFILE it did not request must
 * be refused: the loader names the one file it streams, and a session opened without {infile: true}
 * never answers a LOCAL INFILE request at all. /etc/passwd is the file a hostile server would want.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { Session, type ConnectionSettings } from '../../src/db/session.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

function settings(database: string): ConnectionSettings {
  const s = testServer();
  return { host: s.host, port: s.port, user: s.user, password: s.password, database };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('the statement succeeded');
}

describe('hostile server: LOCAL INFILE requests', () => {
  const db = uniqueDb('hostile');
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (line TEXT)`);
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
  });

  it('loadLocal refuses a request for a file other than the one it registered, and reads nothing', async () => {
    const session = await Session.open(settings(db), { label: 'test', infile: true, statements: [] });
    let opened = 0;
    try {
      const err = await failure(
        session.loadLocal("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t", 'x', () => {
          opened++;
          return Readable.from([Buffer.from('should never be sent\n')]);
        }),
      );
      expect(err).toBeInstanceOf(TsError);
      expect((err as TsError).code).toBe('local-infile');
      expect((err as TsError).message).toMatch(/\/etc\/passwd/);
      expect((err as TsError).message).toMatch(/refused/);
      expect(opened).toBe(0);
      // mysql2 drops the connection when the request is refused: nothing more can be sent on it
      await expect(session.scalar('SELECT 1')).rejects.toThrow();
    } finally {
      session.destroy();
    }
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.t`))).toBe(0);
  });

  it('loadLocal streams exactly the file it asked for', async () => {
    const session = await Session.open(settings(db), { label: 'test', infile: true, statements: [] });
    try {
      await session.exec('TRUNCATE TABLE t');
      const n = await session.loadLocal("LOAD DATA LOCAL INFILE 'x' INTO TABLE t", 'x', () => Readable.from([Buffer.from('one\ntwo\n')]));
      expect(n).toBe(2);
    } finally {
      await session.close();
    }
    expect(await admin.scalar(`SELECT GROUP_CONCAT(line ORDER BY line) FROM \`${db}\`.t`)).toBe('one,two');
    await admin.query(`TRUNCATE TABLE \`${db}\`.t`);
  });

  it('a second request after the registered one is refused (one file per statement)', async () => {
    const session = await Session.open(settings(db), { label: 'test', infile: true, statements: [] });
    let opened = 0;
    try {
      await session.loadLocal("LOAD DATA LOCAL INFILE 'x' INTO TABLE t", 'x', () => {
        opened++;
        return Readable.from([Buffer.from('a\n')]);
      });
      // outside loadLocal nothing is registered: a plain statement asking for a file is refused
      const err = await failure(session.exec("LOAD DATA LOCAL INFILE 'x' INTO TABLE t"));
      expect(err).toBeInstanceOf(TsError);
      expect((err as TsError).code).toBe('local-infile');
      expect(opened).toBe(1);
    } finally {
      session.destroy();
    }
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.t`))).toBe(1);
    await admin.query(`TRUNCATE TABLE \`${db}\`.t`);
  });

  it('a session opened without {infile: true} refuses any LOCAL INFILE', async () => {
    const session = await Session.open(settings(db));
    let opened = 0;
    try {
      const err = await failure(session.exec("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t"));
      expect(err).toBeInstanceOf(TsError);
      // 1148 (MySQL), 3948 (MySQL 8), 4166 (MariaDB): the client did not offer the capability
      expect([1148, 3948, 2068, 4166]).toContain((err as TsError).errno);
      expect((err as TsError).code).toBe('local-infile');
      expect((err as TsError).suggestion).toMatch(/local_infile/);
      const err2 = await failure(
        session.loadLocal("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t", '/etc/passwd', () => {
          opened++;
          return Readable.from([Buffer.from('root:x:0:0\n')]);
        }),
      );
      expect(err2).toBeInstanceOf(TsError);
      expect(opened).toBe(0);
    } finally {
      session.destroy();
    }
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.t`))).toBe(0);
  });
});
