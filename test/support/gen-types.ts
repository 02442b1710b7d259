/**
 * Column type arbitraries for the generative round trip: every type family the server supports, each
 * with its own value arbitrary (gen-values.ts), the features it uses, and how an index may cover it.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { GenContext } from './gen-context.js';
import type { Allowed, CharsetInfo, FeatureTag, GenValue } from './gen-values.js';
import {
  GEOMETRY_TYPES, bitArb, bytesArb, dateArb, datetimeArb, decimalArb, floatArb, geometryArb, inet4Arb, inet6Arb,
  intArb, jsonArb, sqlString, textArb, timeArb, timestampArb, uuidArb, yearArb,
} from './gen-values.js';

export interface TypeSpec {
  /** The column type as written in CREATE TABLE (charset and collation included). */
  readonly ddl: string;
  readonly value: Arbitrary<GenValue>;
  readonly tags: readonly FeatureTag[];
  /** 'plain': KEY (c); 'prefix': KEY (c(10)); 'none': not indexed by the generator. */
  readonly index: 'plain' | 'prefix' | 'none';
  /** May feed a generated column (CRC32 / HEX of it is deterministic). */
  readonly source: boolean;
}

export const INT_TYPES = [['TINYINT', 8], ['SMALLINT', 16], ['MEDIUMINT', 24], ['INT', 32], ['BIGINT', 64]] as const;

function spec(ddl: string, value: Arbitrary<GenValue>, index: TypeSpec['index'], source = false, tags: FeatureTag[] = []): TypeSpec {
  return { ddl, value, index, source, tags };
}

export function integerType(allowed: Allowed): Arbitrary<TypeSpec> {
  return fc.tuple(fc.constantFrom(...INT_TYPES), fc.constantFrom('signed', 'unsigned', 'zerofill'), fc.integer({ min: 1, max: 20 })).map(([[name, bits], sign, width]) => {
    const ddl = sign === 'signed' ? name : sign === 'unsigned' ? `${name} UNSIGNED` : `${name}(${width}) UNSIGNED ZEROFILL`;
    return spec(ddl, intArb(bits, sign !== 'signed', allowed), 'plain', true);
  });
}

function decimalType(allowed: Allowed): Arbitrary<TypeSpec> {
  return fc
    .integer({ min: 1, max: 65 })
    .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: Math.min(p, 30) }), fc.boolean()))
    .map(([p, s, unsigned]) => spec(`DECIMAL(${p},${s})${unsigned ? ' UNSIGNED' : ''}`, decimalArb(p, s, unsigned, allowed), 'plain', true));
}

function floatType(): Arbitrary<TypeSpec> {
  return fc.constantFrom('FLOAT', 'DOUBLE', 'REAL', 'DOUBLE PRECISION').map((t) => spec(t, floatArb(t === 'FLOAT'), 'plain'));
}

function bitType(): Arbitrary<TypeSpec> {
  return fc.integer({ min: 1, max: 64 }).map((n) => spec(`BIT(${n})`, bitArb(n), 'plain'));
}

/** A charset (not binary) and one of its collations. */
export function charsetArb(ctx: GenContext): Arbitrary<{ cs: CharsetInfo; collation: string }> {
  return fc.constantFrom(...ctx.charsets).chain((cs) => fc.constantFrom(...cs.collations).map((collation) => ({ cs, collation })));
}

const TEXT_LIMITS = { TINYTEXT: 255, TEXT: 65535, MEDIUMTEXT: 1_000_000, LONGTEXT: 1_000_000 } as const;

