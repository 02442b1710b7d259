/**
 * Arbitraries of whole tables and cases for the generative round trip (test/integration/generative.test.ts):
 * random columns over every type (gen-types.ts), nullability, a key shape (none, integer PK incl. sparse,
 * negative and AUTO_INCREMENT, composite, string, binary, a UNIQUE NOT NULL key only), secondary
 * indexes, generated and invisible columns, engines, table charsets and comments, system versioning, and
 * rows with edge values. A generated case is plain data: `renderTable` turns it into SQL.
 *
 * KNOWN_BROKEN lists the features that do not round-trip on main yet, each with its issue. The default run
 * leaves them out so `make test` passes; TSDUMP_GEN_ALL=1 generates everything. Empty the list as fixes land.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { GenContext } from './gen-context.js';
import { INT_TYPES, charsetArb, integerType, typeArb } from './gen-types.js';
import type { TypeSpec } from './gen-types.js';
import type { Allowed, FeatureTag, GenValue } from './gen-values.js';
import { FEATURE_TAGS, GEOMETRY_TYPES, intRange, quoteId, sqlHex, sqlString } from './gen-values.js';

/** Features that fail on main today (see the report of the generative test's first runs, and issue 11). */
export const KNOWN_BROKEN: readonly { readonly tag: FeatureTag; readonly issue: string; readonly what: string }[] = [];

/** All features, or all but KNOWN_BROKEN's; `enable` lets some known-broken ones in (TSDUMP_GEN_ENABLE). */
export function allowedFeatures(all: boolean, enable: readonly string[] = []): Allowed {
  const broken = new Set<string>(all ? [] : KNOWN_BROKEN.map((k) => k.tag).filter((t) => !enable.includes(t)));
  return (tag) => !broken.has(tag);
}

export interface GenColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** AUTO_INCREMENT, INVISIBLE, DEFAULT … (after NULL/NOT NULL) */
  readonly attrs: string;
  readonly generated?: { readonly expr: string; readonly stored: boolean; readonly source: string };
  readonly tags: readonly FeatureTag[];
}

export interface GenIndex {
  readonly kind: 'PRIMARY' | 'UNIQUE' | 'KEY';
  readonly name: string;
  readonly parts: readonly { readonly column: string; readonly prefix?: number }[];
}

export interface GenTable {
  readonly name: string;
  readonly columns: readonly GenColumn[];
  readonly indexes: readonly GenIndex[];
  readonly options: readonly string[];
  readonly versioned: boolean;
  /** PARTITION BY KEY() PARTITIONS n (over the primary or unique key). */
  readonly partitions?: number;
  /** One value per insertable (not generated) column, in column order. */
  readonly rows: readonly (readonly GenValue[])[];
  /** Statements run after the INSERTs (they make history rows in a versioned table). */
  readonly after: readonly string[];
}

export interface GenCase {
  readonly dbCharset: string;
  readonly dbCollation: string;
  readonly tables: readonly GenTable[];
}

export const KEY_SHAPES = ['none', 'int', 'int-ai', 'composite', 'string', 'binary', 'unique', 'ai-secondary'] as const;
export type KeyShape = (typeof KEY_SHAPES)[number];

const TABLE_NAMES = ['t1', 't2', 'orders', 'T1', 'a`b', 'sp ace', 'dot.t', 'sla/sh', 'ünï_名前', 'select', 'x'.repeat(64)];
const HOSTILE = new Set(['a`b', 'sp ace', 'dot.t', 'sla/sh', 'ünï_名前', 'select', 'x'.repeat(64)]);
const COLUMN_NAMES = ['select', 'col space', 'ü名', 'a`b', 'x.y'];

export function insertable(t: GenTable): GenColumn[] {
  return t.columns.filter((c) => !c.generated);
}

