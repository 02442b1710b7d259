import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BULK_ENGINES, CsvBulkError, bulkParamTypes, csvBulkConverter, type BulkCodec, type BulkErrorCode, type BulkRows, type CsvBulkEngine } from '../../src/format/csv-bulk.js';
import { createRowEncoder } from '../../src/format/row-encoders.js';
import type { ColumnSpec } from '../../src/format/manifest.js';

type Value = Buffer | bigint | null;

const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s));

/** The CSV of rows as the dump writes it (the dump's own encoder; index values as their decimal). */
function toCsv(codecs: readonly BulkCodec[], rows: readonly (readonly Value[])[]): Buffer {
  const columns = codecs.map((codec, i): ColumnSpec => ({ name: `c${i}`, codec, dumped: true, dataType: 'x', columnType: 'x', charset: null, nullable: true, generated: false, invisible: false }));
  const enc = createRowEncoder('csv', { table: 't', columns, statementSize: 1 << 20 }, 'js');
  for (const r of rows) enc.push(r.map((v) => (typeof v === 'bigint' ? b(v.toString()) : v)));
  enc.finish();
  return enc.take();
}

/** Reads bulk row data back into values (the test's own decoder of the packet format). */
function fromBulk(codecs: readonly BulkCodec[], data: Buffer): Value[][] {
  const rows: Value[][] = [];
  let p = 0;
  while (p < data.length) {
    const row: Value[] = [];
    for (const codec of codecs) {
      const ind = data[p++];
      if (ind === 1) {
        row.push(null);
        continue;
      }
      expect(ind).toBe(0);
      if (codec === 'index') {
        row.push(data.readBigUInt64LE(p));
        p += 8;
        continue;
      }
      let len = data[p++]!;
      if (len === 0xfc) (len = data.readUInt16LE(p)), (p += 2);
      else if (len === 0xfd) (len = data.readUIntLE(p, 3)), (p += 3);
      else if (len === 0xfe) (len = Number(data.readBigUInt64LE(p))), (p += 8);
      else expect(len).toBeLessThan(251);
      row.push(Buffer.from(data.subarray(p, p + len)));
      p += len;
    }
    rows.push(row);
  }
  return rows;
}

/** Converts all of csv with out buffers of `outSize` bytes (growing when a row alone does not fit). */
function convertAll(engine: CsvBulkEngine, codecs: readonly BulkCodec[], csv: Buffer, outSize = 1 << 20, inStep = csv.length): { data: Buffer; rows: number } {
  const conv = csvBulkConverter(codecs, engine);
  const parts: Buffer[] = [];
  let rows = 0;
  try {
    for (let from = 0, size = outSize; from < csv.length; ) {
      const out = Buffer.alloc(size + 7);
      const to = Math.min(csv.length, from + inStep);
      const r: BulkRows = conv.convert(csv, from, to, out, 3, 3 + size);
      if (r.rows === 0) {
        const lf = csv.indexOf(0x0a, from);
        if (lf < 0) break; // bytes after the last LF: not a row
        if (lf >= to) inStep *= 2; // no whole row in the input piece
        else size *= 2;
        continue;
      }
      expect(r.written).toBeLessThanOrEqual(size);
      parts.push(out.subarray(3, 3 + r.written));
      from += r.consumed;
      rows += r.rows;
    }
  } finally {
    conv.dispose();
  }
  return { data: Buffer.concat(parts), rows };
}

function errorOf(engine: CsvBulkEngine, codecs: readonly BulkCodec[], csv: string | Buffer): { code: BulkErrorCode; offset: number; column: number } {
  const src = typeof csv === 'string' ? b(csv) : csv;
  const conv = csvBulkConverter(codecs, engine);
  try {
    conv.convert(src, 0, src.length, Buffer.alloc(1 << 16), 0, 1 << 16);
  } catch (e) {
    expect(e).toBeInstanceOf(CsvBulkError);
    const err = e as CsvBulkError;
    expect(err.message.length).toBeGreaterThan(10);
    return { code: err.code, offset: err.offset, column: err.column };
  } finally {
    conv.dispose();
  }
  throw new Error('no error');
}

describe('bulkParamTypes', () => {
  it('sends index columns as unsigned LONGLONG and the others as strings', () => {
    expect([...bulkParamTypes(['text', 'number', 'float', 'index', 'hex'])]).toEqual([254, 0, 254, 0, 254, 0, 8, 0x80, 254, 0]);
  });
});

