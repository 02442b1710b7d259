/**
 * Value arbitraries for the generative round trip (gen-schema.ts): SQL literal text for every column
 * type family, with the edge values weighted in (extremes, zero dates, NUL bytes, the string 'NULL' …).
 *
 * A value is SQL text ready for an INSERT, plus the feature tags it needs: `loose` means the server
 * stores it only under a non-strict sql_mode (the table is then created and filled with sql_mode='').
 * Strings are written as readable literals with backslash escapes (never under NO_BACKSLASH_ESCAPES):
 * a repro must be easy to read and paste.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

export const FEATURE_TAGS = [
  'uuid',
  'inet6',
  'inet4',
  'enum-invalid',
  'enum-empty-member',
  'set-empty-member',
  'loose-value',
  'loose-ddl',
  'system-versioned',
  'ai-secondary-index',
  'big-auto-increment',
  'aria-engine',
  'generated-column',
  'invisible-column',
  'huge-value',
  'partitioned',
  'partition-by-unique-key',
  'hostile-name',
  'ignore-table',
] as const;
export type FeatureTag = (typeof FEATURE_TAGS)[number];

export interface GenValue {
  readonly sql: string;
  readonly tags?: readonly FeatureTag[];
}

/** Which features a generator may use (a feature listed in KNOWN_BROKEN is left out by default). */
export type Allowed = (tag: FeatureTag) => boolean;

// ---------------------------------------------------------------------------------------------
// literals
// ---------------------------------------------------------------------------------------------

/** A readable string literal: backslash escapes for the bytes that need them (not NO_BACKSLASH_ESCAPES-safe). */
export function sqlString(s: string): string {
  let out = "'";
  for (const ch of s) {
    switch (ch) {
      case '\0': out += '\\0'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\x1a': out += '\\Z'; break;
      case '\\': out += '\\\\'; break;
      case "'": out += "''"; break;
      default: out += ch;
    }
  }
  return out + "'";
}

export function sqlHex(b: Uint8Array): string {
  return `X'${Buffer.from(b).toString('hex')}'`;
}

export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

function v(sql: string, ...tags: FeatureTag[]): GenValue {
  return tags.length > 0 ? { sql, tags } : { sql };
}