/** Features a table uses (its columns', its values', its shape's). */
export function tableTags(t: GenTable): Set<FeatureTag> {
  const out = new Set<FeatureTag>();
  for (const c of t.columns) for (const tag of c.tags) out.add(tag);
  for (const r of t.rows) for (const val of r) for (const tag of val.tags ?? []) out.add(tag);
  if (t.versioned) out.add('system-versioned');
  if (t.options.includes('ENGINE=Aria')) out.add('aria-engine');
  if (t.partitions !== undefined) out.add('partitioned');
  if (t.partitions !== undefined && !t.indexes.some((i) => i.kind === 'PRIMARY')) out.add('partition-by-unique-key');
  const ai = /^AUTO_INCREMENT=(\d+)$/.exec(t.options.find((o) => o.startsWith('AUTO_INCREMENT=')) ?? '');
  if (ai && BigInt(ai[1]!) > MAX_SAFE) out.add('big-auto-increment');
  if (HOSTILE.has(t.name) || t.columns.some((c) => COLUMN_NAMES.includes(c.name))) out.add('hostile-name');
  const aiCol = t.columns.find((c) => /AUTO_INCREMENT/.test(c.attrs));
  if (aiCol && t.indexes.some((i) => i.kind !== 'PRIMARY' && i.parts.some((p) => p.column === aiCol.name))) out.add('ai-secondary-index');
  return out;
}

/** A table needs sql_mode='' when any of its DDL or values only a non-strict mode accepts. */
export function isLoose(t: GenTable): boolean {
  const tags = tableTags(t);
  return tags.has('loose-value') || tags.has('loose-ddl');
}

// ---------------------------------------------------------------------------------------------
// key shapes
// ---------------------------------------------------------------------------------------------

interface KeyPart {
  readonly columns: GenColumn[];
  readonly indexes: GenIndex[];
  /** n unique key tuples, one value per key column. */
  readonly keys: (n: number) => Arbitrary<GenValue[][]>;
  /** Position in the key tuple of the AUTO_INCREMENT column, if any. */
  readonly aiIndex?: number;
}

const col = (name: string, type: string, attrs = '', tags: FeatureTag[] = []): GenColumn => ({ name, type, nullable: false, attrs, tags });
const val = (sql: string): GenValue => ({ sql });

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `cap`: keys stay below it (an AUTO_INCREMENT counter above 2^53 is a known-broken feature). */
function intKeys(bits: number, unsigned: boolean, positive: boolean, cap?: bigint): (n: number) => Arbitrary<GenValue[][]> {
  const [lo, top] = intRange(bits, unsigned);
  const hi = cap !== undefined && cap < top ? cap : top;
  const min = positive && lo < 1n ? 1n : lo;
  const edges = [min, hi, ...(min <= 0n ? [0n, -1n].filter((x) => x >= min) : [])];
  const one = fc.oneof({ weight: 4, arbitrary: fc.bigInt(min, hi) }, { weight: 1, arbitrary: fc.constantFrom(...edges) });
  return (n) => fc.uniqueArray(one, { minLength: n, maxLength: n }).map((ks) => ks.map((k) => [val(String(k))]));
}

/** Distinct under any collation: a random readable prefix, then ~ and the row index. */
function stringKeys(alphabet: readonly string[], room: number): (n: number) => Arbitrary<string[]> {
  const chars = alphabet.filter((c) => c !== '~');
  return (n) => fc.array(fc.array(fc.constantFrom(...chars), { maxLength: Math.max(0, room - 5) }), { minLength: n, maxLength: n }).map((ps) => ps.map((p, i) => `${p.join('')}~${i}`));
}

