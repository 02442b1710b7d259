/**
 * Dump chunks are read through the binary protocol where a table allows it (src/db/binary-layout.ts):
 * integers and temporal values arrive as their bytes and the encoder writes them as the text
 * protocol would have sent them. The data files must be the same bytes either way: every integer
 * type at its limits, signed and unsigned, ZEROFILL, YEAR, DATE/DATETIME/TIMESTAMP/TIME with every
 * fraction width, zero dates and dates with zero parts, NULL in every column, strings across the
 * length-prefix sizes (1, 3 and 4 bytes), and the string-sent types beside them, in both formats.
 * A server that will not prepare another statement (max_prepared_stmt_count) gets the text protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryLayout, binaryReadable } from '../../src/db/binary-layout.js';
import { readTables, selectExpr, type CatalogTable } from '../../src/db/catalog.js';
import { detectFlavor } from '../../src/db/flavor.js';
import { DUMP_WORKER } from '../../src/db/session-profile.js';
import { Session } from '../../src/db/session.js';
import type { DataFormat } from '../../src/format/manifest.js';
import { createRowEncoder } from '../../src/format/row-encoders.js';
import { adminSession, adminSessionOn, dropDbs, startPrivateServer, testServer, uniqueDb, type AdminSession, type ServerHandle, type TestServerInfo } from '../support/server.js';

const COLUMNS = `id INT PRIMARY KEY,
  i8 TINYINT, u8 TINYINT UNSIGNED, i16 SMALLINT, u16 SMALLINT UNSIGNED, i24 MEDIUMINT, u24 MEDIUMINT UNSIGNED,
  i32 INT, u32 INT UNSIGNED, i64 BIGINT, u64 BIGINT UNSIGNED, z8 INT(8) ZEROFILL, z20 BIGINT(20) ZEROFILL, z3 TINYINT(3) ZEROFILL,
  b1 BOOLEAN, y YEAR, dc DECIMAL(65,30),
  d DATE, dt DATETIME, dt1 DATETIME(1), dt3 DATETIME(3), dt6 DATETIME(6), ts TIMESTAMP NULL, ts2 TIMESTAMP(2) NULL,
  tm TIME, tm4 TIME(4), tm6 TIME(6),
  c CHAR(5), v VARCHAR(400), bl MEDIUMBLOB, bits BIT(7), e ENUM('a','b','c'), s SET('x','y','z'), j JSON,
  g POINT, u UUID, ip INET6`;

/** Rows at the limits, then generated ones (every 11th column NULL in turn). */
const ROWS = [
  `(1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, 0, 0, 0, 0, -99999999999999999999999999999999999.999999999999999999999999999999,
    '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.00',
    '-838:59:59', '-838:59:59.9999', '-00:00:00.000001', '', '', '', b'0', 'a', '', '{}', POINT(0, 0), '00000000-0000-0000-0000-000000000000', '::')`,
  `(2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 99999999, 18446744073709551615, 255, 1, 2155, 99999999999999999999999999999999999.999999999999999999999999999999,
    '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07', '2038-01-19 03:14:07.99',
    '838:59:59', '838:59:59.9999', '838:59:59.999999', 'abcde', REPEAT('x''\\\\"\\n', 80), REPEAT(UNHEX('00FF275C0A0D1A22'), 9000), b'1111111', 'c', 'x,y,z', '{"a": [1, "\\\\u00e9"]}', POINT(-1.5, 1e300), 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')`,
  `(3, -1, 1, -1, 1, -1, 1, -1, 1, -4294967296, 4294967296, 1, 4294967296, 7, 0, 1901, 0.000000000000000000000000000001,
    '2020-00-00', '2020-02-00 01:02:03', '1000-01-01 00:00:00.5', '2024-02-29 12:00:00.05', '2024-02-29 12:00:00.000005', '1970-01-01 00:00:01', '1999-12-31 23:59:59.01',
    '00:00:00', '-00:00:01.5', '-12:00:01.000100', ' a', '', '', b'1', 'b', 'y', 'null', POINT(1, 2), 'f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f', '192.0.2.1')`,
  `(4, ${Array.from({ length: 36 }, () => 'NULL').join(', ')})`,
];