function textType(ctx: GenContext, allowed: Allowed): Arbitrary<TypeSpec> {
  const kinds = fc.oneof(
    fc.tuple(fc.constantFrom('CHAR', 'VARCHAR'), fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 255 }))),
    fc.tuple(fc.constant('VARCHAR'), fc.integer({ min: 256, max: 3000 })),
    fc.tuple(fc.constantFrom('TINYTEXT', 'TEXT', 'MEDIUMTEXT', 'LONGTEXT'), fc.constant(0)),
  );
  return fc.tuple(kinds, charsetArb(ctx)).map(([[kind, n], { cs, collation }]) => {
    const sized = kind === 'CHAR' || kind === 'VARCHAR';
    // a VARCHAR's bytes count against the 64 KB row: long ones only for narrow charsets
    const len = sized && kind === 'VARCHAR' && n > 255 ? Math.min(n, Math.floor(12000 / cs.maxLen)) : n;
    const ddl = `${sized ? `${kind}(${len})` : kind} CHARACTER SET ${cs.name} COLLATE ${collation}`;
    const limit = sized ? len : TEXT_LIMITS[kind as keyof typeof TEXT_LIMITS];
    const maxChars = sized ? len : Math.floor(limit / cs.maxLen);
    const huge = sized ? (len >= 1000 ? len : 0) : kind === 'TINYTEXT' ? 0 : maxChars;
    // InnoDB cannot index a zero-length column (error 1167)
    const index = sized && len === 0 ? 'none' : sized && len <= 255 ? 'plain' : len > 255 || !sized ? 'prefix' : 'plain';
    // not CHAR: a STORED column over one depends on PAD_CHAR_TO_FULL_LENGTH, and the server refuses it (1901)
    return spec(ddl, textArb(cs, maxChars, huge, allowed), index, kind !== 'CHAR');
  });
}

function binaryType(allowed: Allowed): Arbitrary<TypeSpec> {
  return fc
    .oneof(
      fc.tuple(fc.constantFrom('BINARY', 'VARBINARY'), fc.integer({ min: 0, max: 255 })),
      fc.tuple(fc.constant('VARBINARY'), fc.integer({ min: 256, max: 4000 })),
      fc.tuple(fc.constantFrom('TINYBLOB', 'BLOB', 'MEDIUMBLOB', 'LONGBLOB'), fc.constant(0)),
    )
    .map(([kind, n]) => {
      const sized = kind === 'BINARY' || kind === 'VARBINARY';
      const limit = sized ? n : kind === 'TINYBLOB' ? 255 : kind === 'BLOB' ? 65535 : 1_000_000;
      const huge = sized ? (n >= 1000 ? n : 0) : kind === 'TINYBLOB' ? 0 : limit;
      return spec(sized ? `${kind}(${n})` : kind, bytesArb(limit, huge, allowed), sized && n === 0 ? 'none' : sized && n <= 255 ? 'plain' : 'prefix', true);
    });
}

/** Member names: readable, distinct under any collation (an index suffix), no comma for SET. */
function members(cs: CharsetInfo, count: number, forSet: boolean): Arbitrary<string[]> {
  // no 4-byte characters: the server prints table definitions in utf8mb3, so such a member reads '?'
  // in SHOW CREATE TABLE and no logical dump can carry it (tsdump warns: enum-set.test.ts)
  const chars = cs.alphabet.filter((c) => c !== '\0' && c !== '\x1a' && !(forSet && c === ',') && c !== ' ' && c.codePointAt(0)! <= 0xffff);
  return fc.array(fc.array(fc.constantFrom(...chars), { maxLength: 4 }), { minLength: count, maxLength: count }).map((ws) => ws.map((w, i) => `${w.join('')}${i}`));
}