function weighted<T>(...items: [number, Arbitrary<T>][]): Arbitrary<T> {
  return fc.oneof(...items.filter(([w]) => w > 0).map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

// ---------------------------------------------------------------------------------------------
// characters and strings
// ---------------------------------------------------------------------------------------------

/**
 * Candidate characters; the harness keeps, per character set, those that survive a conversion into it
 * and back on the server (gen-context.ts). Includes double-byte characters whose second byte is 0x5c
 * (a backslash) in sjis/cp932 (ソ 表 十 能), gbk (乗 俓) and big5 (功 許): the classic escaping trap.
 */
export const CHAR_POOL: readonly string[] = [
  ...'abcxyzABCXYZ0129 .-_%|#`~'.split(''),
  '\t', '\n', '\r', '\0', '\\', "'", '"', ',', ';', '\x1a', '\x7f',
  'é', 'ü', 'ß', 'ÿ', 'Ø', '¤', 'µ', '½',
  'Ж', 'я', 'Ё', 'щ', 'Ω', 'λ',
  '日', '本', '中', '文', '한', '글', 'ｱ', '～', '￥',
  'ソ', '表', '十', '能', '乗', '俓', '功', '許',
  '😀', '𝄞', '\u0301', '\ufeff', '\u200b', 'ש',
];

/** Strings that break naive CSV/SQL encoders (kept per charset when all their characters fit). */
export const EDGE_STRINGS: readonly string[] = [
  '', 'NULL', 'null', '\\N', '\\\\N', 'N', '\\', '\\\\', '"', "'", "''", ',', '\t', '\n', '\r\n', '\r',
  '\0', 'a\0b', '\x1a', 'a,b"c\'d\\e\nf\tg\rh', ' ', ' lead', 'trail ', '-- x', '/*', ';', '表\\', 'ソ',
];

export interface CharsetInfo {
  readonly name: string;
  readonly collations: readonly string[];
  /** Most bytes one character takes. */
  readonly maxLen: number;
  /** CHAR_POOL characters this charset holds (empty for binary: bytes are generated instead). */
  readonly alphabet: readonly string[];
}

function fits(cs: CharsetInfo, s: string): boolean {
  const set = new Set(cs.alphabet);
  return [...s].every((c) => set.has(c));
}

/** A string of at most `maxChars` characters the charset holds; huge ones only when `hugeChars` > 0. */
export function textArb(cs: CharsetInfo, maxChars: number, hugeChars: number, allowed: Allowed): Arbitrary<GenValue> {
  const edges = EDGE_STRINGS.filter((s) => [...s].length <= maxChars && fits(cs, s));
  const plain = fc
    .array(fc.constantFrom(...cs.alphabet), { maxLength: Math.min(maxChars, 24) })
    .map((a) => v(sqlString(a.join(''))));
  const huge = fc
    .tuple(fc.integer({ min: Math.min(1000, hugeChars), max: hugeChars }), fc.constantFrom(...cs.alphabet))
    .map(([n, c]) => v(`REPEAT(${sqlString(`${c}x`)}, ${Math.floor(n / 2)})`, 'huge-value'));
  return weighted(
    [6, plain],
    [edges.length > 0 ? 3 : 0, fc.constantFrom(...(edges.length > 0 ? edges : [''])).map((s) => v(sqlString(s)))],
    [hugeChars > 0 && allowed('huge-value') ? 1 : 0, huge],
  );
}

const EDGE_BYTES: readonly number[][] = [[], [0], [0x5c], [0x0a], [0x0d, 0x0a], [0xff], [0x4e, 0x55, 0x4c, 0x4c], [0x5c, 0x4e], [0x22], [0x27], [0x2c], [0x09]];

export function bytesArb(maxBytes: number, hugeBytes: number, allowed: Allowed): Arbitrary<GenValue> {
  const edges = EDGE_BYTES.filter((b) => b.length <= maxBytes);
  const huge = fc.integer({ min: Math.min(1000, hugeBytes), max: hugeBytes }).map((n) => v(`REPEAT(X'005c0aff', ${Math.floor(n / 4)})`, 'huge-value'));
  return weighted(
    [6, fc.uint8Array({ maxLength: Math.min(maxBytes, 32) }).map((b) => v(sqlHex(b)))],
    [3, fc.constantFrom(...edges).map((b) => v(sqlHex(Uint8Array.from(b))))],
    [hugeBytes > 0 && allowed('huge-value') ? 1 : 0, huge],
  );
}

// ---------------------------------------------------------------------------------------------
// numbers
// ---------------------------------------------------------------------------------------------

export function intRange(bits: number, unsigned: boolean): [bigint, bigint] {
  return unsigned ? [0n, (1n << BigInt(bits)) - 1n] : [-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n];
}

export function intArb(bits: number, unsigned: boolean, allowed: Allowed): Arbitrary<GenValue> {
  const [min, max] = intRange(bits, unsigned);
  const edges = [min, max, 0n, 1n, ...(unsigned ? [] : [-1n])];
  return weighted(
    [5, fc.bigInt(min, max).map((n) => v(String(n)))],
    [3, fc.constantFrom(...edges).map((n) => v(String(n)))],
    // clipped to the nearest bound by a non-strict server
    [allowed('loose-value') ? 1 : 0, fc.constantFrom(min - 1n, max + 1n).map((n) => v(String(n), 'loose-value'))],
  );
}

export function decimalArb(precision: number, scale: number, unsigned: boolean, allowed: Allowed): Arbitrary<GenValue> {
  const intDigits = precision - scale;
  const digits = (n: number): Arbitrary<string> => fc.array(fc.constantFrom(...'0123456789'.split('')), { minLength: n, maxLength: n }).map((a) => a.join(''));
  const num = (sign: string, i: string, f: string): string => `${sign}${i.replace(/^0+(?=\d)/, '') || '0'}${scale > 0 ? `.${f}` : ''}`;
  const random = fc
    .tuple(unsigned ? fc.constant('') : fc.constantFrom('', '-'), fc.integer({ min: 0, max: intDigits }).chain((n) => digits(n)), digits(scale))
    .map(([s, i, f]) => v(num(s, i, f)));
  const max = num('', '9'.repeat(intDigits), '9'.repeat(scale));
  const edges = [max, ...(unsigned ? [] : [`-${max}`]), num('', '', '0'.repeat(scale)), scale > 0 ? num('', '', `${'0'.repeat(scale - 1)}1`) : '1'];
  return weighted(
    [5, random],
    [3, fc.constantFrom(...edges).map((s) => v(s))],
    [allowed('loose-value') ? 1 : 0, fc.constant(v(`1${'0'.repeat(intDigits)}`, 'loose-value'))],
  );
}

const DOUBLE_EDGES = ['-0e0', '0', '1.7976931348623157e308', '-1.7976931348623157e308', '2.2250738585072014e-308', '5e-324', '-5e-324', '0.1', '1e15', '123456789012345680000', '3.141592653589793'];
const FLOAT_EDGES = ['-0e0', '0', '3.4028234663852886e38', '-3.4028234663852886e38', '1.1754943508222875e-38', '1.401298464324817e-45', '0.1', '16777217', '3.1415927'];

export function floatArb(single: boolean): Arbitrary<GenValue> {
  const text = (n: number): string => (Object.is(n, -0) ? '-0e0' : String(n));
  const random = single
    ? fc.float({ noNaN: true, noDefaultInfinity: true }).map((n) => v(text(n)))
    : fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => v(text(n)));
  return weighted([5, random], [3, fc.constantFrom(...(single ? FLOAT_EDGES : DOUBLE_EDGES)).map((s) => v(s))]);
}

export function bitArb(bits: number): Arbitrary<GenValue> {
  const max = (1n << BigInt(bits)) - 1n;
  const lit = (n: bigint): GenValue => v(`b'${n.toString(2)}'`);
  return weighted([5, fc.bigInt(0n, max).map(lit)], [2, fc.constantFrom(0n, max, 1n).map(lit)]);
}

// ---------------------------------------------------------------------------------------------
// temporal
// ---------------------------------------------------------------------------------------------

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function dateParts(): Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
}