function generatedRows(db: string): string {
  const col = (k: number, expr: string): string => `IF(seq % 11 = ${k % 11}, NULL, ${expr})`;
  return `INSERT INTO \`${db}\`.t SELECT seq + 10,
    ${col(0, '(seq % 256) - 128')}, ${col(1, 'seq % 256')}, ${col(2, '(seq * 7) % 65536 - 32768')}, ${col(3, '(seq * 7) % 65536')},
    ${col(4, '(seq * 977) % 16777216 - 8388608')}, ${col(5, '(seq * 977) % 16777216')}, ${col(6, 'CAST(seq * 2654435761 % 4294967296 AS SIGNED) - 2147483648')},
    ${col(7, 'seq * 2654435761 % 4294967296')}, ${col(8, 'CAST(seq AS SIGNED) * -1000000007 * 92233')}, ${col(9, 'seq * 1844674407370955')},
    ${col(10, 'seq % 100000000')}, ${col(0, 'seq * 1000003')}, ${col(1, 'seq % 256')}, ${col(2, 'seq % 2')}, ${col(3, '1901 + seq % 255')},
    ${col(4, "CAST(CONCAT(seq, '.', seq * 31) AS DECIMAL(65,30)) * IF(seq % 2, 1, -1)")},
    ${col(5, "DATE('1000-01-01') + INTERVAL (seq * 37) % 3000000 DAY")}, ${col(6, "TIMESTAMP('1000-01-01') + INTERVAL seq * 86413571 SECOND")},
    ${col(7, "TIMESTAMP('1970-01-01') + INTERVAL seq * 1234567 * 100000 MICROSECOND")}, ${col(8, "TIMESTAMP('2001-01-01') + INTERVAL seq * 3011 * 1000 MICROSECOND")},
    ${col(9, "TIMESTAMP('2001-01-01') + INTERVAL seq * 987654321 MICROSECOND")}, ${col(10, "FROM_UNIXTIME(1 + seq * 104729)")},
    ${col(0, "FROM_UNIXTIME(1 + seq * 104729) + INTERVAL (seq % 100) * 10000 MICROSECOND")},
    ${col(1, 'SEC_TO_TIME((seq * 7919) % 6040000 - 3020000)')}, ${col(2, 'SEC_TO_TIME(((seq * 7919) % 6040000 - 3020000) + (seq % 10000) / 10000)')},
    ${col(3, 'SEC_TO_TIME(((seq * 7919) % 6040000 - 3020000) + (seq % 1000000) / 1000000)')},
    ${col(4, 'LEFT(MD5(seq), seq % 6)')}, ${col(5, "REPEAT(CONCAT(CHAR(seq % 128), 'ü'), seq % 200)")}, ${col(6, 'IF(seq % 50 = 0, REPEAT(UNHEX(SHA2(seq, 256)), 2100), UNHEX(SHA2(seq, 256)))')},
    ${col(7, 'seq % 128')}, ${col(8, '1 + seq % 3')}, ${col(9, 'seq % 8')}, ${col(10, "JSON_OBJECT('n', seq, 's', MD5(seq))")},
    ${col(0, 'POINT(seq, -seq / 3)')}, ${col(1, "CAST(CONCAT(LEFT(MD5(seq), 8), '-0000-0000-0000-', RIGHT(MD5(seq), 12)) AS UUID)")}, ${col(2, "INET6_NTOA(UNHEX(MD5(seq)))")}
    FROM (SELECT CAST(seq AS SIGNED) AS seq FROM \`${db}\`.seq_1_to_3000) AS n`;
}

