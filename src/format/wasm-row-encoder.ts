import type { WireBatch } from '../core/wire-row.js';
import type { LongestLine } from './longest-line.js';
import type { Dialect } from './row-encoder.js';
import { layoutExpansion } from '../db/binary-layout.js';
import { SinkEncoder } from './sink-encoder.js';
import { wasmModuleOnce } from './wasm-module.js';

/** The exports of assembly/wire-encoder.ts. */
interface WireEncoderExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  setDialect(quote: number, sql: number, nul: number, nulN: number, hp: number, hpN: number, eh: number, ehN: number, head: number, headN: number, size: number): void;
  getStatementBytes(): number;
  setStatementBytes(n: number): void;
  resetLines(): void;
  closeLine(extra: number): void;
  getLongestBytes(): number;
  getLongestLine(): number;
  encode(kinds: number, layout: number, nCols: number, idx: number, nRows: number, out: number): number;
}

// dist/wasm/ from both src/format/ (tests) and dist/format/ (the built package)
const WASM_FILE = new URL('../../dist/wasm/wire-encoder.wasm', import.meta.url);
/** The compiled encoder module (wasm-module.ts). */
export const wireEncoderModule = wasmModuleOnce(WASM_FILE);

const PAGE = 64 * 1024;

const IMPORTS = {
  env: {
    abort: () => {
      throw new Error('wire encoder: abort');
    },
  },
};

/**
 * Instances (each with its memory, grown to the largest batch seen) of disposed encoders, reused by
 * the next encoder in this thread: a chunk's encoder would otherwise leave megabytes of memory for
 * the garbage collector to find.
 */
const idleInstances: WebAssembly.Instance[] = [];
/** Rows per call into the module (a batch from the socket holds at most 4096 by default). */
const MAX_ROWS = 4096;
/**
 * Packet bytes per call into the module. The module's memory holds a call's input and up to three
 * times its size of output, and keeps the size of the largest call: 256 KiB keeps it near 1 MiB per
 * encoder where whole 1 MiB batches made it 4 MiB, for a call per 256 KiB instead of per batch.
 */
const MAX_SPAN = 256 * 1024;

/**
 * A RowEncoder running the row loop in WebAssembly. Per batch: the rows are copied into the
 * module's memory (one copy per run of packets that lie back to back in a socket read, packet
 * headers included), their offsets written to an index, one call encodes them all, and the result
 * is copied into the file buffer. The module also keeps the longest line, as it writes each LF
 * (no scan of the bytes afterwards). One module instance (and memory) per live encoder.
 */
export class WasmRowEncoder extends SinkEncoder {
  private readonly instance: WebAssembly.Instance;
  private readonly x: WireEncoderExports;
  private disposed = false;
  private readonly nCols: number;
  private readonly kindsPtr: number;
  /** Where useBinaryRows puts the binary rows' layout (4 bytes per column). */
  private readonly layoutAt: number;
  /** The layout's address while the rows are binary-protocol rows, else 0. */
  private layoutPtr = 0;
  private readonly idxPtr: number;
  private readonly inPtr: number;
  private readonly textPerRow: number;
  private perRow: number;
  /** Views of the module's memory, renewed when it grows. */
  private mem!: Buffer;
  private idx!: Uint32Array;

  constructor(module: WebAssembly.Module, dialect: Dialect, kinds: Uint8Array, head: Buffer, statementSize: number) {
    super(false); // the module counts the lines it ends
    this.instance = idleInstances.pop() ?? new WebAssembly.Instance(module, IMPORTS);
    const instance = this.instance;
    this.x = instance.exports as unknown as WireEncoderExports;
    this.nCols = kinds.length;
    const consts = [kinds, dialect.nul, dialect.hexPrefix, dialect.emptyHex, head, new Uint8Array(4 * kinds.length)];
    const base = align(this.x.heapBase());
    let p = base;
    const at = consts.map((c) => {
      const ptr = p;
      p += c.length;
      return ptr;
    });
    this.idxPtr = align(p);
    this.inPtr = this.idxPtr + 4 * MAX_ROWS;
    this.textPerRow = 6 * this.nCols + head.length + 8;
    this.perRow = this.textPerRow;
    this.reserve(this.inPtr + PAGE);
    consts.forEach((c, i) => this.mem.set(c, at[i]!));
    this.kindsPtr = at[0]!;
    this.layoutAt = at[5]!;
    this.x.setDialect(dialect.quote, dialect.sql ? 1 : 0, at[1]!, dialect.nul.length, at[2]!, dialect.hexPrefix.length, at[3]!, dialect.emptyHex.length, at[4]!, head.length, statementSize);
    this.x.setStatementBytes(0);
    this.x.resetLines();
  }

