/**
 * The edge-case corpus of issue 4: one database holding every type, value, key shape and object kind
 * that a dump → load round trip must reproduce byte for byte.
 *
 * `createCorpus(session, db)` creates `db` (utf8mb4_unicode_ci, not the server default) and fills it.
 * The result is deterministic (fixed session timestamp, no RAND/UUID evaluated by the server), so two
 * calls with different names give databases the checker considers equal.
 *
 * MariaDB-only parts (SEQUENCE, sequence defaults) and MySQL-only syntax are chosen by reading
 * @@version; everything else uses syntax both accept.
 */
import { createHash } from 'node:crypto';
import { quoteIdent, stringLiteral } from '../../src/core/ident.js';

/** The slice of a session the corpus and the checker need (AdminSession and db/Session both fit). */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export type CorpusFlavor = 'mariadb' | 'mysql';

export interface CorpusInfo {
  readonly database: string;
  readonly flavor: CorpusFlavor;
  /** Tables that hold enough rows to be split into several chunks with --rows 5000 or --chunk-size 256K. */
  readonly bigTables: readonly string[];
}

/** A definer account the corpus's views/routines/triggers/events name explicitly (locked: nobody logs in). */
export const CORPUS_DEFINER_USER = 'tsdump_definer';
export const CORPUS_DEFINER = "`tsdump_definer`@`localhost`";

/** Session timestamp while the corpus is built: NOW()/CURRENT_TIMESTAMP defaults become deterministic. */
const FIXED_TIMESTAMP = 1_700_000_000.123456;
const PERMISSIVE_MODE = 'NO_ENGINE_SUBSTITUTION';

export const COMPOSITE_TABLE = 'keys_composite';
export const SPARSE_TABLE = 'keys_sparse';
export const VARCHAR_CI_TABLE = 'keys_varchar_ci';
export const QUOTED_TABLE = 'we`ird name.with/slash';
export const UNICODE_TABLE = 'täblé_名前_ünïcödé';
export const LONG_TABLE = 'ü'.repeat(64);
export const LONG_ASCII_TABLE = 'long_' + 'x'.repeat(59);

/** Strings that break naive CSV/SQL encoders. */
export const NASTY_STRINGS: readonly (string | null)[] = [
  null,
  '',
  'NULL',
  'null',
  '\\N',
  '\\\\N',
  'N',
  '\\',
  '\\\\',
  '"',
  "'",
  "''",
  '""',
  ',',
  ',,',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\n\r',
  '\0',
  'a\0b',
  '\x1a',
  '\\0',
  '\\Z',
  'a,b"c\'d\\e\nf\tg\rh',
  '"quoted, with comma"',
  'trailing backslash\\',
  '  leading and trailing spaces  ',
  'trailing spaces   ',
  ' ',
  '😀',
  '𝄞 music',
  'e\u0301 combining',
  'Z\u0364\u0354\u0347\u0351\u0313a\u0308l\u036e\u0312g\u030co',
  'שלום עולם',
  '\ufeffBOM',
  '\u200b zero width',
  'ß ss ẞ',
  'Ünïcödé ñ',
  '名前',
  '\x7f del',
  '-- comment',
  '/* comment */',
  ';',
  'x'.repeat(190),
];

export interface CorpusOptions {
  /**
   * The database name that string literals mention (default: `db`). Two corpora meant to compare equal
   * must agree on it; a restored copy keeps the source's name in its literals.
   */
  readonly nameInLiterals?: string;
}

export async function createCorpus(session: SqlSession, db: string, options: CorpusOptions = {}): Promise<CorpusInfo> {
  const flavor = await readFlavor(session);
  const b = new CorpusBuilder(session, db, flavor, options.nameInLiterals ?? db);
  await b.build();
  const bigTables = [SPARSE_TABLE, COMPOSITE_TABLE, VARCHAR_CI_TABLE, 'keyless_dups', 'unique_only'];
  // the statistics a dump plans its chunks by (TABLE_ROWS) are recalculated in the background after
  // a bulk insert: without this a dump right after the build sometimes saw the big tables as small
  // and made one chunk of each (fidelity.test.ts's "split into several chunks", seen failing once)
  for (const t of bigTables) await session.query(`ANALYZE TABLE ${quoteIdent(db)}.${quoteIdent(t)}`);
  return { database: db, flavor, bigTables };
}

export async function readFlavor(session: SqlSession): Promise<CorpusFlavor> {
  const rows = await session.query<{ v: unknown }>('SELECT @@version AS v');
  return /mariadb/i.test(String(rows[0]?.v ?? '')) ? 'mariadb' : 'mysql';
}

// ---------------------------------------------------------------------------------------------
// literals
// ---------------------------------------------------------------------------------------------

function str(v: string | null): string {
  return v === null ? 'NULL' : stringLiteral(v);
}

function bin(v: Buffer | null): string {
  return v === null ? 'NULL' : `X'${v.toString('hex')}'`;
}

function latin1Safe(v: string | null): string | null {
  if (v === null) return null;
  return /^[\x00-\x7f\u00a0-\u00ff]*$/.test(v) ? v : null;
}

function bmpOnly(v: string | null): string | null {
  if (v === null) return null;
  return /[\u{10000}-\u{10ffff}]/u.test(v) ? null : v;
}