/** The bytes one chunk file of `format` holds for the table, read through one protocol. */
async function encodeTable(session: Session, table: CatalogTable, format: DataFormat, binary: boolean): Promise<{ bytes: Buffer; layout: Uint8Array | null }> {
  const encoder = createRowEncoder(format, { table: table.name, columns: table.columns, statementSize: 4096 });
  const sql = `SELECT ${table.columns.filter((c) => c.dumped).map(selectExpr).join(', ')} FROM \`${table.database}\`.\`${table.name}\` ORDER BY id`;
  let layout: Uint8Array | null = null;
  const batches = binary
    ? session.binaryRowBatches(sql, binaryLayout, (l) => {
        layout = l;
        encoder.useBinaryRows(l);
      })
    : session.wireRowBatches(sql);
  const parts: Buffer[] = [];
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; ) {
      i = encoder.pushRows(batch, i, 64 * 1024);
      if (encoder.pending >= 64 * 1024) parts.push(Buffer.from(encoder.take()));
    }
  }
  encoder.finish();
  parts.push(Buffer.from(encoder.take()));
  encoder.dispose();
  return { bytes: Buffer.concat(parts), layout };
}

async function openWorker(s: Pick<TestServerInfo, 'host' | 'port' | 'user' | 'password'>): Promise<Session> {
  return Session.open({ host: s.host, port: s.port, user: s.user, password: s.password }, DUMP_WORKER);
}

async function createTable(admin: AdminSession, db: string): Promise<void> {
  await admin.query(`CREATE DATABASE \`${db}\``);
  await admin.query(`CREATE TABLE \`${db}\`.t (${COLUMNS})`);
  await admin.query("SET SESSION sql_mode = '', time_zone = '+00:00'");
  await admin.query(`INSERT INTO \`${db}\`.t VALUES ${ROWS.join(', ')}`);
  await admin.query(generatedRows(db));
}

