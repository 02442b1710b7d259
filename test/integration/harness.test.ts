import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionOptionValues } from '../../src/cli/connection-options.js';
import { addConnectionOptions, resolveConnection } from '../../src/cli/connection-options.js';
import { Session } from '../../src/db/session.js';
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

describe('connection options against the test server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsdump-harness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function connectWith(args: string[], env: Record<string, string> = {}): Promise<string | null> {
    const cmd = addConnectionOptions(new Command('tsdump'));
    cmd.parse(args, { from: 'user' });
    const { settings } = await resolveConnection(cmd.opts<ConnectionOptionValues>(), 'tsdump', {
      env,
      stdinIsTTY: false,
      prompt: async () => '',
      homeDir: dir,
    });
    const session = await Session.open(settings);
    try {
      return await session.scalar('SELECT CURRENT_USER()');
    } finally {
      await session.close();
    }
  }

  it('connects through an option file [client] group', async () => {
    const s = testServer();
    const file = path.join(dir, 'client.cnf');
    // quote the password: a # would otherwise start a comment
    const pw = s.password ? `password = "${s.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n` : '';
    writeFileSync(file, `[client]\nhost = ${s.host}\nport = ${s.port}\nuser = ${s.user}\n${pw}[tsdump]\nconnect-timeout = 5\n`);
    expect(await connectWith(['--defaults-file', file])).toMatch(new RegExp(`^${s.user}@`));
  });

  it('connects through --url, and with MYSQL_PWD from the environment', async () => {
    const s = testServer();
    expect(await connectWith(['--no-defaults', '--url', s.url])).toMatch(new RegExp(`^${s.user}@`));
    expect(await connectWith(['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user], s.password ? { MYSQL_PWD: s.password } : {})).toMatch(
      new RegExp(`^${s.user}@`),
    );
  });

  it('authenticates a user whose password needs quoting, through a file, a URL and MYSQL_PWD', async () => {
    const s = testServer();
    const user = uniqueDb('u').slice(0, 32);
    const password = 'p#ss "w" \\ :@/%x';
    const admin = await adminSession();
    try {
      await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
      const quoted = password.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      const file = path.join(dir, 'pw.cnf');
      writeFileSync(file, `[client]\nhost=${s.host}\nport=${s.port}\n[tsdump]\nuser=${user}\npassword = "${quoted}" # comment\n`);
      expect(await connectWith(['--defaults-file', file])).toBe(`${user}@%`);
      const url = `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${s.host}:${s.port}`;
      expect(await connectWith(['--no-defaults', '--url', url])).toBe(`${user}@%`);
      expect(await connectWith(['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user], { MYSQL_PWD: password })).toBe(`${user}@%`);
      const wrong = await connectWith(['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, '-pnot-it']).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(Error);
      expect(String((wrong as Error).message)).not.toContain('not-it');
    } finally {
      await admin.query(`DROP USER IF EXISTS ?@'%'`, [user]);
      await admin.close();
    }
  });
});