function enumSetType(ctx: GenContext, allowed: Allowed): Arbitrary<TypeSpec> {
  return fc
    .tuple(fc.constantFrom('ENUM', 'SET'), fc.integer({ min: 1, max: 6 }), charsetArb(ctx), fc.nat(), fc.integer({ min: 0, max: 9 }))
    .chain(([kind, n, { cs, collation }, where, odd]) =>
      members(cs, n, kind === 'SET').map((ms) => {
        const tags: FeatureTag[] = [];
        const emptyTag: FeatureTag = kind === 'ENUM' ? 'enum-empty-member' : 'set-empty-member';
        let list = ms;
        // one member in ten is '' (ENUM: a real '' next to the invalid value, SET: the member that joins as ',')
        if (odd === 0 && allowed(emptyTag)) {
          list = [...ms];
          list.splice(where % (ms.length + 1), 0, '');
          tags.push(emptyTag);
        }
        // a member twice: only a non-strict mode accepts the table (error 1291 otherwise)
        if (odd === 1 && allowed('loose-ddl')) {
          list = [...list, list[where % list.length]!];
          tags.push('loose-ddl');
        }
        const ddl = `${kind}(${list.map(sqlString).join(',')}) CHARACTER SET ${cs.name} COLLATE ${collation}`;
        const emptyIndex = list.indexOf('');
        let value: Arbitrary<GenValue>;
        if (kind === 'ENUM') {
          const pick = fc.integer({ min: 1, max: list.length }).map((i): GenValue => (i === emptyIndex + 1 ? { sql: String(i), tags: ['enum-empty-member'] } : { sql: String(i) }));
          value = allowed('enum-invalid') && allowed('loose-value')
            ? fc.oneof({ weight: 5, arbitrary: pick }, { weight: 1, arbitrary: fc.constant<GenValue>({ sql: '0', tags: ['enum-invalid', 'loose-value'] }) })
            : pick;
        } else {
          value = fc.integer({ min: 0, max: 2 ** list.length - 1 }).map((bits): GenValue => (emptyIndex >= 0 && (bits >> emptyIndex) & 1 ? { sql: String(bits), tags: ['set-empty-member'] } : { sql: String(bits) }));
        }
        return spec(ddl, value, 'plain', false, tags);
      }),
    );
}

function temporalType(allowed: Allowed): Arbitrary<TypeSpec> {
  return fc.tuple(fc.constantFrom('DATE', 'TIME', 'DATETIME', 'TIMESTAMP', 'YEAR'), fc.integer({ min: 0, max: 6 })).map(([kind, fsp]) => {
    const f = fsp > 0 ? `(${fsp})` : '';
    switch (kind) {
      case 'DATE': return spec('DATE', dateArb(allowed), 'plain');
      case 'TIME': return spec(`TIME${f}`, timeArb(fsp, allowed), 'plain');
      case 'DATETIME': return spec(`DATETIME${f}`, datetimeArb(fsp), 'plain');
      case 'TIMESTAMP': return spec(`TIMESTAMP${f}`, timestampArb(fsp), 'plain');
      default: return spec('YEAR', yearArb(), 'plain');
    }
  });
}

function serverTypes(ctx: GenContext, allowed: Allowed): Arbitrary<TypeSpec>[] {
  if (ctx.flavor !== 'mariadb') return [];
  const out: Arbitrary<TypeSpec>[] = [];
  if (ctx.version >= 100700 && allowed('uuid')) out.push(fc.constant(spec('UUID', uuidArb(), 'plain', false, ['uuid'])));
  if (ctx.version >= 100500 && allowed('inet6')) out.push(fc.constant(spec('INET6', inet6Arb(), 'plain', false, ['inet6'])));
  if (ctx.version >= 101000 && allowed('inet4')) out.push(fc.constant(spec('INET4', inet4Arb(), 'plain', false, ['inet4'])));
  return out;
}

/** Any column type, the common families weighted up. */
export function typeArb(ctx: GenContext, allowed: Allowed): Arbitrary<TypeSpec> {
  const families: { weight: number; arbitrary: Arbitrary<TypeSpec> }[] = [
    { weight: 4, arbitrary: integerType(allowed) },
    { weight: 2, arbitrary: decimalType(allowed) },
    { weight: 2, arbitrary: floatType() },
    { weight: 1, arbitrary: bitType() },
    { weight: 6, arbitrary: textType(ctx, allowed) },
    { weight: 3, arbitrary: binaryType(allowed) },
    { weight: 2, arbitrary: enumSetType(ctx, allowed) },
    { weight: 4, arbitrary: temporalType(allowed) },
    { weight: 1, arbitrary: fc.constant(spec('JSON', jsonArb(), 'none')) },
    { weight: 1, arbitrary: fc.constantFrom(...GEOMETRY_TYPES).map((g) => spec(g, geometryArb(g, ctx.flavor === 'mariadb'), 'none')) },
    ...serverTypes(ctx, allowed).map((arbitrary) => ({ weight: 1, arbitrary })),
  ];
  return fc.oneof(...families);
}
