/**
 * Issue 11: server-specific data types round-trip byte for byte in both formats, compressed or not,
 * also as chunk keys. MariaDB's UUID, INET6 and INET4 read their text form only from a string in a
 * text character set; the loader's sessions are binary, so they are dumped as their binary form.
 * (MySQL 8 has none of these; its VECTOR (9.x) is dumped as hex like any binary value.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { adminSession, type AdminSession } from '../support/server.js';
import { Scratch, VARIANTS, expectSameDatabase, roundTrip, runSql } from './exactness-fixture.js';

const probe = await adminSession();
const version = String(await probe.scalar('SELECT @@version'));
await probe.close();
const m = /^(\d+)\.(\d+)/.exec(version);
const mariadbAtLeast = (major: number, minor: number): boolean => /mariadb/i.test(version) && !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));

describe.runIf(mariadbAtLeast(10, 10))('MariaDB UUID, INET6, INET4', () => {
  const scratch = new Scratch();
  let admin: AdminSession;
  const src = scratch.db('srvtypes');

  beforeAll(async () => {
    admin = await adminSession();
    await runSql(
      src,
      `CREATE TABLE vals (id INT PRIMARY KEY, uu UUID, ip INET6, ip4 INET4, uun UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000');
       INSERT INTO vals VALUES
        (1, '123e4567-e89b-12d3-a456-426614174000', '::1', '1.2.3.4', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
        (2, NULL, NULL, NULL, '00000000-0000-0000-0000-000000000000'),
        (3, '00000000-0000-0000-0000-000000000000', '::', '0.0.0.0', '6ccd780c-baba-1026-9564-5b8c656024db'),
        (4, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '255.255.255.255', '01234567-89ab-4def-8123-456789abcdef'),
        (5, '6ccd780c-baba-1026-9564-5b8c656024db', '::ffff:192.0.2.128', '10.0.0.1', '11111111-2222-3333-4444-555555555555'),
        (6, UUID(), '2001:db8::ff00:42:8329', '192.168.0.255', UUID());
       CREATE TABLE uk (u UUID NOT NULL PRIMARY KEY, n INT NOT NULL);
       INSERT INTO uk SELECT UUID(), seq FROM seq_1_to_1000;
       INSERT INTO uk SELECT CONCAT(LPAD(HEX(seq), 8, '0'), '-0000-4000-8000-', LPAD(HEX(seq * 7919), 12, '0')), seq FROM seq_1001_to_2000;
       CREATE TABLE ik (ip INET6 NOT NULL, ip4 INET4 NOT NULL, n INT NOT NULL, PRIMARY KEY (ip, ip4));
       INSERT INTO ik SELECT CONCAT('2001:db8::', HEX(seq)), CONCAT('10.0.', seq DIV 256, '.', seq MOD 256), seq FROM seq_1_to_1500;`,
    );
  }, 120_000);

  afterAll(async () => {
    await scratch.cleanup();
    await admin?.close();
  });

  for (const v of VARIANTS) {
    it(`round-trips exactly in ${v.name}, chunked by UUID and INET keys`, async () => {
      const { copy, out } = await roundTrip(scratch, src, v, ['--rows', '300']);
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
      for (const name of ['uk', 'ik']) {
        const t = manifest.databases[0]!.tables.find((x) => x.name === name)!;
        // several chunks, none of them empty: the bounds compare as UUID/INET6 values
        expect(t.chunks.length, name).toBeGreaterThan(3);
        expect(t.chunks.every((c) => c.rows > 0), `${name}: ${t.chunks.map((c) => c.rows).join(',')}`).toBe(true);
      }
      await expectSameDatabase(admin, src, copy, v.name);
      // the text form compares too (the checker hashes the server's own text of each value)
      const a = await admin.query(`SELECT id, uu, ip, ip4, uun FROM \`${src}\`.vals ORDER BY id`);
      const b = await admin.query(`SELECT id, uu, ip, ip4, uun FROM \`${copy}\`.vals ORDER BY id`);
      expect(b).toEqual(a);
    }, 300_000);
  }

  // their binary forms as binary-string parameters of MariaDB's bulk INSERT
  for (const v of VARIANTS.filter((x) => x.format === 'csv')) {
    it(`round-trips exactly in ${v.name} sent by bulk INSERT (--insert-method bulk)`, async () => {
      const { copy } = await roundTrip(scratch, src, v, ['--rows', '300'], ['--insert-method', 'bulk']);
      await expectSameDatabase(admin, src, copy, `${v.name} bulk`);
      const a = await admin.query(`SELECT id, uu, ip, ip4, uun FROM \`${src}\`.vals ORDER BY id`);
      const b = await admin.query(`SELECT id, uu, ip, ip4, uun FROM \`${copy}\`.vals ORDER BY id`);
      expect(b).toEqual(a);
    }, 300_000);
  }
});