/** Deterministic pseudo-random bytes. */
function bytesFor(seed: string, n: number): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  let len = 0;
  while (len < n) {
    const h = createHash('sha256').update(`${seed}:${i++}`).digest();
    out.push(h);
    len += h.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

function allBytes(): Buffer {
  return Buffer.from(Array.from({ length: 256 }, (_, i) => i));
}

function nasty(i: number): string | null {
  return NASTY_STRINGS[i % NASTY_STRINGS.length] ?? null;
}

function caseVariant(word: string, i: number): string {
  return [...word].map((c, k) => (((i >> k) & 1) === 1 ? c.toUpperCase() : c.toLowerCase())).join('');
}

// ---------------------------------------------------------------------------------------------
// builder
// ---------------------------------------------------------------------------------------------

class CorpusBuilder {
  private readonly q: string;

  constructor(
    private readonly s: SqlSession,
    private readonly db: string,
    private readonly flavor: CorpusFlavor,
    private readonly literalDb: string,
  ) {
    this.q = quoteIdent(db);
  }

  private async run(sql: string): Promise<void> {
    try {
      await this.s.query(sql);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new Error(`corpus statement failed: ${m}\n${sql.length > 2000 ? sql.slice(0, 2000) + ' …' : sql}`);
    }
  }

  private t(name: string): string {
    return `${this.q}.${quoteIdent(name)}`;
  }

  /** Multi-row INSERT in batches; `rows` are already SQL literal tuples without parentheses. */
  private async insert(table: string, columns: readonly string[], rows: readonly string[], batch = 500): Promise<void> {
    const cols = columns.map(quoteIdent).join(', ');
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch).map((r) => `(${r})`);
      await this.run(`INSERT INTO ${this.t(table)} (${cols}) VALUES ${part.join(',\n')}`);
    }
  }

  async build(): Promise<void> {
    await this.run(`DROP DATABASE IF EXISTS ${this.q}`);
    await this.run(`CREATE DATABASE ${this.q} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await this.run(`SET SESSION sql_mode = '${PERMISSIVE_MODE}'`);
    await this.run(`SET SESSION time_zone = '+00:00'`);
    await this.run(`SET SESSION timestamp = ${FIXED_TIMESTAMP}`);
    await this.run('SET SESSION foreign_key_checks = 0');
    try {
      await this.definer();
      await this.integers();
      await this.decimals();
      await this.floats();
      await this.temporal();
      await this.strings();
      await this.lobs();
      await this.binaries();
      await this.enumsSets();
      await this.json();
      await this.spatial();
      if (this.flavor === 'mariadb') await this.sequence();
      if (this.flavor === 'mysql') await this.mysqlOnly();
      await this.generatedAndDefaults();
      await this.keyShapes();
      await this.partitioned();
      await this.foreignKeys();
      await this.fulltext();
      await this.quotedNames();
      await this.routines();
      await this.views();
      await this.triggers();
      await this.events();
    } finally {
      await this.run('SET SESSION foreign_key_checks = 1');
      await this.run('SET SESSION timestamp = DEFAULT');
      await this.run('SET SESSION time_zone = DEFAULT');
      await this.run('SET SESSION sql_mode = DEFAULT');
      await this.run('SET NAMES utf8mb4');
    }
  }

  private async definer(): Promise<void> {
    await this.run(`CREATE USER IF NOT EXISTS ${CORPUS_DEFINER} ACCOUNT LOCK`);
    await this.run(`GRANT ALL PRIVILEGES ON *.* TO ${CORPUS_DEFINER}`);
  }

  private async integers(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('integers')} (
      id INT NOT NULL PRIMARY KEY,
      ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
      mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
      bi BIGINT, biu BIGINT UNSIGNED, zf INT(8) UNSIGNED ZEROFILL,
      bool_col BOOLEAN, b1 BIT(1), b5 BIT(5), b64 BIT(64)
    )`);
    const cols = ['id', 'ti', 'tiu', 'si', 'siu', 'mi', 'miu', 'i', 'iu', 'bi', 'biu', 'zf', 'bool_col', 'b1', 'b5', 'b64'];
    await this.insert('integers', cols, [
      "1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, 0, -128, b'0', b'00000', b'0'",
      "2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 4294967295, 127, b'1', b'11111', X'FFFFFFFFFFFFFFFF'",
      '3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0',
      '4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
      "5, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, 1, 1, b'1', b'10101', X'8000000000000000'",
      "6, -127, 254, -32767, 65534, -8388607, 16777214, -2147483647, 4294967294, -9223372036854775807, 18446744073709551614, 42, 2, b'0', b'01010', X'7FFFFFFFFFFFFFFF'",
      "7, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, b'1', b'00001', X'0000000000000001'",
    ]);
  }

  private async decimals(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('decimals')} (
      id INT NOT NULL PRIMARY KEY, d DECIMAL(65,30), d0 DECIMAL(65,0), d2 DECIMAL(5,2), du DECIMAL(10,4) UNSIGNED
    )`);
    const max = '9'.repeat(35) + '.' + '9'.repeat(30);
    const tiny = '0.' + '0'.repeat(29) + '1';
    const n65 = '9'.repeat(65);
    await this.insert('decimals', ['id', 'd', 'd0', 'd2', 'du'], [
      `1, ${max}, ${n65}, 999.99, 999999.9999`,
      `2, -${max}, -${n65}, -999.99, 0`,
      `3, ${tiny}, 1, 0.01, 0.0001`,
      `4, -${tiny}, -1, -0.01, 0.0001`,
      '5, 0, 0, 0, 0',
      '6, NULL, NULL, NULL, NULL',
      `7, 12345678901234567890123456789012345.123456789012345678901234567890, 100000000000000000000000000000000000000000000000000000000000000, 1.5, 1.5`,
    ]);
  }

  private async floats(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('floats')} (id INT NOT NULL PRIMARY KEY, f FLOAT, d DOUBLE, fs FLOAT(10,4))`);
    const pairs: [string, string, string][] = [
      ['0.1', '0.1', '0.1'],
      ['16777217', '9007199254740993', '123456.7891'],
      ['3.4028234663852886e38', '1.7976931348623157e308', '-999999.9999'],
      ['-3.4028234663852886e38', '-1.7976931348623157e308', '0'],
      ['1.17549435e-38', '2.2250738585072014e-308', '0.0001'],
      ['1e-45', '5e-324', '-0.0001'],
      ['1.0000001', '0.30000000000000004', '1'],
      ['0.3', '1e21', '2'],
      ['123456789', '1e-7', '3'],
      ['-0.0', '-0.0', '4'],
      ['3.1415927', '3.141592653589793', '5'],
      ['NULL', 'NULL', 'NULL'],
      ['1.5e-40', '123456789012345678', '6'],
      ['2.7182817', '2.718281828459045', '7'],
    ];
    await this.insert('floats', ['id', 'f', 'd', 'fs'], pairs.map(([f, d, fs], i) => `${i + 1}, ${f}, ${d}, ${fs}`));
  }

  private async temporal(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('temporal')} (
      id INT NOT NULL PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, t TIME(6), y YEAR,
      dt0 DATETIME, ts0 TIMESTAMP NULL DEFAULT NULL, t0 TIME
    )`);
    // inserted with time_zone '+00:00': the ts values are UTC instants. In America/New_York,
    // 05:30 and 06:30 UTC on 2024-11-03 are both 01:30 local (the fall-back ambiguity).
    const rows: string[] = [
      "1, '1000-01-01', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000', '-838:59:59.999999', 1901, '1000-01-01 00:00:00', '1970-01-01 00:00:01', '-838:59:59'",
      "2, '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.999999', 2155, '9999-12-31 23:59:59', '2038-01-19 03:14:07', '838:59:59'",
      "3, '0000-00-00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00.000000', '00:00:00.000000', 0, '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00'",
      "4, '2024-00-15', '2024-00-00 12:00:00.500000', NULL, '-00:00:00.000001', 2000, '2024-02-00 00:00:00', NULL, '-00:00:01'",
      "5, '2024-02-00', '0000-01-01 00:00:00.000001', '2024-11-03 05:30:00.000000', '25:00:00.000000', 1970, '2024-11-03 01:30:00', '2024-11-03 05:30:00', '100:00:00'",
      "6, '0000-01-01', '2024-11-03 01:30:00.000000', '2024-11-03 06:30:00.000000', '-25:30:00.500000', 1999, '2024-11-03 01:30:00', '2024-11-03 06:30:00', '-100:00:00'",
      "7, '2024-02-29', '2024-03-10 02:30:00.000000', '2024-11-03 05:59:59.999999', '23:59:59.999999', 2024, '2024-03-10 02:30:00', '2024-11-03 05:59:59', '23:59:59'",
      "8, '2024-11-03', '2024-11-03 01:59:59.999999', '2024-11-03 06:00:00.000000', '-23:59:59.999999', 2069, '2024-11-03 01:59:59', '2024-11-03 06:00:00', '-23:59:59'",
      "9, '1969-12-31', '1969-12-31 23:59:59.999999', '2024-03-10 06:59:59.999999', '00:00:00.000001', 1955, NULL, '2024-03-10 06:59:59', NULL",
      "10, '2000-01-01', '2000-01-01 00:00:00.000000', '2024-03-10 07:00:00.000000', '12:34:56.789012', 2001, '2000-01-01 00:00:00', '2024-03-10 07:00:00', '12:34:56'",
      '11, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL',
    ];
    await this.insert('temporal', ['id', 'd', 'dt', 'ts', 't', 'y', 'dt0', 'ts0', 't0'], rows);
  }

  private async strings(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('strings')} (
      id INT NOT NULL PRIMARY KEY,
      v VARCHAR(200),
      vb VARCHAR(200) COLLATE utf8mb4_bin,
      l1 VARCHAR(200) CHARACTER SET latin1,
      u3 VARCHAR(200) CHARACTER SET utf8mb3,
      u16 VARCHAR(200) CHARACTER SET utf16,
      c CHAR(30),
      cbin CHAR(30) COLLATE utf8mb4_bin,
      t TEXT,
      tl1 TEXT CHARACTER SET latin1 COLLATE latin1_bin,
      vbin VARBINARY(400),
      tbin BLOB COMMENT 'column comment: back\\\\slash, ''quote'', "dq", tab\there, ü😀'
    ) COMMENT 'table comment: back\\\\slash \\\\N, ''quote'', newline\nü😀'`);
    const rows = NASTY_STRINGS.map((v, i) => {
      const trimmedForChar = v === null ? null : v.slice(0, 30);
      return [
        String(i + 1),
        str(v),
        str(v),
        str(latin1Safe(v)),
        str(bmpOnly(v)),
        str(v),
        str(trimmedForChar),
        str(trimmedForChar),
        str(v),
        str(latin1Safe(v)),
        v === null ? 'NULL' : bin(Buffer.from(v, 'utf8')),
        v === null ? 'NULL' : bin(Buffer.from(v, 'utf16le')),
      ].join(', ');
    });
    // CHAR keeps no trailing spaces, VARCHAR keeps them; the checker sees the difference.
    rows.push(`1000, 'abc   ', 'abc   ', 'abc   ', 'abc   ', 'abc   ', 'abc   ', 'abc   ', 'abc\t  ', 'abc  ', X'61626320200000', X'20'`);
    await this.insert('strings', ['id', 'v', 'vb', 'l1', 'u3', 'u16', 'c', 'cbin', 't', 'tl1', 'vbin', 'tbin'], rows);
  }

  private async lobs(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('big_lobs')} (
      id INT NOT NULL PRIMARY KEY, lt LONGTEXT, lt1 LONGTEXT CHARACTER SET latin1, lb LONGBLOB, mb MEDIUMBLOB
    )`);
    const all = allBytes().toString('hex');
    // 3 MiB of every byte value; ~2.5 MB of text with escapes, 4-byte and combining characters
    await this.run(
      `INSERT INTO ${this.t('big_lobs')} (id, lt, lt1, lb, mb) VALUES (1,
        REPEAT(${str('a,b"c\\d\te\nf\rg\0h\x1aé😀e\u0301名\\N NULL ')}, 80000),
        REPEAT(_latin1 X'${all}', 8192),
        REPEAT(X'${all}', 12288),
        REPEAT(X'${Buffer.from(all, 'hex').reverse().toString('hex')}', 4096))`,
    );
    await this.insert('big_lobs', ['id', 'lt', 'lt1', 'lb', 'mb'], ["2, '', '', X'', X''", '3, NULL, NULL, NULL, NULL', `4, 'NULL', '\\\\N', X'5C4E', X'00'`]);
  }

  private async binaries(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('binaries')} (
      id BINARY(16) NOT NULL PRIMARY KEY, vb VARBINARY(256), b8 BINARY(8), tb TINYBLOB
    )`);
    const all = allBytes();
    const special: string[] = [
      `X'00000000000000000000000000000000', ${bin(all)}, X'0000000000000000', X''`,
      `X'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', ${bin(Buffer.from(all).reverse())}, X'FF', NULL`,
      `X'5C4E0000000000000000000000000000', X'5C4E', X'5C4E', X'4E554C4C'`,
      `X'0A0D09225C2C1A000000000000000000', X'', X'0A0D09225C2C1A00', X'0A'`,
      `X'6172E4A4C3C0411EA8C0242AC1300002', NULL, NULL, X'2C'`,
    ];
    const rows = [...special];
    for (let i = 0; i < 2500; i++) {
      const id = bytesFor(`uuid${i}`, 16);
      id[6] = (id[6]! & 0x0f) | 0x40;
      id[8] = (id[8]! & 0x3f) | 0x80;
      rows.push(`${bin(id)}, ${bin(bytesFor(`vb${i}`, i % 257))}, ${bin(bytesFor(`b8${i}`, i % 9))}, ${i % 5 === 0 ? 'NULL' : bin(bytesFor(`tb${i}`, i % 40))}`);
    }
    await this.insert('binaries', ['id', 'vb', 'b8', 'tb'], rows);
  }

  private async enumsSets(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('enums_sets')} (
      id INT NOT NULL PRIMARY KEY,
      e ENUM('a', '', 'b c', 'x,y', 'ü', 'NULL', 'quote''s'),
      s SET('', 'a', 'b', 'ü', 'NULL')
    )`);
    await this.insert('enums_sets', ['id', 'e', 's'], [
      "1, '', ''",
      "2, 'a', 'a'",
      "3, 'b c', 'a,b'",
      "4, 'x,y', 'a,b,ü,NULL'",
      "5, 'ü', 'ü'",
      "6, 'NULL', 'NULL'",
      "7, NULL, NULL",
      "8, 'quote''s', 'b'",
    ]);
  }

  private async json(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('json_docs')} (id INT NOT NULL PRIMARY KEY, j JSON)`);
    const docs: (string | null)[] = [
      '{"a": [1, 2, {"b": null, "c": [true, false]}], "d": {"e": {"f": {"g": "deep"}}}}',
      '{"unicode": "ü😀e\u0301名", "escaped": "\\"quoted\\" \\\\ back\\nslash \\t tab \\u0000 nul", "slash": "a\\/b"}',
      '{"big": 12345678901234567890123456789, "neg": -9223372036854775809, "f": 1.0000000000000002, "e": 1e300, "small": 5e-324}',
      '[]',
      '{}',
      '"just a string, with comma"',
      'null',
      'true',
      '0',
      '[1, "two", 3.0, null, {"k": "v"}]',
      null,
      '{"NULL": "\\\\N", "key with \\"quotes\\"": "value\'s"}',
    ];
    await this.insert('json_docs', ['id', 'j'], docs.map((d, i) => `${i + 1}, ${str(d)}`));
  }

  private async spatial(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('spatial')} (
      id INT NOT NULL PRIMARY KEY, p POINT, poly POLYGON, g GEOMETRY, pk POINT NOT NULL, SPATIAL INDEX (pk)
    )`);
    await this.insert('spatial', ['id', 'p', 'poly', 'g', 'pk'], [
      `1, ST_GeomFromText('POINT(1.5 -2.25)'), ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))'), ST_GeomFromText('LINESTRING(0 0,1 1,2 0.1)'), ST_GeomFromText('POINT(0 0)')`,
      `2, ST_GeomFromText('POINT(0.1 0.30000000000000004)'), NULL, ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,5 5))'), ST_GeomFromText('POINT(1e300 -1e-300)')`,
      `3, NULL, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))'), ST_GeomFromText('POINT(-180 90)')`,
      `4, ST_GeomFromText('POINT(1 2)', 3857), NULL, ST_GeomFromText('POINT(10 20)', 3857), ST_GeomFromText('POINT(2 3)')`,
    ]);
  }

  private async sequence(): Promise<void> {
    await this.run(`CREATE SEQUENCE ${this.t('seq_ids')} START WITH 100 INCREMENT BY 7 MINVALUE 1 MAXVALUE 1000000 CACHE 10`);
    await this.run(`CREATE TABLE ${this.t('seq_user')} (
      id BIGINT NOT NULL DEFAULT (NEXT VALUE FOR ${this.t('seq_ids')}) PRIMARY KEY, v VARCHAR(20)
    )`);
    await this.insert('seq_user', ['v'], ["'first'", "'second'", "'third'"]);
  }

  /** MySQL 8 only: functional index, SRID-restricted geographic column, native JSON with a multi-valued index. */
  private async mysqlOnly(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('mysql8_only')} (
      id INT NOT NULL PRIMARY KEY,
      j JSON,
      geo POINT SRID 4326,
      tags JSON,
      INDEX idx_fn ((id * 2)),
      INDEX idx_tags ((CAST(tags AS UNSIGNED ARRAY))),
      CONSTRAINT chk_id CHECK (id >= 0)
    )`);
    await this.insert('mysql8_only', ['id', 'j', 'geo', 'tags'], [
      `1, ${str('{"k": "ü😀", "n": 12345678901234567890, "f": 0.1}')}, ST_GeomFromText('POINT(45 90)', 4326), '[1, 2, 3]'`,
      "2, NULL, NULL, '[]'",
    ]);
  }

  private async generatedAndDefaults(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('generated')} (
      id INT NOT NULL PRIMARY KEY,
      a INT,
      name VARCHAR(50),
      g_v INT GENERATED ALWAYS AS (a * 2) VIRTUAL,
      g_s VARCHAR(60) GENERATED ALWAYS AS (CONCAT(name, '!')) STORED,
      secret INT INVISIBLE DEFAULT 42,
      secret_txt VARCHAR(20) INVISIBLE,
      KEY idx_gv (g_v)
    )`);
    await this.insert('generated', ['id', 'a', 'name', 'secret', 'secret_txt'], [
      "1, 1, 'one', 7, 'hidden'",
      "2, -5, 'tab\\there', NULL, NULL",
      "3, NULL, NULL, 42, ''",
      `4, 2147483, ${str('ü😀')}, -1, 'NULL'`,
    ]);
    await this.insert('generated', ['id', 'a', 'name'], ['5, 10, \'defaulted\'']);

    await this.run(`CREATE TABLE ${this.t('defaults')} (
      id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      updated TIMESTAMP(6) NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP(6),
      label VARCHAR(40) DEFAULT (CONCAT('lbl-', 'x')),
      tomorrow DATE DEFAULT (CURRENT_DATE + INTERVAL 1 DAY),
      tau DOUBLE DEFAULT (PI() * 2),
      literal VARCHAR(20) DEFAULT 'it''s \\\\N',
      n INT
    ) AUTO_INCREMENT = 10`);
    await this.run(`SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,${PERMISSIVE_MODE}'`);
    await this.insert('defaults', ['id', 'n'], ['0, 0', '1, 1', '5, 5']);
    await this.insert('defaults', ['n'], ['100', '101']);
    await this.run(`SET SESSION sql_mode = '${PERMISSIVE_MODE}'`);
    await this.run(`SET SESSION timestamp = ${FIXED_TIMESTAMP + 3600.5}`);
    await this.run(`UPDATE ${this.t('defaults')} SET n = n + 1 WHERE id = 5`);
    await this.run(`SET SESSION timestamp = ${FIXED_TIMESTAMP}`);
    await this.run(`ALTER TABLE ${this.t('defaults')} AUTO_INCREMENT = 5000000`);

    await this.run(`CREATE TABLE ${this.t('ai_gap')} (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))`);
    await this.insert('ai_gap', ['id', 'v'], ["1, 'a'", "2, 'b'", "3, 'c'"]);
    await this.run(`ALTER TABLE ${this.t('ai_gap')} AUTO_INCREMENT = 9000000000`);
  }

  private async keyShapes(): Promise<void> {
    // big, sparse and negative BIGINT key, with extremes and a far cluster
    await this.run(`CREATE TABLE ${this.t(SPARSE_TABLE)} (
      id BIGINT NOT NULL PRIMARY KEY, payload VARCHAR(200), n DECIMAL(20,6), f DOUBLE, flag BIT(1), at DATETIME(6), ff FLOAT
    )`);
    const sparse: string[] = [];
    const push = (id: string, i: number): void => {
      sparse.push(
        `${id}, ${str(nasty(i))}, ${(i * 1.000001 - 5000).toFixed(6)}, ${i % 11 === 0 ? 'NULL' : String((i * 0.1) / 3)}, b'${i % 2}', '2024-01-01 00:00:00' + INTERVAL ${i * 997} SECOND + INTERVAL ${i % 1000000} MICROSECOND, ${i % 13 === 0 ? 'NULL' : `${i}.1e-3`}`,
      );
    };
    push('-9223372036854775808', 0);
    push('9223372036854775807', 1);
    let n = 2;
    for (let i = 0; i < 22000; i++) push(String((i - 11000) * 1013 + (i % 7)), n++);
    for (let i = 0; i < 50; i++) push(String(1_000_000_000_000_000 + i), n++);
    await this.insert(SPARSE_TABLE, ['id', 'payload', 'n', 'f', 'flag', 'at', 'ff'], sparse, 1000);

    await this.run(`CREATE TABLE ${this.t(COMPOSITE_TABLE)} (
      a INT NOT NULL, b VARCHAR(20) NOT NULL, c DATE NOT NULL, v TEXT, w DOUBLE,
      PRIMARY KEY (a, b, c)
    )`);
    const comp: string[] = [];
    const words = ['alpha', 'Beta', 'gamma', 'DELTA', 'épsilon', 'ZETA', 'eta', 'théta'];
    for (let i = 0; i < 8000; i++) {
      comp.push(`${(i % 50) - 25}, ${str(`${caseVariant(words[i % words.length]!, i)}-${Math.floor(i / 400)}`)}, '2020-01-01' + INTERVAL ${i % 400} DAY, ${str(nasty(i * 3))}, ${i / 7}`);
    }
    await this.insert(COMPOSITE_TABLE, ['a', 'b', 'c', 'v', 'w'], comp, 1000);

    // case-insensitive VARCHAR key: keys differ only in ways the collation considers distinct
    await this.run(`CREATE TABLE ${this.t(VARCHAR_CI_TABLE)} (k VARCHAR(64) NOT NULL PRIMARY KEY, v INT, note VARCHAR(100))`);
    const ci: string[] = [];
    const fixed = ['a', 'B', 'c', 'ñandú', 'Ötzi', 'émile', 'Zebra', 'ß', '😀', '名前', 'e\u0301x', 'Ω', ''];
    fixed.forEach((k, i) => ci.push(`${str(k)}, ${i}, ${str(nasty(i))}`));
    for (let i = 0; i < 6000; i++) {
      const w = caseVariant(['key', 'clé', 'schlüssel', 'ключ'][i % 4]!, i);
      ci.push(`${str(`${w}-${String(i).padStart(5, '0')}`)}, ${i}, ${str(nasty(i + 7))}`);
    }
    await this.insert(VARCHAR_CI_TABLE, ['k', 'v', 'note'], ci, 1000);

    await this.run(`CREATE TABLE ${this.t('keys_varchar_bin')} (k VARCHAR(64) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, v INT)`);
    const binKeys = ['a', 'A', 'á', 'a\u0301', 'Á', 'ß', 'ss', 'SS', '😀', '😁', '', ' lead', 'NULL', '\\N', 'tab\there', 'nl\nhere'];
    await this.insert('keys_varchar_bin', ['k', 'v'], binKeys.map((k, i) => `${str(k)}, ${i}`));

    await this.run(`CREATE TABLE ${this.t('keys_binary')} (k VARBINARY(20) NOT NULL PRIMARY KEY, v INT)`);
    const bk: Buffer[] = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0]), Buffer.from([0xff]), Buffer.from([0x5c]), Buffer.from([0x0a]), Buffer.from('a'), Buffer.from('A')];
    for (let i = 0; i < 1500; i++) bk.push(bytesFor(`k${i}`, 1 + (i % 20)));
    await this.insert('keys_binary', ['k', 'v'], [...new Map(bk.map((b) => [b.toString('hex'), b])).values()].map((b, i) => `${bin(b)}, ${i}`));

    await this.run(`CREATE TABLE ${this.t('unique_only')} (
      code VARCHAR(20) NOT NULL, alt INT NULL, v TEXT, UNIQUE KEY uk_code (code), UNIQUE KEY uk_alt (alt)
    )`);
    const uq: string[] = [];
    for (let i = 0; i < 6000; i++) uq.push(`${str(`C${String(i * 7919 % 100003).padStart(6, '0')}`)}, ${i % 3 === 0 ? 'NULL' : String(i - 3000)}, ${str(nasty(i))}`);
    await this.insert('unique_only', ['code', 'alt', 'v'], uq, 1000);

    await this.run(`CREATE TABLE ${this.t('keyless_dups')} (a INT, b VARCHAR(40), c DOUBLE, d VARBINARY(10))`);
    const kl: string[] = [];
    for (let i = 0; i < 9000; i++) {
      const copies = 1 + (i % 3);
      const row = i % 10 === 0
        ? 'NULL, NULL, NULL, NULL'
        : `${i % 100}, ${str(nasty(i))}, ${i % 4 === 0 ? '0.1' : String(i / 3)}, ${i % 5 === 0 ? 'NULL' : bin(bytesFor(`d${i % 50}`, i % 10))}`;
      for (let c = 0; c < copies; c++) kl.push(row);
    }
    await this.insert('keyless_dups', ['a', 'b', 'c', 'd'], kl, 1000);

    await this.run(`CREATE TABLE ${this.t('empty_table')} (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    await this.run(`CREATE TABLE ${this.t('one_row')} (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
    await this.insert('one_row', ['id', 'v'], ["42, 'only'"]);
  }

  private async partitioned(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('partitioned')} (
      id INT NOT NULL, created DATE NOT NULL, v VARCHAR(40), PRIMARY KEY (id, created)
    ) PARTITION BY RANGE COLUMNS (created) (
      PARTITION p2023 VALUES LESS THAN ('2024-01-01'),
      PARTITION p2024 VALUES LESS THAN ('2025-01-01'),
      PARTITION pmax VALUES LESS THAN (MAXVALUE)
    )`);
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) rows.push(`${i}, '2023-06-01' + INTERVAL ${i % 900} DAY, ${str(nasty(i))}`);
    await this.insert('partitioned', ['id', 'created', 'v'], rows, 1000);
  }

  private async foreignKeys(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('fk_parent')} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))`);
    await this.run(`CREATE TABLE ${this.t('fk_child')} (
      id INT NOT NULL PRIMARY KEY, parent_id INT NULL, KEY k_parent (parent_id),
      CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES ${this.t('fk_parent')} (id) ON DELETE CASCADE ON UPDATE SET NULL
    )`);
    await this.run(`CREATE TABLE ${this.t('fk_self')} (
      id INT NOT NULL PRIMARY KEY, manager_id INT NULL, name VARCHAR(20),
      CONSTRAINT fk_self_manager FOREIGN KEY (manager_id) REFERENCES ${this.t('fk_self')} (id)
    )`);
    await this.insert('fk_parent', ['id', 'name'], ["1, 'one'", "2, 'two'", "3, 'three'"]);
    await this.insert('fk_child', ['id', 'parent_id'], ['1, 1', '2, 1', '3, 3', '4, NULL']);
    // managers have higher ids than their reports: a loader with FK checks on would fail
    await this.insert('fk_self', ['id', 'manager_id', 'name'], ["1, 3, 'worker'", "2, 3, 'worker2'", "3, 4, 'boss'", "4, NULL, 'ceo'", "5, 5, 'self'"]);
  }

  private async fulltext(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('fulltext_docs')} (
      id INT NOT NULL PRIMARY KEY, title VARCHAR(200), body TEXT, FULLTEXT KEY ft_title_body (title, body)
    )`);
    await this.insert('fulltext_docs', ['id', 'title', 'body'], [
      "1, 'MariaDB dump', 'logical dumps and loads of databases'",
      `2, ${str('Ünïcödé title')}, ${str('body with "quotes", commas\nand newlines')}`,
      "3, NULL, NULL",
    ]);
  }

  private async quotedNames(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t(QUOTED_TABLE)} (
      \`select\` INT NOT NULL PRIMARY KEY,
      \`from\` VARCHAR(20),
      \`col with space\` INT,
      \`back\`\`tick\` VARCHAR(10),
      \`dot.col\` INT,
      \`slash/col\` INT
    )`);
    await this.insert(QUOTED_TABLE, ['select', 'from', 'col with space', 'back`tick', 'dot.col', 'slash/col'], [
      "1, 'where', 2, '`', 3, 4",
      "2, NULL, NULL, NULL, NULL, NULL",
    ]);
    await this.run(`CREATE TABLE ${this.t('order')} (\`key\` INT NOT NULL PRIMARY KEY, \`group\` VARCHAR(10), \`select\` INT, \`table\` INT)`);
    await this.insert('order', ['key', 'group', 'select', 'table'], ["1, 'by', 2, 3"]);
    await this.run(`CREATE TABLE ${this.t(UNICODE_TABLE)} (\`çolümn_名\` INT NOT NULL PRIMARY KEY, \`ß\` VARCHAR(10))`);
    await this.insert(UNICODE_TABLE, ['çolümn_名', 'ß'], [`1, ${str('ẞ')}`]);
    await this.run(`CREATE TABLE ${this.t(LONG_TABLE)} (${quoteIdent('c'.repeat(64))} INT NOT NULL PRIMARY KEY)`);
    await this.insert(LONG_TABLE, ['c'.repeat(64)], ['1', '2']);
    await this.run(`CREATE TABLE ${this.t(LONG_ASCII_TABLE)} (id INT NOT NULL PRIMARY KEY)`);
    await this.insert(LONG_ASCII_TABLE, ['id'], ['7']);
  }

  private async routines(): Promise<void> {
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} FUNCTION ${this.t('f_tax')} (x DECIMAL(20,6)) RETURNS DECIMAL(20,6)
      DETERMINISTIC NO SQL COMMENT 'adds 20 % tax'
      RETURN x * 1.2`);
    // body only means what it means under its own sql_mode: || is CONCAT, backslash is literal
    await this.run(`SET SESSION sql_mode = 'PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,ANSI_QUOTES'`);
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} FUNCTION ${this.t('f_label')} (a VARCHAR(50)) RETURNS VARCHAR(120)
      DETERMINISTIC
      RETURN 'pre\\' || a || 'ü'`);
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} PROCEDURE ${this.t('proc with space')} (IN n INT, OUT total BIGINT)
      SQL SECURITY INVOKER COMMENT 'nasty ''comment'' \\n'
      BEGIN
        DECLARE i INT DEFAULT 0;
        SET total = 0;
        WHILE i < n DO
          SET total = total + i;
          SET i = i + 1;
        END WHILE;
        SELECT 'done\\' || n AS "status";
      END`);
    await this.run(`SET SESSION sql_mode = '${PERMISSIVE_MODE}'`);
    await this.run(`CREATE PROCEDURE ${this.t('p_count')} () READS SQL DATA SELECT COUNT(*) FROM ${this.t('one_row')}`);
  }

  private async views(): Promise<void> {
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} SQL SECURITY DEFINER VIEW ${this.t('v_base')} AS
      SELECT id, v, l1 FROM ${this.t('strings')} WHERE id < 20`);
    await this.run(`CREATE ALGORITHM = MERGE DEFINER = ${CORPUS_DEFINER} SQL SECURITY INVOKER VIEW ${this.t('v_on_v')} AS
      SELECT id, UPPER(v) AS uv, CONCAT('"', v, '\\\\') AS decorated FROM ${this.t('v_base')} WHERE id > 1 WITH CASCADED CHECK OPTION`);
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} VIEW ${this.t('v_func')} (ident, taxed, label) AS
      SELECT id, ${this.t('f_tax')}(n), ${this.t('f_label')}(payload) FROM ${this.t(SPARSE_TABLE)} WHERE id BETWEEN 0 AND 100`);
    await this.run(`CREATE VIEW ${this.t('view with `odd` name.v')} AS SELECT \`select\`, \`back\`\`tick\` FROM ${this.t(QUOTED_TABLE)}`);
    await this.run(`CREATE VIEW ${this.t('v_on_v_on_v')} AS SELECT COUNT(*) AS n, 'ü😀' AS lit FROM ${this.t('v_on_v')}`);
    // string literals that name the database: a restore under another name must leave them alone
    await this.run(`CREATE VIEW ${this.t('v_db_literal')} AS SELECT ${str(`${quoteIdent(this.literalDb)}.${quoteIdent('strings')}`)} AS quoted_ref, ${str(this.literalDb)} AS bare_name, COUNT(*) AS n FROM ${this.t('strings')}`);
  }

  private async triggers(): Promise<void> {
    await this.run(`CREATE TABLE ${this.t('triggered')} (id INT NOT NULL PRIMARY KEY, counter INT NOT NULL DEFAULT 0, note VARCHAR(60))`);
    await this.run(`CREATE TABLE ${this.t('audit_log')} (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100))`);
    await this.run(`SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES'`);
    // not idempotent: a loader that creates triggers before loading data changes the counters
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} TRIGGER ${this.t('trg_bi_counter')} BEFORE INSERT ON ${this.t('triggered')}
      FOR EACH ROW SET NEW.counter = NEW.counter + 1, NEW.note = CONCAT(IFNULL(NEW.note, ''), '\\')`);
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} TRIGGER ${this.t('trg_bi_second')} BEFORE INSERT ON ${this.t('triggered')}
      FOR EACH ROW FOLLOWS ${quoteIdent('trg_bi_counter')} SET NEW.counter = NEW.counter * 10`);
    await this.run(`SET SESSION sql_mode = '${PERMISSIVE_MODE}'`);
    // a creation context with another client character set
    await this.run('SET NAMES latin1');
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} TRIGGER ${this.t('trg au log')} AFTER UPDATE ON ${this.t('triggered')}
      FOR EACH ROW INSERT INTO ${this.t('audit_log')} (msg) VALUES (CONCAT('updated ', OLD.id, ' tab\\t'))`);
    await this.run('SET NAMES utf8mb4');
    await this.insert('triggered', ['id', 'counter', 'note'], ["1, 0, 'x'", '2, 5, NULL', `3, -1, ${str('ü😀')}`]);
    await this.run(`UPDATE ${this.t('triggered')} SET note = 'changed' WHERE id = 2`);
  }

  private async events(): Promise<void> {
    await this.run(`SET SESSION time_zone = '+05:30'`);
    await this.run(`SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'`);
    await this.run(`CREATE DEFINER = ${CORPUS_DEFINER} EVENT ${this.t('ev_cleanup')}
      ON SCHEDULE EVERY 1 HOUR STARTS '2031-01-01 00:30:00' ENDS '2032-01-01 00:00:00'
      ON COMPLETION PRESERVE DISABLE COMMENT 'runs hourly; "quoted"'
      DO DELETE FROM ${this.t('audit_log')} WHERE msg = 'x\\'`);
    await this.run(`CREATE EVENT ${this.t('ev_backslash')} ON SCHEDULE EVERY 1 DAY STARTS '2031-01-01 00:00:00' DISABLE
      COMMENT 'back\\slash ''q'' \\n' DO SELECT 'a\\b'`);
    await this.run(`SET SESSION sql_mode = '${PERMISSIVE_MODE}'`);
    await this.run(`CREATE EVENT ${this.t('ev once')} ON SCHEDULE AT '2035-06-01 12:00:00' ON COMPLETION PRESERVE DISABLE
      DO UPDATE ${this.t('one_row')} SET v = 'ran'`);
    await this.run(`SET SESSION time_zone = '+00:00'`);
  }
}
