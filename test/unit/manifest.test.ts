/**
 * Manifest validation (format/manifest.ts): a manifest is the contract between tsdump and tsload, so
 * anything a loader would misread is refused with a bad-dump error (exit 6) naming what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { FORMAT_VERSION, autoIncrementJson, manifestFiles } from '../../src/format/manifest.js';
import { parseManifest } from '../../src/format/manifest-parse.js';

const SHA = 'a'.repeat(64);

type Mutable = Record<string, unknown>;

function chunk(index: number, rows: number, pathName = `db/t.${String(index).padStart(6, '0')}.csv`): Mutable {
  return { index, path: pathName, bytes: 10, sha256: SHA, rows, lower: null, upper: null };
}

function validManifest(): Mutable {
  return {
    format: 'tsdump',
    formatVersion: FORMAT_VERSION,
    toolVersion: '0.1.0',
    dumpId: '00000000-0000-0000-0000-000000000000',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    server: { flavor: 'mariadb', version: '11.4.0', host: '127.0.0.1', port: 3306 },
    snapshot: { mode: 'ftwrl', exact: true, binlog: { file: 'binlog.000001', position: 4 }, gtid: null },
    session: { sqlMode: '', timeZone: '+00:00' },
    options: { format: 'csv', compression: 'none', chunkBytes: 1024, chunkRows: null, statementSize: 1048576, checksum: false, threads: 2, noData: false, noSchema: false },
    databases: [
      {
        name: 'db',
        charset: 'utf8mb4',
        collation: 'utf8mb4_general_ci',
        schema: { path: 'db/database.sql', bytes: 10, sha256: SHA },
        tables: [
          {
            name: 't',
            engine: 'InnoDB',
            schema: { path: 'db/t.table.sql', bytes: 10, sha256: SHA },
            columns: [{ name: 'id', dataType: 'int', columnType: 'int(11)', charset: null, nullable: false, generated: false, invisible: false, dumped: true, codec: 'number' }],
            key: { kind: 'primary', index: 'PRIMARY', columns: [{ name: 'id', literal: 'number', charset: null }] },
            rows: 30,
            bytes: 20,
            autoIncrement: null,
            chunks: [chunk(1, 10), chunk(2, 20)],
          },
        ],
        objects: [],
      },
    ],
  };
}

function table(m: Mutable): Mutable {
  return ((m.databases as Mutable[])[0]!.tables as Mutable[])[0]!;
}

function refusal(m: unknown): TsError {
  try {
    parseManifest(typeof m === 'string' ? m : JSON.stringify(m));
  } catch (e) {
    expect(e).toBeInstanceOf(TsError);
    const err = e as TsError;
    expect(err.code).toBe('bad-dump');
    expect(err.exitCode).toBe(6);
    return err;
  }
  throw new Error('the manifest was accepted');
}

describe('parseManifest', () => {
  it('accepts a valid manifest and lists its files', () => {
    const m = parseManifest(JSON.stringify(validManifest()));
    expect(manifestFiles(m).map((f) => f.path)).toEqual(['db/database.sql', 'db/t.table.sql', 'db/t.000001.csv', 'db/t.000002.csv']);
  });

  it('refuses an unknown format version, saying which versions it reads', () => {
    const m = validManifest();
    m.formatVersion = FORMAT_VERSION + 1;
    expect(refusal(m).message).toMatch(new RegExp(`version ${FORMAT_VERSION + 1} is not supported`));
  });

  it('refuses something that is not a tsdump manifest', () => {
    const m = validManifest();
    m.format = 'mydumper';
    expect(refusal(m).message).toMatch(/not a tsdump manifest/);
  });

  it('refuses a file listed twice', () => {
    const m = validManifest();
    table(m).chunks = [chunk(1, 10), chunk(2, 20, 'db/t.000001.csv')];
    expect(refusal(m).message).toMatch(/db\/t\.000001\.csv' is listed twice/);
  });

  it('refuses a schema file that is also a chunk', () => {
    const m = validManifest();
    table(m).chunks = [chunk(1, 10, 'db/t.table.sql'), chunk(2, 20)];
    expect(refusal(m).message).toMatch(/listed twice/);
  });

  it("refuses table rows that differ from the sum of the chunks' rows", () => {
    const m = validManifest();
    table(m).rows = 31;
    const err = refusal(m);
    expect(err.message).toMatch(/tables\[0\]\.rows/);
    expect(err.message).toMatch(/31 differ from the sum of its chunks' rows 30/);
  });

  it('refuses chunks out of order', () => {
    const m = validManifest();
    table(m).chunks = [chunk(2, 20), chunk(1, 10)];
    expect(refusal(m).message).toMatch(/numbered 1\.\.n/);
  });

  it('refuses negative or fractional sizes and row counts, and bad hashes', () => {
    for (const [field, value] of [
      ['rows', -1],
      ['bytes', 1.5],
      ['sha256', 'xyz'],
      ['bytes', '10'],
    ] as const) {
      const m = validManifest();
      const chunks = table(m).chunks as Mutable[];
      chunks[0]![field] = value;
      if (field === 'rows') table(m).rows = 19;
      expect(refusal(m).message, `${field}=${String(value)}`).toMatch(new RegExp(`chunks\\[0\\]\\.${field}`));
    }
  });

  it('takes an AUTO_INCREMENT counter as a number or, past 2^53 - 1, as its digits; refuses anything else', () => {
    // 18446744073709552000: how a tsdump before the digits wrote 18446744073709551001 (rounded)
    for (const ok of [null, 0, 42, '18446744073709551615', 18446744073709552000]) {
      const m = validManifest();
      table(m).autoIncrement = ok;
      expect(() => parseManifest(JSON.stringify(m)), String(ok)).not.toThrow();
    }
    for (const bad of [-1, 1.5, '12; DROP TABLE t', '', '1e20', true, '123456789012345678901', '18446744073709551616', 1e21]) {
      const m = validManifest();
      table(m).autoIncrement = bad;
      expect(refusal(m).message, String(bad)).toMatch(/tables\[0\]\.autoIncrement/);
    }
    // absent: no counter
    const m = validManifest();
    delete table(m).autoIncrement;
    expect(parseManifest(JSON.stringify(m)).databases[0]!.tables[0]!.autoIncrement).toBeNull();
    expect([autoIncrementJson('42'), autoIncrementJson('9007199254740991'), autoIncrementJson('9007199254740993')]).toEqual([42, 9007199254740991, '9007199254740993']);
  });

  it('refuses unknown enum values (snapshot mode, data format, codec)', () => {
    const a = validManifest();
    (a.snapshot as Mutable).mode = 'yolo';
    expect(refusal(a).message).toMatch(/snapshot\.mode/);
    const b = validManifest();
    (b.options as Mutable).format = 'parquet';
    expect(refusal(b).message).toMatch(/options\.format/);
    const c = validManifest();
    ((table(c).columns as Mutable[])[0]!).codec = 'eval';
    expect(refusal(c).message).toMatch(/codec/);
  });

  it('refuses values that go into statements tsload builds unless they have their shape (no SQL through a tampered manifest)', () => {
    const db = (m: Mutable): Mutable => (m.databases as Mutable[])[0]!;
    const withObject = (context: Mutable): Mutable => {
      const m = validManifest();
      db(m).objects = [{ kind: 'view', name: 'v', file: { path: 'db/v.view.sql', bytes: 10, sha256: SHA }, context }];
      return m;
    };
    const context = { sqlMode: '', characterSetClient: 'utf8mb4', collationConnection: 'utf8mb4_general_ci', databaseCollation: '' };
    expect(() => parseManifest(JSON.stringify(withObject(context)))).not.toThrow();
    const injected = "utf8mb4_general_ci, GLOBAL init_connect='DROP DATABASE prod'";
    expect(refusal(withObject({ ...context, collationConnection: injected })).message).toMatch(/objects\[0\]\.context\.collationConnection: .* is not a character set or collation name/);
    expect(refusal(withObject({ ...context, characterSetClient: 'utf8 --' })).message).toMatch(/context\.characterSetClient/);
    const cs = validManifest();
    db(cs).collation = 'utf8mb4_bin; DROP DATABASE x';
    expect(refusal(cs).message).toMatch(/databases\[0\]\.collation/);
    const port = validManifest();
    (port.server as Mutable).port = '3306, MASTER_SSL=0';
    expect(refusal(port).message).toMatch(/server\.port: expected a non-negative integer/);
    const bigPort = validManifest();
    (bigPort.server as Mutable).port = 70000;
    expect(refusal(bigPort).message).toMatch(/server\.port: port 70000/);
    const pos = validManifest();
    ((pos.snapshot as Mutable).binlog as Mutable).position = '4, MASTER_SSL=0';
    expect(refusal(pos).message).toMatch(/snapshot\.binlog\.position/);
    const up = validManifest();
    (up.snapshot as Mutable).upstream = { host: 7, port: 3306, binlog: null, gtid: null, exact: true };
    expect(refusal(up).message).toMatch(/snapshot\.upstream\.host: expected a string/);
    const key = validManifest();
    ((table(key).key as Mutable).columns as Mutable[])[0]!.name = 5;
    expect(refusal(key).message).toMatch(/key\.columns\[0\]\.name/);
  });

  it('refuses a database, a table or an object listed twice', () => {
    const t = validManifest();
    const first = table(t);
    (t.databases as Mutable[])[0]!.tables = [first, { ...first, schema: { path: 'db/t2.table.sql', bytes: 10, sha256: SHA }, chunks: [chunk(1, 10, 'db/t2.000001.csv'), chunk(2, 20, 'db/t2.000002.csv')] }];
    expect(refusal(t).message).toMatch(/tables\[1\]: table 't' is listed twice/);
    const o = validManifest();
    const view = (n: number): Mutable => ({ kind: 'view', name: 'v', file: { path: `db/v${n}.view.sql`, bytes: 10, sha256: SHA }, context: null });
    (o.databases as Mutable[])[0]!.objects = [view(1), view(2)];
    expect(refusal(o).message).toMatch(/objects\[1\]: object 'view v' is listed twice/);
    const d = validManifest();
    const other = JSON.parse(JSON.stringify((d.databases as Mutable[])[0]!)) as Mutable;
    other.schema = { path: 'db2/database.sql', bytes: 10, sha256: SHA };
    other.tables = [];
    d.databases = [(d.databases as Mutable[])[0]!, other];
    expect(refusal(d).message).toMatch(/databases\[1\]: database 'db' is listed twice/);
  });

  it('refuses truncated or non-JSON text', () => {
    const text = JSON.stringify(validManifest());
    expect(refusal(text.slice(0, text.length - 5)).message).toMatch(/not valid JSON/);
    expect(refusal('').message).toMatch(/not valid JSON/);
    expect(refusal('[]').message).toMatch(/expected an object/);
  });
});

describe('the optional subset field', () => {
  it('a manifest without it, or with a well-formed one, parses', () => {
    expect(parseManifest(JSON.stringify(validManifest())).subset).toBeUndefined();
    const m = validManifest();
    m.subset = { where: [{ database: 'db', table: 't', condition: 'id < 3' }], leftOut: [{ database: 'db', kind: 'view', name: 'v', reason: 'reads db.u, which the dump leaves out' }] };
    expect(parseManifest(JSON.stringify(m)).subset?.where[0]?.condition).toBe('id < 3');
  });

  it('a malformed one is refused naming the field', () => {
    const m = validManifest();
    m.subset = { where: [], leftOut: [{ database: 'db', kind: 'index', name: 'i', reason: 'x' }] };
    expect(() => parseManifest(JSON.stringify(m))).toThrow(/subset\.leftOut\[0\]\.kind: expected one of table, view/);
    m.subset = { where: [{ database: 'db', table: 't' }], leftOut: [] };
    expect(() => parseManifest(JSON.stringify(m))).toThrow(/subset\.where\[0\]\.condition: expected a string/);
  });
});

describe('the optional missing field and snapshot.noCoordinates', () => {
  it('well-formed ones parse', () => {
    const m = validManifest();
    m.missing = [{ kind: 'routine', database: 'db', name: null, reason: 'grant SELECT on mysql.proc' }, { kind: 'view', database: 'db', name: 'v', reason: 'grant SHOW VIEW' }];
    (m.snapshot as Mutable).noCoordinates = "not recorded (--no-coordinates)";
    const parsed = parseManifest(JSON.stringify(m));
    expect(parsed.missing).toHaveLength(2);
    expect(parsed.snapshot.noCoordinates).toMatch(/no-coordinates/);
  });

  it('malformed ones are refused naming the field', () => {
    const m = validManifest();
    m.missing = [{ kind: 'index', database: 'db', name: null, reason: 'x' }];
    expect(() => parseManifest(JSON.stringify(m))).toThrow(/missing\[0\]\.kind: expected one of/);
    m.missing = [{ kind: 'event', database: 'db', name: 3, reason: 'x' }];
    expect(() => parseManifest(JSON.stringify(m))).toThrow(/missing\[0\]\.name: expected a string/);
    const n = validManifest();
    (n.snapshot as Mutable).noCoordinates = true;
    expect(() => parseManifest(JSON.stringify(n))).toThrow(/snapshot\.noCoordinates: expected a string/);
  });
});