function keyPart(ctx: GenContext, allowed: Allowed, shape: KeyShape): Arbitrary<KeyPart> {
  switch (shape) {
    case 'none':
      return fc.constant({ columns: [], indexes: [], keys: (n: number) => fc.constant(Array.from({ length: n }, (): GenValue[] => [])) });
    case 'int':
    case 'int-ai':
    case 'unique':
      return fc.tuple(fc.constantFrom(...INT_TYPES), fc.boolean()).map(([[name, bits], unsigned]) => {
        const ai = shape === 'int-ai';
        const c = col('id', `${name}${unsigned ? ' UNSIGNED' : ''}`, ai ? 'AUTO_INCREMENT' : '');
        const index: GenIndex = shape === 'unique' ? { kind: 'UNIQUE', name: 'uk_id', parts: [{ column: 'id' }] } : { kind: 'PRIMARY', name: 'PRIMARY', parts: [{ column: 'id' }] };
        const cap = ai && !allowed('big-auto-increment') ? MAX_SAFE - 2000n : undefined;
        return { columns: [c], indexes: [index], keys: intKeys(bits, unsigned, ai, cap), ...(ai ? { aiIndex: 0 } : {}) };
      });
    case 'composite':
      return fc.tuple(charsetArb(ctx), fc.integer({ min: 8, max: 40 }), fc.boolean()).map(([{ cs, collation }, len, swap]) => {
        const columns = [col('a', 'INT'), col('b', `VARCHAR(${len}) CHARACTER SET ${cs.name} COLLATE ${collation}`)];
        const strings = stringKeys(cs.alphabet, len);
        const parts = swap ? [{ column: 'b' }, { column: 'a' }] : [{ column: 'a' }, { column: 'b' }];
        return {
          columns,
          indexes: [{ kind: 'PRIMARY', name: 'PRIMARY', parts }],
          keys: (n: number) => fc.tuple(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n }), strings(n)).map(([as, bs]) => as.map((a, i) => [val(String(a)), val(sqlString(bs[i]!))])),
        };
      });
    case 'string':
      return fc.tuple(charsetArb(ctx), fc.integer({ min: 8, max: 64 }), fc.boolean()).map(([{ cs, collation }, len, fixed]) => {
        const strings = stringKeys(cs.alphabet, len);
        return {
          columns: [col('k', `${fixed ? 'CHAR' : 'VARCHAR'}(${len}) CHARACTER SET ${cs.name} COLLATE ${collation}`)],
          indexes: [{ kind: 'PRIMARY', name: 'PRIMARY', parts: [{ column: 'k' }] }],
          keys: (n: number) => strings(n).map((ks) => ks.map((k) => [val(sqlString(k))])),
        };
      });
    case 'binary':
      return fc.tuple(fc.integer({ min: 2, max: 32 }), fc.boolean()).map(([len, fixed]) => ({
        columns: [col('k', `${fixed ? 'BINARY' : 'VARBINARY'}(${len})`)],
        indexes: [{ kind: 'PRIMARY', name: 'PRIMARY', parts: [{ column: 'k' }] }],
        keys: (n: number) =>
          fc.array(fc.uint8Array({ maxLength: len - 2 }), { minLength: n, maxLength: n }).map((bs) => bs.map((b, i) => [val(sqlHex(Uint8Array.from([...b, i >> 8, i & 0xff])))])),
      }));
    case 'ai-secondary':
      // issue 11's shape: PRIMARY KEY (k), KEY k2 (k), KEY id (id) with id AUTO_INCREMENT
      return fc.constant({
        columns: [col('k', 'VARCHAR(20)'), col('id', 'INT', 'AUTO_INCREMENT')],
        indexes: [
          { kind: 'PRIMARY', name: 'PRIMARY', parts: [{ column: 'k' }] },
          { kind: 'KEY', name: 'k2', parts: [{ column: 'k' }] },
          { kind: 'KEY', name: 'id', parts: [{ column: 'id' }] },
        ],
        keys: (n: number) => fc.constant(Array.from({ length: n }, (_, i) => [val(sqlString(`key-${i}`)), val(String(i + 1))])),
        aiIndex: 1,
      } satisfies KeyPart);
  }
}

// ---------------------------------------------------------------------------------------------
// tables
// ---------------------------------------------------------------------------------------------

