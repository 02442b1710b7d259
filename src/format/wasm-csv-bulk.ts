import { wasmModuleOnce } from './wasm-module.js';
import { BULK_ERROR_CODES, CsvBulkError } from './csv-bulk-error.js';
import { bulkKinds, type BulkCodec, type BulkRows, type CsvBulkConverter } from './bulk-row-data.js';

/** The exports of assembly/csv-bulk.ts. */
interface CsvBulkExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  convert(kinds: number, nCols: number, p: number, end: number, out: number, cap: number): number;
  getRows(): number;
  getInEnd(): number;
  getOutEnd(): number;
  getErrAt(): number;
  getErrColumn(): number;
}

// dist/wasm/ from both src/format/ (tests) and dist/format/ (the built package)
const WASM_FILE = new URL('../../dist/wasm/csv-bulk.wasm', import.meta.url);
/** The compiled converter module (wasm-module.ts). */
export const csvBulkModule = wasmModuleOnce(WASM_FILE);

const PAGE = 64 * 1024;
const LF = 0x0a;
const OK = 0;
const FULL = 1;
const LAST = 0x10;

const IMPORTS = {
  env: {
    abort: () => {
      throw new Error('csv-bulk converter: abort');
    },
  },
};

/** Instances (each with its memory, grown to the largest span seen) of disposed converters, reused by the next one in this thread. */
const idleInstances: WebAssembly.Instance[] = [];
/**
 * CSV bytes per call into the module (more for a single longer row). The module's memory holds a
 * span and 5 times its size of output: 256 KiB keeps it near 1.5 MiB per converter.
 */
const MAX_SPAN = 256 * 1024;

/**
 * A CsvBulkConverter running the row loop in WebAssembly. Per call into the module: a span of
 * whole rows is copied into its memory, converted there, and the row data copied to `out`.
 */
export class WasmCsvBulkConverter implements CsvBulkConverter {
  private readonly instance: WebAssembly.Instance;
  private readonly x: CsvBulkExports;
  private readonly nCols: number;
  private readonly kindsPtr: number;
  private readonly inPtr: number;
  private disposed = false;
  /** A view of the module's memory, renewed when it grows. */
  private mem!: Buffer;

  constructor(module: WebAssembly.Module, codecs: readonly BulkCodec[]) {
    if (codecs.length === 0) throw new Error('csv-bulk: a table without columns');
    this.instance = idleInstances.pop() ?? new WebAssembly.Instance(module, IMPORTS);
    this.x = this.instance.exports as unknown as CsvBulkExports;
    const kinds = bulkKinds(codecs);
    this.nCols = kinds.length;
    this.kindsPtr = align(this.x.heapBase());
    this.inPtr = align(this.kindsPtr + kinds.length);
    this.reserve(this.inPtr + PAGE);
    this.mem.set(kinds, this.kindsPtr);
    this.mem[this.kindsPtr + kinds.length - 1] |= LAST; // the module's flag on the last column
  }

  /** Makes the module's memory at least `bytes` long. */
  private reserve(bytes: number): void {
    const memory = this.x.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    if (this.mem?.buffer !== memory.buffer) this.mem = Buffer.from(memory.buffer);
  }

  convert(src: Buffer, from: number, to: number, out: Buffer, outAt: number, outEnd: number): BulkRows {
    if (this.disposed) throw new Error('csv-bulk: converter used after dispose()');
    const x = this.x;
    let p = from;
    let o = outAt;
    let rows = 0;
    while (p < to && o < outEnd) {
      // whole rows from p: at most MAX_SPAN bytes (fewer for a small out: a row of n bytes converts
      // to at least n / 3), or the one row at p if it is longer
      const limit = Math.min(to, p + Math.min(MAX_SPAN, 4 * (outEnd - o) + 256));
      let lf = src.lastIndexOf(LF, limit - 1);
      if (lf < p) {
        lf = src.indexOf(LF, limit);
        if (lf < 0 || lf >= to) break;
      }
      const span = lf + 1 - p;
      const outPtr = align(this.inPtr + span + 16);
      this.reserve(outPtr + 5 * span + 64);
      const mem = this.mem;
      src.copy(mem, this.inPtr, p, lf + 1);
      const status = x.convert(this.kindsPtr, this.nCols, this.inPtr, this.inPtr + span, outPtr, outEnd - o);
      const end = x.getOutEnd();
      o += mem.copy(out, o, outPtr, end);
      rows += x.getRows();
      p += x.getInEnd() - this.inPtr;
      if (status === FULL) break;
      if (status !== OK) throw new CsvBulkError(BULK_ERROR_CODES[status - 2]!, p + x.getErrAt() - (x.getInEnd()), x.getErrColumn());
    }
    return { consumed: p - from, written: o - outAt, rows };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    idleInstances.push(this.instance);
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}
