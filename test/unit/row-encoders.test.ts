import { describe, expect, it } from 'vitest';
import { encodeWireRow } from '../../src/core/wire-row.js';
import type { ColumnSpec } from '../../src/format/manifest.js';
import { ENCODER_ENGINES, createRowEncoder as create, defaultEncoderEngine, type EncoderEngine } from '../../src/format/row-encoders.js';
import type { DataFormat } from '../../src/format/manifest.js';
import { LongestLineTracker } from '../../src/format/longest-line.js';

const col = (name: string, codec: ColumnSpec['codec'], dumped = true): ColumnSpec => ({
  name, codec, dumped, dataType: 'x', columnType: 'x', charset: null, nullable: true, generated: !dumped, invisible: false,
});
const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

describe.each(ENCODER_ENGINES)('%s row loop', (engine: EncoderEngine) => {
  const createRowEncoder = (format: DataFormat, spec: Parameters<typeof create>[1]) => create(format, spec, engine);

  describe('CSV encoder', () => {
    const columns = [col('t', 'text'), col('n', 'number'), col('h', 'hex'), col('f', 'float')];
    const encode = (rows: (Buffer | null)[][]): string => {
      const e = createRowEncoder('csv', { table: 't', columns, statementSize: 1 << 20 });
      for (const r of rows) e.push(r);
      e.finish();
      return e.take().toString('latin1');
    };
  
    it('distinguishes NULL, empty, the string NULL and the string \\N', () => {
      expect(encode([[null, null, null, null], [b(''), b('0'), b(''), b('1')], [b('NULL'), b('1'), b([0]), b('2')], [b('\\N'), b('2'), b([255]), b('3')]])).toBe(
        '\\N,\\N,\\N,\\N\n"",0,,1\n"NULL",1,00,2\n"\\\\N",2,ff,3\n',
      );
    });
  
    it('escapes every byte that could end a field or a row, so a raw LF only ends a row', () => {
      const nasty = b([0x00, 0x0a, 0x0d, 0x1a, 0x22, 0x5c, 0x09, 0x2c, 0x27]);
      const out = encode([[nasty, b('1'), null, b('0')]]);
      expect(out).toBe('"\\0\\n\\r\\Z\\"\\\\\t,\'",1,\\N,0\n');
      expect(out.slice(0, -1)).not.toContain('\n');
    });
  
    it('leaves generated columns out', () => {
      const e = createRowEncoder('csv', { table: 't', columns: [col('a', 'number'), col('g', 'number', false), col('c', 'text')], statementSize: 1 });
      e.push([b('1'), b('x')]);
      e.finish();
      expect(e.take().toString()).toBe('1,"x"\n');
    });
  
    it('writes multi-megabyte values with every byte value intact', () => {
      const big = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = i % 256;
      const e = createRowEncoder('csv', { table: 't', columns: [col('h', 'hex')], statementSize: 1 });
      e.push([big]);
      e.finish();
      const out = e.take().toString('latin1');
      expect(Buffer.from(out.trimEnd(), 'hex').equals(big)).toBe(true);
    });
  });
  
  describe('SQL encoder', () => {
    const columns = [col('id', 'number'), col('s', 'text'), col('h', 'hex')];
    it('writes one multi-row INSERT per line, never longer than the statement size unless one row is', () => {
      const e = createRowEncoder('sql', { table: 'a`b', columns, statementSize: 80 });
      for (let i = 0; i < 10; i++) e.push([b(String(i)), b(`it's\n${i}`), i % 2 ? b([1, 2]) : b('')]);
      e.finish();
      const text = e.take().toString('utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) {
        expect(line.startsWith('INSERT INTO `a``b` (`id`,`s`,`h`) VALUES (')).toBe(true);
        expect(line.endsWith(');')).toBe(true);
        expect(Buffer.byteLength(line) + 1).toBeLessThanOrEqual(80);
      }
      expect(text).toContain("(1,'it\\'s\\n1',0x0102)");
      expect(text).toContain("(0,'it\\'s\\n0','')");
    });
  
    it('lets a single row exceed the statement size rather than split it', () => {
      const e = createRowEncoder('sql', { table: 't', columns, statementSize: 10 });
      e.push([b('1'), b('x'.repeat(100)), null]);
      e.push([b('2'), null, null]);
      e.finish();
      const lines = e.take().toString().trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe('INSERT INTO `t` (`id`,`s`,`h`) VALUES (2,NULL,NULL);');
    });
  });
  
  describe('a disposed encoder', () => {
    const columns = [col('t', 'text'), col('n', 'number')];
    it('hands its file buffer to the next encoder, without the bytes it had not handed out', () => {
      const a = createRowEncoder('csv', { table: 't', columns, statementSize: 1 << 20 });
      a.push([b('first'), b('1')]);
      const given = a.take();
      a.recycle(given);
      a.push([b('never taken'), b('2')]);
      a.dispose();
      const next = createRowEncoder('csv', { table: 't', columns, statementSize: 1 << 20 });
      next.push([b('x'), b('3')]);
      const fresh = next.take();
      next.push([b('y'), b('4')]);
      const reused = next.take();
      expect(reused.buffer).toBe(given.buffer);
      expect(fresh.toString('latin1')).toBe('"x",3\n');
      expect(reused.toString('latin1')).toBe('"y",4\n');
    });
  });

  describe('wire rows', () => {
    // A plain per-value reference of the dialects in docs/FORMAT.md, independent of the encoders' row loop.
    const ESC: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', '\\': '\\\\', '"': '\\"', "'": "\\'" };
    const esc = (v: Buffer, quote: string): string => v.toString('latin1').replace(quote === '"' ? /[\0\n\r\x1a\\"]/g : /[\0\n\r\x1a\\']/g, (c) => ESC[c]!);
    const reference = (format: 'csv' | 'sql', kinds: string[], row: (Buffer | null)[]): string => {
      const q = format === 'csv' ? '"' : "'";
      const values = row.map((v, i) => {
        if (v === null) return format === 'csv' ? '\\N' : 'NULL';
        if (kinds[i] === 'text') return q + esc(v, q) + q;
        if (kinds[i] === 'hex') return format === 'csv' ? v.toString('hex') : v.length ? `0x${v.toString('hex')}` : "''";
        return v.toString('latin1');
      });
      return format === 'csv' ? `${values.join(',')}\n` : `(${values.join(',')})`;
    };
  
    it('are split and escaped right for every length-prefix width (1, 3, 4 bytes) and NULL, from any offset', async () => {
        const kinds = ['text', 'hex', 'number', 'text'] as const;
      const columns = kinds.map((k, i) => col(`c${i}`, k));
      const rows: (Buffer | null)[][] = [
        [b('x"y\n\'z'), b([0, 1, 255]), b('-12.5'), null],
        [Buffer.alloc(300, 0x5c), Buffer.alloc(70_000, 7), null, b('')],
        [Buffer.alloc(17_000_000, 0x61), null, b('0'), b('é😀')],
      ];
      for (const format of ['csv', 'sql'] as const) {
        const e = createRowEncoder(format, { table: 't', columns, statementSize: 1 << 30 });
        for (const r of rows) {
          const wire = Buffer.concat([b('pad'), encodeWireRow(r), b('tail')]);
          e.pushWire(wire, 3, wire.length - 4);
        }
        e.finish();
        const expected = rows.map((r) => reference(format, [...kinds], r));
        const want = format === 'csv' ? expected.join('') : `INSERT INTO \`t\` (\`c0\`,\`c1\`,\`c2\`,\`c3\`) VALUES ${expected.join(',')};\n`;
        expect(e.take().toString('latin1') === Buffer.from(want, 'latin1').toString('latin1'), format).toBe(true);
      }
    });
  });
});

describe('the two row loops', () => {
  it('WebAssembly is built and is the default here', () => {
    expect(defaultEncoderEngine()).toBe('wasm');
  });

  it('write the same bytes for random rows in random batch layouts (every kind, NULLs, lengths around 16, all byte values)', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const kinds = ['text', 'number', 'hex', 'text', 'float', 'text', 'index'] as const;
    const columns = kinds.map((k, i) => col(`c${i}`, k));
    const value = (): Buffer | null => {
      if (rnd(8) === 0) return null;
      const len = [0, 1, 15, 16, 17, 31, 32, 33, 100, 300][rnd(10)]! + rnd(3);
      const specials = [0, 10, 13, 26, 34, 39, 92];
      return Buffer.from(Array.from({ length: len }, () => (rnd(4) === 0 ? specials[rnd(specials.length)]! : rnd(256))));
    };
    for (const format of ['csv', 'sql'] as const) {
      for (const statementSize of [64, 1000, 1 << 20]) {
        const rows = Array.from({ length: 500 }, () => kinds.map(value));
        const wasm = create(format, { table: 't', columns, statementSize }, 'wasm');
        const js = create(format, { table: 't', columns, statementSize }, 'js');
        for (let i = 0; i < rows.length; ) {
          // a batch: some rows back to back in one buffer (as in a socket read), some on their own
          const n = 1 + rnd(40);
          const wires = rows.slice(i, i + n).map((r) => encodeWireRow(r));
          const shared = Buffer.concat(wires.flatMap((w) => [Buffer.alloc(4), w]));
          const buffers: Buffer[] = [];
          const starts: number[] = [];
          const ends: number[] = [];
          let off = 0;
          wires.forEach((w) => {
            if (rnd(3) === 0) {
              buffers.push(Buffer.concat([Buffer.alloc(7), w]));
              starts.push(7);
              ends.push(7 + w.length);
            } else {
              buffers.push(shared);
              starts.push(off + 4);
              ends.push(off + 4 + w.length);
            }
            off += 4 + w.length;
          });
          wasm.pushRows({ length: buffers.length, buffers, starts, ends });
          js.pushRows({ length: buffers.length, buffers, starts, ends });
          i += n;
        }
        wasm.finish();
        js.finish();
        expect(wasm.take().equals(js.take()), `${format} ${statementSize}`).toBe(true);
      }
    }
  });

  it('report the longest line (bytes with its LF, 1-based number) the bytes they wrote hold, whether taken at once or in pieces', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const columns = [col('a', 'number'), col('t', 'text'), col('h', 'hex')];
    for (const engine of ENCODER_ENGINES) {
      for (const format of ['csv', 'sql'] as const) {
        for (const statementSize of [50, 400, 1 << 20]) {
          const e = create(format, { table: 't', columns, statementSize }, engine);
          expect(e.longestLine(), `${engine} ${format}: nothing written`).toEqual({ bytes: 0, line: 0 });
          const scan = new LongestLineTracker();
          const all: Buffer[] = [];
          for (let i = 0; i < 300; i++) {
            // mostly short rows, a few long ones (text with LFs, escaped: never a line break)
            const len = rnd(20) === 0 ? 100 + rnd(200) : rnd(12);
            e.push([b(String(i)), Buffer.alloc(len, rnd(2) ? 0x0a : 0x41), rnd(5) ? b([rnd(256)]) : null]);
            if (rnd(25) === 0) {
              const t = e.take();
              scan.update(t);
              all.push(Buffer.from(t));
            }
          }
          e.finish();
          const t = e.take();
          scan.update(t);
          all.push(Buffer.from(t));
          const got = e.longestLine();
          const lines = Buffer.concat(all).toString('latin1').split('\n').slice(0, -1).map((l) => l.length + 1);
          const best = Math.max(...lines);
          expect(got, `${engine} ${format} ${statementSize}`).toEqual(scan.finish());
          expect(got, `${engine} ${format} ${statementSize}`).toEqual({ bytes: best, line: lines.indexOf(best) + 1 });
        }
      }
    }
  });
  it('write the same bytes when a batch is pushed in pieces, each stopping once `until` bytes are pending, as at once', () => {
    const columns = [col('a', 'number'), col('t', 'text'), col('h', 'hex')];
    const wires = Array.from({ length: 6000 }, (_, i) =>
      encodeWireRow([Buffer.from(String(i)), Buffer.from(`row ${i}\t'quoted'\n`.repeat(1 + (i % 7))), Buffer.alloc(i % 50, i)]),
    );
    const shared = Buffer.concat(wires.flatMap((w) => [Buffer.alloc(4), w]));
    const starts: number[] = [];
    const ends: number[] = [];
    let off = 0;
    for (const w of wires) {
      starts.push(off + 4);
      ends.push(off + 4 + w.length);
      off += 4 + w.length;
    }
    const batch = { length: wires.length, buffers: wires.map(() => shared), starts, ends };
    for (const engine of ENCODER_ENGINES) {
      for (const format of ['csv', 'sql'] as const) {
        const whole = create(format, { table: 't', columns, statementSize: 300 }, engine);
        expect(whole.pushRows(batch)).toBe(batch.length);
        whole.finish();
        const pieces = create(format, { table: 't', columns, statementSize: 300 }, engine);
        const taken: Buffer[] = [];
        let calls = 0;
        for (let i = 0; i < batch.length; calls++) {
          i = pieces.pushRows(batch, i, 20_000);
          if (i < batch.length) expect(pieces.pending, `${engine} ${format}: stopped early`).toBeGreaterThanOrEqual(20_000);
          taken.push(Buffer.from(pieces.take()));
        }
        pieces.finish();
        taken.push(pieces.take());
        // ≈ 800 KB of packets: the WebAssembly loop stops between its calls of ≤ 256 KiB each
        expect(calls, `${engine} ${format}: calls`).toBeGreaterThan(2);
        expect(Buffer.concat(taken).equals(whole.take()), `${engine} ${format}`).toBe(true);
      }
    }
  });
});