function timeOfDay(fsp: number): Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 10 ** fsp - 1 }))
    .map(([h, m, s, f]) => `${pad(h)}:${pad(m)}:${pad(s)}${fsp > 0 ? `.${pad(f, fsp)}` : ''}`);
}

function frac(fsp: number, digit: string): string {
  return fsp > 0 ? `.${digit.repeat(fsp)}` : '';
}

export function dateArb(allowed: Allowed): Arbitrary<GenValue> {
  return weighted(
    [5, dateParts().map((s) => v(`'${s}'`))],
    [3, fc.constantFrom('0000-00-00', '1000-01-01', '9999-12-31', '2024-02-29', '2024-00-15', '2024-05-00', '0001-01-01').map((s) => v(`'${s}'`))],
    // an impossible date becomes 0000-00-00 under a non-strict mode
    [allowed('loose-value') ? 1 : 0, fc.constant(v("'2023-02-30'", 'loose-value'))],
  );
}

export function timeArb(fsp: number, allowed: Allowed): Arbitrary<GenValue> {
  const random = fc
    .tuple(fc.constantFrom('', '-'), fc.integer({ min: 0, max: 838 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 10 ** fsp - 1 }))
    .map(([sg, h, m, s, f]) => v(`'${sg}${pad(h)}:${pad(m)}:${pad(s)}${fsp > 0 ? `.${pad(f, fsp)}` : ''}'`));
  const edges = ['-838:59:59', '838:59:59', '00:00:00', `-00:00:00${fsp > 0 ? `.${pad(1, fsp)}` : ''}`, `23:59:59${frac(fsp, '9')}`];
  return weighted(
    [5, random],
    [3, fc.constantFrom(...edges).map((s) => v(`'${s}'`))],
    // clipped to 838:59:59 by a non-strict server
    [allowed('loose-value') ? 1 : 0, fc.constant(v("'839:00:00'", 'loose-value'))],
  );
}

export function datetimeArb(fsp: number): Arbitrary<GenValue> {
  const edges = ['0000-00-00 00:00:00', '1000-01-01 00:00:00', `9999-12-31 23:59:59${frac(fsp, '9')}`, '2024-03-10 02:30:00', '2024-11-03 01:30:00', '2024-00-00 00:00:00'];
  return weighted([5, fc.tuple(dateParts(), timeOfDay(fsp)).map(([d, t]) => v(`'${d} ${t}'`))], [3, fc.constantFrom(...edges).map((s) => v(`'${s}'`))]);
}

/** TIMESTAMP literals are UTC: tables are filled with time_zone '+00:00' (the test server runs in a DST zone). */
export function timestampArb(fsp: number): Arbitrary<GenValue> {
  const random = fc
    .tuple(fc.integer({ min: 1, max: 2_147_483_647 }), fc.integer({ min: 0, max: 10 ** fsp - 1 }))
    .map(([sec, f]) => {
      const iso = new Date(sec * 1000).toISOString().slice(0, 19).replace('T', ' ');
      return v(`'${iso}${fsp > 0 ? `.${pad(f, fsp)}` : ''}'`);
    });
  // the two instants New York calls 2024-11-03 01:30 (EDT, then EST), one just after the spring gap
  const edges = ['0000-00-00 00:00:00', '1970-01-01 00:00:01', `2038-01-19 03:14:07${frac(fsp, '9')}`, '2024-11-03 05:30:00', '2024-11-03 06:30:00', '2024-03-10 07:00:00'];
  return weighted([5, random], [3, fc.constantFrom(...edges).map((s) => v(`'${s}'`))]);
}

export function yearArb(): Arbitrary<GenValue> {
  return weighted([5, fc.integer({ min: 1901, max: 2155 }).map((y) => v(String(y)))], [2, fc.constantFrom('0', '1901', '2155', "'0000'").map((s) => v(s))]);
}