describe('chunks read through the binary protocol', () => {
  let admin: AdminSession;
  const db = uniqueDb('binproto');

  beforeAll(async () => {
    admin = await adminSession();
    await createTable(admin, db);
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
  });

  it('writes the same bytes as the text protocol, in CSV and SQL, every type at its limits', async () => {
    const session = await openWorker(testServer());
    try {
      const [table] = await readTables(session, db, await detectFlavor(session));
      expect(table!.name).toBe('t');
      expect(binaryReadable(table!.columns, null)).toBe(true);
      for (const format of ['csv', 'sql'] as const) {
        const text = await encodeTable(session, table!, format, false);
        const binary = await encodeTable(session, table!, format, true);
        // the binary protocol was used, and sent integers and temporal values as bytes
        const layout = binary.layout!;
        expect(Array.from({ length: layout.length / 4 }, (_, i) => layout[4 * i]).filter((k) => k !== 0)).toHaveLength(28); // id, 15 integers, 10 temporal values, the ENUM and SET indexes
        expect(text.bytes.length).toBeGreaterThan(1_000_000);
        if (!binary.bytes.equals(text.bytes)) {
          const at = binary.bytes.findIndex((b, i) => b !== text.bytes[i]);
          expect(binary.bytes.subarray(Math.max(0, at - 200), at + 80).toString('latin1'), `${format}: first difference at byte ${at}`).toBe(text.bytes.subarray(Math.max(0, at - 200), at + 80).toString('latin1'));
        }
        expect(binary.bytes.equals(text.bytes), format).toBe(true);
      }
    } finally {
      await session.close();
    }
  }, 120_000);

  it('reads through the text protocol a result the layout cannot read (a column altered to DOUBLE after the catalog was read)', async () => {
    const db2 = uniqueDb('binproto_alter');
    await admin.query(`CREATE DATABASE \`${db2}\``);
    try {
      await admin.query(`CREATE TABLE \`${db2}\`.t (id INT PRIMARY KEY, v INT)`);
      await admin.query(`INSERT INTO \`${db2}\`.t SELECT seq, seq * 3 FROM \`${db2}\`.seq_1_to_100`);
      const session = await openWorker(testServer());
      try {
        const [table] = await readTables(session, db2, await detectFlavor(session));
        expect(binaryReadable(table!.columns, null)).toBe(true);
        await admin.query(`ALTER TABLE \`${db2}\`.t MODIFY v DOUBLE`);
        const text = await encodeTable(session, table!, 'csv', false);
        const binary = await encodeTable(session, table!, 'csv', true);
        expect(binary.layout).toBeNull();
        expect(binary.bytes.equals(text.bytes)).toBe(true);
        expect(await session.scalar('SELECT 1')).toBe('1');
      } finally {
        await session.close();
      }
    } finally {
      await dropDbs(db2);
    }
  }, 120_000);

  it('a stream left early, or asked to stop before it began, leaves the session usable and no statement prepared', async () => {
    const session = await openWorker(testServer());
    const sql = `SELECT id, v, bl FROM \`${db}\`.t ORDER BY id`;
    // this session's own counters (the server's Prepared_stmt_count counts other tests' statements too)
    const status = async (name: string): Promise<number> => Number(await session.scalar(`SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = '${name}'`));
    const prepared = async (): Promise<number> => (await status('COM_STMT_PREPARE')) - (await status('COM_STMT_CLOSE'));
    try {
      for (const binary of [true, false]) {
        let batches = 0;
        const stream = binary ? session.binaryRowBatches(sql, binaryLayout, () => undefined) : session.wireRowBatches(sql, undefined, 16, 16 * 1024);
        for await (const batch of stream) {
          expect(batch.length).toBeGreaterThan(0);
          if (++batches === 2) break;
        }
        expect(await session.scalar('SELECT 2'), binary ? 'binary' : 'text').toBe('2');
        // stopped mid-stream (Ctrl-C): the rest of the result drains while nothing reads it
        const mid = new AbortController();
        const stopped = (async () => {
          const s = binary ? session.binaryRowBatches(sql, binaryLayout, () => undefined, mid.signal) : session.wireRowBatches(sql, mid.signal, 16, 16 * 1024);
          for await (const _ of s) mid.abort();
        })();
        await expect(stopped).rejects.toMatchObject({ code: 'interrupted' });
        expect(await session.scalar('SELECT 4'), binary ? 'binary, stopped' : 'text, stopped').toBe('4');
      }
      const stop = new AbortController();
      stop.abort();
      await expect((async () => {
        for await (const _ of session.binaryRowBatches(sql, binaryLayout, () => undefined, stop.signal)) void _;
      })()).rejects.toMatchObject({ code: 'interrupted' });
      expect(await session.scalar('SELECT 3')).toBe('3');
      expect(await status('COM_STMT_PREPARE')).toBeGreaterThan(0);
      expect(await prepared()).toBe(0);
    } finally {
      await session.close();
    }
  }, 120_000);

  it('leaves on the text protocol a table with FLOAT, DOUBLE or a type it does not know, and a --where with a ?', () => {
    const col = (dataType: string, columnType = dataType, codec: 'number' | 'float' | 'text' = 'number') => ({ dataType, columnType, codec, dumped: true });
    expect(binaryReadable([col('int'), col('double')], null)).toBe(false);
    expect(binaryReadable([col('int'), col('float', 'float', 'float')], null)).toBe(false);
    expect(binaryReadable([col('int'), { ...col('double'), dumped: false }], null)).toBe(true);
    expect(binaryReadable([col('year', 'year(4)')], null)).toBe(true);
    expect(binaryReadable([col('int')], "note = '?'")).toBe(false);
    expect(binaryReadable([col('vector', 'vector(3)', 'text')], null)).toBe(false);
  });
});

describe('a server that prepares no more statements', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('binproto_full');

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
    await createTable(admin, db);
    await admin.query('SET GLOBAL max_prepared_stmt_count = 0');
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
  });

  it('is read through the text protocol, the same bytes', async () => {
    const session = await openWorker(server.info);
    try {
      const [table] = await readTables(session, db, await detectFlavor(session));
      const text = await encodeTable(session, table!, 'csv', false);
      const fallback = await encodeTable(session, table!, 'csv', true);
      expect(fallback.layout).toBeNull();
      expect(fallback.bytes.equals(text.bytes)).toBe(true);
    } finally {
      await session.close();
    }
  }, 120_000);
});
