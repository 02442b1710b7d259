/**
 * What the generators need to know about the test server, read once: flavour and version (which types
 * exist), the character sets and collations it has, and for each character set the CHAR_POOL characters
 * it can hold (tried on the server: a character is kept when converting it into the charset and back
 * gives it unchanged).
 */
import type { SqlSession } from './corpus.js';
import type { CharsetInfo } from './gen-values.js';
import { CHAR_POOL } from './gen-values.js';

export interface GenContext {
  readonly flavor: 'mariadb' | 'mysql';
  /** e.g. 101119 for 10.11.19 */
  readonly version: number;
  /** Character sets other than binary (binary columns are BINARY/VARBINARY/BLOB). */
  readonly charsets: readonly CharsetInfo[];
}

/** The character sets the generator draws from, where the server has them. */
export const WANTED_CHARSETS = [
  'utf8mb4', 'utf8mb3', 'utf8', 'latin1', 'ascii', 'ucs2', 'utf16', 'utf16le', 'utf32',
  'cp1251', 'koi8r', 'greek', 'sjis', 'cp932', 'gbk', 'big5', 'euckr',
] as const;

type Row = Record<string, unknown>;

export async function readGenContext(s: SqlSession): Promise<GenContext> {
  const ver = String((await s.query<Row>('SELECT VERSION() AS v'))[0]?.v ?? '');
  const flavor = /mariadb/i.test(ver) ? 'mariadb' : 'mysql';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(ver);
  const version = m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
  const sets = await s.query<Row>('SELECT CHARACTER_SET_NAME AS n, MAXLEN AS l FROM information_schema.CHARACTER_SETS');
  const colls = await s.query<Row>('SELECT COLLATION_NAME AS c, CHARACTER_SET_NAME AS n FROM information_schema.COLLATIONS ORDER BY COLLATION_NAME');
  const charsets: CharsetInfo[] = [];
  for (const name of WANTED_CHARSETS) {
    const row = sets.find((r) => String(r.n) === name);
    // MariaDB 10.6+ lists utf8mb3 and accepts utf8 as its alias: keep only one of them
    if (!row || (name === 'utf8' && charsets.some((c) => c.name === 'utf8mb3'))) continue;
    const collations = colls.filter((c) => String(c.n) === name).map((c) => String(c.c));
    if (collations.length === 0) continue;
    charsets.push({ name, collations, maxLen: Number(row.l), alphabet: await alphabet(s, name) });
  }
  return { flavor, version, charsets };
}

async function alphabet(s: SqlSession, charset: string): Promise<string[]> {
  const exprs = CHAR_POOL.map((_, i) => `HEX(CONVERT(CONVERT(? USING ${charset}) USING utf8mb4)) AS c${i}`);
  const row = (await s.query<Row>(`SELECT ${exprs.join(', ')}`, CHAR_POOL))[0] ?? {};
  return CHAR_POOL.filter((ch, i) => String(row[`c${i}`] ?? '') === Buffer.from(ch, 'utf8').toString('hex').toUpperCase());
}