// ---------------------------------------------------------------------------------------------
// documents, spatial, MariaDB's own types
// ---------------------------------------------------------------------------------------------

const JSON_EDGES = ['{}', '[]', 'null', '""', '"NULL"', '"\\\\N"', '{"a\\"b": "c\\\\d\\n\\t", "n": null}', '[1, -0.0, 1e308, 12345678901234567890123]', '{"k": "\\u0000 nul"}', '{"😀": "日本語", "x": [true, false]}'];

export function jsonArb(): Arbitrary<GenValue> {
  return weighted([4, fc.json({ maxDepth: 2 }).map((s) => v(sqlString(s)))], [3, fc.constantFrom(...JSON_EDGES).map((s) => v(sqlString(s)))]);
}

export const GEOMETRY_TYPES = ['GEOMETRY', 'POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION'] as const;
export type GeometryType = (typeof GEOMETRY_TYPES)[number];

function coord(): Arbitrary<string> {
  // the WKT reader takes no exponent: plain decimals only
  const plain = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((n) => n.toFixed(9).replace(/\.?0+$/, '').replace(/^-0$/, '0'));
  return weighted([4, fc.integer({ min: -1000, max: 1000 }).map(String)], [2, plain], [1, fc.constantFrom('123456789012.125', '-0.1', '0.30000000000000004')]);
}

function wkt(kind: Exclude<GeometryType, 'GEOMETRY'>): Arbitrary<string> {
  const pt = fc.tuple(coord(), coord()).map(([x, y]) => `${x} ${y}`);
  const ring = fc.tuple(pt, pt, pt).map(([a, b, c]) => `(${a},${b},${c},${a})`);
  switch (kind) {
    case 'POINT': return pt.map((p) => `POINT(${p})`);
    case 'LINESTRING': return fc.array(pt, { minLength: 2, maxLength: 4 }).map((a) => `LINESTRING(${a.join(',')})`);
    case 'POLYGON': return ring.map((r) => `POLYGON(${r})`);
    case 'MULTIPOINT': return fc.array(pt, { minLength: 1, maxLength: 3 }).map((a) => `MULTIPOINT(${a.join(',')})`);
    case 'MULTILINESTRING': return fc.array(fc.tuple(pt, pt), { minLength: 1, maxLength: 2 }).map((a) => `MULTILINESTRING(${a.map(([p, q]) => `(${p},${q})`).join(',')})`);
    case 'MULTIPOLYGON': return fc.array(ring, { minLength: 1, maxLength: 2 }).map((a) => `MULTIPOLYGON(${a.map((r) => `(${r})`).join(',')})`);
    case 'GEOMETRYCOLLECTION': return fc.tuple(pt, pt).map(([p, q]) => `GEOMETRYCOLLECTION(POINT(${p}),LINESTRING(${p},${q}))`);
  }
}

/** `geographic`: also SRID 4326 (MariaDB only: MySQL 8 checks latitude/longitude ranges for it). */
export function geometryArb(kind: GeometryType, geographic = true): Arbitrary<GenValue> {
  const shapes = kind === 'GEOMETRY' ? fc.constantFrom(...GEOMETRY_TYPES.filter((k) => k !== 'GEOMETRY')).chain((k) => wkt(k)) : wkt(kind);
  return fc.tuple(shapes, fc.constantFrom(0, 0, geographic ? 4326 : 0)).map(([w, srid]) => v(`ST_GeomFromText('${w}'${srid ? `, ${srid}` : ''})`));
}

/** Versions 1-7: MariaDB 10.11 refuses the text of a version 8 UUID (error 1292). */
export function uuidArb(): Arbitrary<GenValue> {
  return weighted([4, fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7] }).map((u) => v(`'${u}'`, 'uuid'))], [1, fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff').map((u) => v(`'${u}'`, 'uuid'))]);
}

export function inet6Arb(): Arbitrary<GenValue> {
  const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  const full = fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.join(':'));
  return weighted([3, full.map((s) => v(`'${s}'`, 'inet6'))], [2, fc.constantFrom('::', '::1', '::ffff:192.0.2.1', 'fe80::1', '2001:db8::ff00:42:8329').map((s) => v(`'${s}'`, 'inet6'))]);
}

export function inet4Arb(): Arbitrary<GenValue> {
  const octet = fc.integer({ min: 0, max: 255 });
  return weighted([3, fc.tuple(octet, octet, octet, octet).map((o) => v(`'${o.join('.')}'`, 'inet4'))], [1, fc.constantFrom('0.0.0.0', '255.255.255.255', '127.0.0.1').map((s) => v(`'${s}'`, 'inet4'))]);
}