  override dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    idleInstances.push(this.instance);
    super.dispose();
  }

  /**
   * The rows pushed from now on are binary-protocol rows read by this layout (db/binary-layout.ts),
   * or text-protocol rows again (null).
   */
  override get readsBinaryRows(): boolean {
    return true;
  }

  override useBinaryRows(layout: Uint8Array | null): void {
    if (layout === null) {
      this.layoutPtr = 0;
      this.perRow = this.textPerRow;
      return;
    }
    if (layout.length !== 4 * this.nCols) throw new Error(`binary row layout for ${layout.length / 4} columns, the encoder has ${this.nCols}`);
    this.mem.set(layout, this.layoutAt);
    // each column's value kind in its fourth byte: the module reads one word per column
    for (let i = 0; i < this.nCols; i++) this.mem[this.layoutAt + 4 * i + 3] = this.mem[this.kindsPtr + i]!;
    this.layoutPtr = this.layoutAt;
    this.perRow = this.textPerRow + layoutExpansion(layout);
  }

  /** Makes the module's memory at least `bytes` long. */
  private reserve(bytes: number): void {
    const memory = this.x.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    if (this.mem?.buffer !== memory.buffer) {
      this.mem = Buffer.from(memory.buffer);
      this.idx = new Uint32Array(memory.buffer, this.idxPtr, MAX_ROWS);
    }
  }

  override pushRows(rows: WireBatch, from = 0, until = Infinity): number {
    const { buffers, starts, ends } = rows;
    let i = from;
    while (i < rows.length && this.sink.len < until) {
      // rows for this call: at most MAX_ROWS, and MAX_SPAN bytes of packets with their output bound (one row whatever its size)
      const last = Math.min(rows.length, i + MAX_ROWS);
      let span = ends[i]! - starts[i]! + 4;
      let j = i + 1;
      for (; j < last; j++) {
        const n = ends[j]! - starts[j]! + 4;
        // input and its output bound: binary rows are short and their values grow as text
        if (3 * (span + n) + (j + 1 - i) * this.perRow > 3 * MAX_SPAN) break;
        span += n;
      }
      this.reserve(this.inPtr + span + 16 + 2 * span + (j - i) * this.perRow + 64);
      const mem = this.mem;
      const idx = this.idx;
      let o = this.inPtr;
      for (let k = i; k < j; ) {
        // a run of packets back to back in one read: one copy, headers and all
        const buf = buffers[k]!;
        const from = starts[k]!;
        let m = k;
        while (m + 1 < j && buffers[m + 1] === buf && starts[m + 1] === ends[m]! + 4) m++;
        buf.copy(mem, o, from, ends[m]!);
        for (let r = k; r <= m; r++) idx[r - i] = o + starts[r]! - from;
        o += ends[m]! - from;
        k = m + 1;
      }
      const out = align(o);
      const end = this.x.encode(this.kindsPtr, this.layoutPtr, this.nCols, this.idxPtr, j - i, out);
      const s = this.sink;
      s.ensure(end - out);
      mem.copy(s.buf, s.len, out, end);
      s.len += end - out;
      i = j;
    }
    return i;
  }

  pushWire(buf: Buffer, start: number, end: number): void {
    this.pushRows({ length: 1, buffers: [buf], starts: [start], ends: [end] });
  }

  override finish(): void {
    if (this.x.getStatementBytes() > 0) {
      this.sink.byte(0x3b);
      this.sink.byte(0x0a);
      this.x.setStatementBytes(0);
      this.x.closeLine(2);
    }
  }

  override longestLine(): LongestLine {
    this.x.closeLine(0);
    return { bytes: this.x.getLongestBytes(), line: this.x.getLongestLine() };
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}