describe.each(CSV_BULK_ENGINES)('%s CSV to bulk rows', (engine) => {
  const one = (codecs: readonly BulkCodec[], csv: string | Buffer): Value[][] => fromBulk(codecs, convertAll(engine, codecs, typeof csv === 'string' ? b(csv) : csv).data);

  it('converts every codec', () => {
    const codecs: BulkCodec[] = ['text', 'number', 'float', 'index', 'hex'];
    const csv = '"abc",-12.50,1.5e-7,3,00ff10\n';
    expect(convertAll(engine, codecs, b(csv)).data).toEqual(
      b([0, 3, 0x61, 0x62, 0x63, 0, 6, ...b('-12.50'), 0, 6, ...b('1.5e-7'), 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0x00, 0xff, 0x10]),
    );
  });

  it('unescapes every escape and keeps other bytes raw', () => {
    expect(one(['text'], b([0x22, ...b('\\0\\n\\r\\Z\\"\\\\'), 0x09, 0x2c, 0xff, 0xc3, 0x28, 0x22, 0x0a]))).toEqual([[b([0, 0x0a, 0x0d, 0x1a, 0x22, 0x5c, 0x09, 0x2c, 0xff, 0xc3, 0x28])]]);
  });

  it('unescapes at every position of a 16-byte block', () => {
    for (let at = 0; at < 40; at++) {
      for (const special of [[0x22], [0x5c], [0x5c, 0x22], [0x5c, 0x5c, 0x22, 0x0a], [0x00, 0x1a, 0x0d]]) {
        const value = Buffer.concat([Buffer.alloc(at, 0x61), b(special), Buffer.alloc(at % 17, 0x62), b(special)]);
        expect(one(['text', 'number'], toCsv(['text', 'number'], [[value, b('7')]]))).toEqual([[value, b('7')]]);
      }
    }
  });

  it('tells NULL from "NULL", "\\N" and ""', () => {
    expect(one(['text', 'text', 'text', 'text'], '\\N,"NULL","\\\\N",""\n')).toEqual([[null, b('NULL'), b('\\N'), b('')]]);
    expect(one(['number', 'float', 'index', 'hex'], '\\N,\\N,\\N,\\N\n')).toEqual([[null, null, null, null]]);
  });

  it('sends empty number, float and hex fields as empty strings', () => {
    expect(one(['number', 'float', 'hex'], ',,\n')).toEqual([[b(''), b(''), b('')]]);
  });

  it('reads index values up to 2^64-1', () => {
    expect(one(['index', 'index', 'index', 'index'], '0,4294967296,9007199254740993,18446744073709551615\n')).toEqual([[0n, 4294967296n, 9007199254740993n, 18446744073709551615n]]);
  });

  it('decodes upper and lower case hex', () => {
    expect(one(['hex'], 'DEADbeef\n')).toEqual([[b([0xde, 0xad, 0xbe, 0xef])]]);
  });

  it.each([250, 251, 65535, 65536, (1 << 24) - 1, 1 << 24])('writes the length of a %i-byte value in its length-encoded size', (n) => {
    const value = Buffer.alloc(n, 0x78);
    const head = n < 251 ? [n] : n < 65536 ? [0xfc, n & 255, n >> 8] : n < 1 << 24 ? [0xfd, n & 255, (n >> 8) & 255, n >> 16] : [0xfe, 0, 0, 0, 1, 0, 0, 0, 0];
    for (const codec of ['text', 'number', 'hex'] as const) {
      const csv = codec === 'text' ? Buffer.concat([b('"'), value, b('"\n')]) : codec === 'hex' ? b(value.toString('hex') + '\n') : Buffer.concat([value, b('\n')]);
      const data = convertAll(engine, [codec], csv, n + 64).data;
      expect(data.subarray(0, 1 + head.length)).toEqual(b([0, ...head]));
      expect(data.length).toBe(1 + head.length + n);
      expect(data.subarray(1 + head.length).equals(value)).toBe(true);
    }
  });

  it('stops before the first row that does not fit, and at the last LF before `to`', () => {
    const csv = b('"aaaa",1\n"bb",2\n"c",3\n');
    const conv = csvBulkConverter(['text', 'number'], engine);
    const out = Buffer.alloc(64);
    // rows convert to 9, 7 and 6 bytes
    expect(conv.convert(csv, 0, csv.length, out, 0, 8)).toEqual({ consumed: 0, written: 0, rows: 0 });
    expect(conv.convert(csv, 0, csv.length, out, 0, 9)).toEqual({ consumed: 9, written: 9, rows: 1 });
    expect(conv.convert(csv, 0, csv.length, out, 10, 10 + 16)).toEqual({ consumed: 16, written: 16, rows: 2 });
    expect(conv.convert(csv, 9, csv.length - 1, out, 0, 64)).toEqual({ consumed: 7, written: 7, rows: 1 });
    expect(conv.convert(csv, 9, 9, out, 0, 64)).toEqual({ consumed: 0, written: 0, rows: 0 });
    conv.dispose();
  });

  it.each<[string, BulkCodec[], string, BulkErrorCode, number, number]>([
    ['an unclosed quote', ['number', 'text'], '1,"ab\\"\n', 'unclosed-quote', 2, 1],
    ['a backslash at the end of the line', ['text'], '"ab\\\n', 'unclosed-quote', 0, 0],
    ['a value after the closing quote', ['text', 'number'], '"ab"x,1\n', 'bad-separator', 4, 0],
    ['too few fields', ['number', 'number', 'number'], '1,2\n', 'too-few-fields', 3, 2],
    ['too many fields', ['number', 'number'], '1,2,3\n', 'too-many-fields', 3, 1],
    ['an unquoted text', ['number', 'text'], '1,abc\n', 'not-enclosed', 2, 1],
    ['an empty unquoted text', ['text'], '\n', 'not-enclosed', 0, 0],
    ['an unknown escape', ['text'], '"a\\tb"\n', 'bad-escape', 2, 0],
    ['a quote in a number', ['number'], '"1"\n', 'quote-in-unquoted', 0, 0],
    ['a backslash in a number', ['number'], '1\\N\n', 'quote-in-unquoted', 1, 0],
    ['\\N followed by more', ['number'], '\\Nx\n', 'quote-in-unquoted', 0, 0],
    ['a bad hex digit', ['hex'], '00fg\n', 'bad-hex', 3, 0],
    ['odd hex', ['number', 'hex'], '1,abc\n', 'odd-hex', 2, 1],
    ['an empty index', ['index'], '\n', 'bad-index', 0, 0],
    ['a negative index', ['index'], '-1\n', 'bad-index', 0, 0],
    ['an index of 2^64', ['index'], '18446744073709551616\n', 'index-range', 0, 0],
  ])('rejects %s', (_name, codecs, csv, code, offset, column) => {
    expect(errorOf(engine, codecs, csv)).toEqual({ code, offset, column });
  });
});

