import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

describe('test harness', () => {
  let admin: AdminSession;
  const db = uniqueDb('harness');

  beforeAll(async () => {
    admin = await adminSession();
  });
  afterAll(async () => {
    await dropDbs(db);
    await admin.close();
  });

  it('talks to a server that is not the machine default on :3306', () => {
    const s = testServer();
    expect(s.url).toMatch(/^mysql:\/\//);
    if (s.owned) expect(s.port).not.toBe(3306);
  });

  it('has the binary log on in ROW format, local_infile on, and time_zone SYSTEM in a non-UTC zone', async () => {
    const [row] = await admin.query<Record<string, string | number>>(
      'SELECT @@log_bin AS log_bin, @@binlog_format AS binlog_format, @@local_infile AS local_infile, @@time_zone AS time_zone, @@system_time_zone AS system_time_zone',
    );
    expect(String(row?.log_bin)).toBe('1');
    expect(row?.binlog_format).toBe('ROW');
    expect(String(row?.local_infile)).toBe('1');
    if (testServer().owned) {
      expect(row?.time_zone).toBe('SYSTEM');
      expect(['EST', 'EDT']).toContain(row?.system_time_zone);
    }
  });

  it('has the time zone tables loaded (owned server)', async () => {
    if (!testServer().owned) return;
    const t = await admin.scalar("SELECT CONVERT_TZ('2024-03-10 01:59:59', 'America/New_York', 'UTC')");
    expect(t).not.toBeNull();
  });

  it('gives each test its own database', async () => {
    await admin.query(`CREATE DATABASE \`${db}\``);
    const n = await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]);
    expect(Number(n)).toBe(1);
    expect(db).toMatch(/^harness_[a-z0-9_]+$/);
  });
});