export interface TableLimits {
  readonly maxColumns: number;
  readonly maxRows: number;
}

interface Extra {
  readonly type: TypeSpec;
  readonly nullable: boolean;
  readonly name: number;
}

export function tableArb(ctx: GenContext, allowed: Allowed, name: string, limits: TableLimits): Arbitrary<GenTable> {
  const shapes = KEY_SHAPES.filter((s) => s !== 'ai-secondary' || allowed('ai-secondary-index'));
  const extra: Arbitrary<Extra> = fc.record({ type: typeArb(ctx, allowed), nullable: fc.boolean(), name: fc.integer({ min: 0, max: 30 }) });
  return fc
    .record({
      shape: fc.constantFrom(...shapes).chain((s) => keyPart(ctx, allowed, s)),
      extras: fc.array(extra, { minLength: 1, maxLength: limits.maxColumns }),
      generated: fc.option(fc.record({ stored: fc.boolean(), hex: fc.boolean(), pick: fc.nat() }), { freq: 3 }),
      invisible: fc.option(integerType(allowed), { freq: 4 }),
      secondary: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
      engine: fc.constantFrom('InnoDB', 'InnoDB', 'InnoDB', 'InnoDB', 'MyISAM', ...(ctx.flavor === 'mariadb' && allowed('aria-engine') ? ['Aria'] : [])),
      charset: charsetArb(ctx),
      comment: fc.option(fc.constantFrom("it's a \\ \"comment\"", 'ünï 😀', 'NULL', ''), { freq: 4 }),
      rowFormat: fc.option(fc.constantFrom('DYNAMIC', 'COMPACT', 'REDUNDANT'), { freq: 5 }),
      versioned: ctx.flavor === 'mariadb' && allowed('system-versioned') ? fc.boolean() : fc.constant(false),
      aiGap: fc.integer({ min: 1, max: 1000 }),
      partitions: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 6 }),
      n: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: limits.maxRows }) }, { weight: 1, arbitrary: fc.constant(0) }),
    })
    .chain((r) => {
      const used = new Set(r.shape.columns.map((c) => c.name));
      const columns: GenColumn[] = [...r.shape.columns];
      const types: TypeSpec[] = [];
      for (const [i, e] of r.extras.entries()) {
        let cname = e.name < COLUMN_NAMES.length && allowed('hostile-name') ? COLUMN_NAMES[e.name]! : `c${i}`;
        if (used.has(cname)) cname = `c${i}`;
        used.add(cname);
        columns.push({ name: cname, type: e.type.ddl, nullable: e.nullable, attrs: '', tags: e.type.tags });
        types.push(e.type);
      }
      const valueArbs: Arbitrary<GenValue>[] = types.map((t, i) => (columns[r.shape.columns.length + i]!.nullable ? fc.oneof({ weight: 4, arbitrary: t.value }, { weight: 1, arbitrary: fc.constant(val('NULL')) }) : t.value));
      if (r.invisible && allowed('invisible-column')) {
        columns.push({ name: 'hidden', type: r.invisible.ddl, nullable: true, attrs: 'INVISIBLE', tags: ['invisible-column'] });
        valueArbs.push(fc.oneof(r.invisible.value, fc.constant(val('NULL'))));
      }
      const sources = columns.slice(r.shape.columns.length).filter((_, i) => types[i]?.source);
      if (r.generated && sources.length > 0 && allowed('generated-column')) {
        const src = sources[r.generated.pick % sources.length]!;
        const expr = r.generated.hex ? `LEFT(HEX(${quoteId(src.name)}), 30)` : `CRC32(${quoteId(src.name)})`;
        columns.push({ name: 'gen', type: r.generated.hex ? 'VARCHAR(30) CHARACTER SET ascii' : 'BIGINT UNSIGNED', nullable: true, attrs: '', generated: { expr, stored: r.generated.stored, source: src.name }, tags: ['generated-column'] });
      }
      const indexes: GenIndex[] = [...r.shape.indexes];
      const indexable = columns.filter((c, i) => i >= r.shape.columns.length && !c.generated && (types[i - r.shape.columns.length]?.index ?? (c.attrs === 'INVISIBLE' ? 'plain' : 'none')) !== 'none');
      for (const [k, picks] of r.secondary.entries()) {
        if (indexable.length === 0) break;
        const cols = [...new Set(picks.map((p) => indexable[p % indexable.length]!))];
        const parts = cols.map((c) => {
          const t = types[columns.indexOf(c) - r.shape.columns.length];
          // a prefix for TEXT/BLOB, and for long strings where a key part is short: engines with 1000-byte
          // keys, InnoDB's COMPACT and REDUNDANT rows (767 bytes); never longer than the column
          const size = /^(?:VAR)?(?:CHAR|BINARY)\((\d+)\)/.exec(c.type);
          const shortKeys = r.engine !== 'InnoDB' || r.rowFormat === 'COMPACT' || r.rowFormat === 'REDUNDANT';
          const prefix = (t?.index === 'prefix' || (shortKeys && size)) && !(size && Number(size[1]) <= 10);
          return prefix ? { column: c.name, prefix: 10 } : { column: c.name };
        });
        indexes.push({ kind: 'KEY', name: `ix${k}`, parts });
      }
      const versioned = r.versioned && r.engine === 'InnoDB';
      const options = [`ENGINE=${r.engine}`, `DEFAULT CHARSET=${r.charset.cs.name}`, `COLLATE=${r.charset.collation}`];
      if (r.rowFormat && r.engine === 'InnoDB') options.push(`ROW_FORMAT=${r.rowFormat}`);
      if (r.comment !== null) options.push(`COMMENT=${sqlString(r.comment)}`);
      return fc.tuple(r.shape.keys(r.n), fc.array(fc.tuple(...valueArbs), { minLength: r.n, maxLength: r.n })).map(([keys, rest]): GenTable => {
        const rows = rest.map((vals, i) => [...keys[i]!, ...vals]);
        const finalOptions = [...options];
        const ai = r.shape.aiIndex;
        if (ai !== undefined) {
          const max = keys.reduce((m, k) => (BigInt(k[ai]!.sql) > m ? BigInt(k[ai]!.sql) : m), 0n);
          finalOptions.push(`AUTO_INCREMENT=${max + BigInt(r.aiGap)}`);
        }
        // {table} is replaced by the qualified name when rendered
        const after = versioned && rows.length > 0 ? ['DELETE FROM {table} LIMIT 1'] : [];
        // partitioning needs a primary or unique key, and takes no spatial column (a server limit)
        const keyed = r.shape.indexes.some((i) => i.kind === 'PRIMARY' || (i.kind === 'UNIQUE' && allowed('partition-by-unique-key')));
        const spatial = columns.some((c) => (GEOMETRY_TYPES as readonly string[]).includes(c.type));
        const partitions = r.partitions !== null && keyed && !spatial && !versioned && allowed('partitioned') ? { partitions: r.partitions } : {};
        return { name, columns, indexes, options: finalOptions, versioned, ...partitions, rows, after };
      });
    });
}

export interface CaseLimits extends TableLimits {
  readonly maxTables: number;
}

export function caseArb(ctx: GenContext, allowed: Allowed, limits: CaseLimits): Arbitrary<GenCase> {
  const names = allowed('hostile-name') ? TABLE_NAMES : TABLE_NAMES.filter((n) => !HOSTILE.has(n));
  return fc
    .tuple(fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: limits.maxTables }), charsetArb(ctx))
    .chain(([tableNames, db]) =>
      fc.tuple(...tableNames.map((n) => tableArb(ctx, allowed, n, limits))).map((tables) => ({ dbCharset: db.cs.name, dbCollation: db.collation, tables })),
    );
}

export { FEATURE_TAGS };