const CODECS: readonly BulkCodec[] = ['text', 'number', 'float', 'index', 'hex'];
const SPECIAL = [0x00, 0x0a, 0x0d, 0x1a, 0x22, 0x5c, 0x2c, 0x4e, 0xff, 0x80];
const anyBytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL)), { maxLength: 300 }).map((a) => Buffer.from(a));
const numberText = fc.oneof(fc.double({ noNaN: true }).map((d) => b(String(d))), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((v) => b(v.toString())), fc.constant(b('2024-01-31 23:59:59.123456')));
const valueOf: Record<BulkCodec, fc.Arbitrary<Value>> = {
  text: anyBytes,
  number: numberText,
  float: numberText,
  hex: anyBytes,
  index: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
};
const table = fc
  .array(fc.constantFrom(...CODECS), { minLength: 1, maxLength: 8 })
  .chain((codecs) => fc.tuple(fc.constant(codecs), fc.array(fc.tuple(...codecs.map((c) => fc.option(valueOf[c], { freq: 5 }))), { minLength: 1, maxLength: 30 })));

describe('generated rows', () => {
  it('convert back to the values the dump wrote, alike in both engines and in any pieces', () => {
    fc.assert(
      fc.property(table, fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 5000 }), ([codecs, rows], outSize, inStep) => {
        const csv = toCsv(codecs, rows);
        const whole = convertAll('js', codecs, csv);
        expect(whole.rows).toBe(rows.length);
        expect(fromBulk(codecs, whole.data)).toEqual(rows);
        for (const engine of CSV_BULK_ENGINES) {
          expect(convertAll(engine, codecs, csv).data.equals(whole.data)).toBe(true);
          expect(convertAll(engine, codecs, csv, outSize, inStep).data.equals(whole.data)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fail alike in both engines on damaged input', () => {
    fc.assert(
      fc.property(table, fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...SPECIAL, 0x30, 0x61, 0x47)), ([codecs, rows], at, byte) => {
        const csv = toCsv(codecs, rows);
        csv[at % csv.length] = byte;
        const outcomes = CSV_BULK_ENGINES.map((engine) => {
          try {
            return convertAll(engine, codecs, csv).data.toString('hex');
          } catch (e) {
            if (!(e instanceof CsvBulkError)) throw e;
            return `${e.code} ${e.offset} ${e.column}`;
          }
        });
        expect(new Set(outcomes).size).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
