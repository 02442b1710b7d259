import { createHash, type Hash } from 'node:crypto';
import { TsError } from '../core/errors.js';
import { alignUp } from '../storage/aligned-buffer.js';
import type { ByteSource } from '../storage/dump-store.js';
import type { BlockHashes, FileEntry } from './manifest.js';

/**
 * Block hashes of a data file (docs/FORMAT.md, "Block hashes"): the sha256 of every BLOCK_BYTES of
 * the stored bytes (compressed files: of the compressed bytes), the last block shorter. They let a
 * loader check a file while streaming it once — a block's bytes are used only after its hash
 * matched — and start a resumed read at the block holding the first unloaded byte, where the
 * whole-file sha256 would need every byte from the start first.
 */
export const BLOCK_BYTES = 4 * 1024 * 1024;

export function blockCount(bytes: number, blockBytes: number): number {
  return Math.ceil(bytes / blockBytes);
}

/**
 * Hashes a byte stream block by block as it passes (the dump's chunk writer, verify). With `whole`,
 * it also keeps the sha256 of the whole stream, and the first block's hash is that hash's state
 * at the end of the first block (Hash.copy): those bytes are hashed once, not twice.
 */
export class BlockHasher {
  /** The current block's hash; null in the first block when the whole-stream hash serves for it. */
  private h: Hash | null;
  private readonly whole: Hash | null;
  private inBlock = 0;
  private readonly hashes: string[] = [];

  constructor(readonly blockBytes = BLOCK_BYTES, { whole = false } = {}) {
    this.whole = whole ? createHash('sha256') : null;
    this.h = this.whole ? null : createHash('sha256');
  }

  update(b: Buffer): void {
    for (let from = 0; from < b.length; ) {
      const n = Math.min(b.length - from, this.blockBytes - this.inBlock);
      const piece = from === 0 && n === b.length ? b : b.subarray(from, from + n);
      this.whole?.update(piece);
      this.h?.update(piece);
      this.inBlock += n;
      from += n;
      if (this.inBlock === this.blockBytes) this.next();
    }
  }

  private next(): void {
    this.hashes.push((this.h ?? this.whole!.copy()).digest('hex'));
    this.h = createHash('sha256');
    this.inBlock = 0;
  }

  finish(): BlockHashes {
    if (this.inBlock > 0) this.next();
    return { bytes: this.blockBytes, sha256: this.hashes };
  }

  /** The sha256 of the whole stream (constructed with `whole`), once, after finish(). */
  wholeSha256(): string {
    if (!this.whole) throw new TsError({ code: 'internal', message: 'BlockHasher without the whole-stream hash' });
    return this.whole.digest('hex');
  }
}

type Entry = Pick<FileEntry, 'path' | 'bytes'> & { readonly blocks: BlockHashes };

function blockError(f: Entry, message: string): TsError {
  return new TsError({ code: 'bad-dump', message: `${f.path}: ${message}`, object: { file: f.path }, suggestion: 'do not load from this copy; use an untouched copy of the dump (tsdump verify shows every damaged file)' });
}

/**
 * The bytes of a stored file from block `firstBlock` on (`raw` must be positioned at its start),
 * released only block by block after each block's sha256 matched the manifest: no byte of a
 * damaged block, nor anything after it, ever reaches the caller. Truncated or grown files are
 * errors too. Two ways to read:
 * - with `buffers`: a block is read ahead into the second buffer while the caller consumes the
 *   first (so a download overlaps the load), copied out in reads of any size; that is all the
 *   memory it needs: two buffers of the block size. `skip` drops the first bytes of the first
 *   block (a resume that starts mid-block).
 * - without (`buffers` null, `wholeBlocks` set): each read() reads the next whole block straight
 *   into the caller's memory, which must have room for a block (`length` ≥ the block size), checks
 *   it there and only then returns its length: no copy, no memory of its own. `skip` must be 0 (the
 *   caller drops the bytes it does not want).
 */
export class VerifiedSource implements ByteSource {
  private ready: Buffer = Buffer.alloc(0);
  private pending: Promise<Buffer | null> | null = null;
  private block: number;
  private which = 0;
  private skip: number;
  private readonly count: number;
  /** Set when reads take whole blocks into the caller's memory (no buffers): the block size. */
  readonly wholeBlocks: number | undefined;

  constructor(
    private readonly raw: ByteSource,
    private readonly entry: Entry,
    firstBlock: number,
    skip: number,
    private readonly buffers: readonly [Buffer, Buffer] | null,
  ) {
    const b = entry.blocks.bytes;
    this.count = blockCount(entry.bytes, b);
    this.block = firstBlock;
    this.skip = skip;
    if (!buffers) {
      if (skip !== 0) throw new TsError({ code: 'internal', message: 'a whole-block read cannot skip bytes' });
      this.wholeBlocks = b;
      return;
    }
    if (buffers[0].length < b || buffers[1].length < b) throw new TsError({ code: 'internal', message: 'block buffers smaller than the block size' });
    this.pending = this.fill(firstBlock, buffers[0]);
    this.pending.catch(() => undefined); // reported where it is awaited
  }

  private async fill(block: number, buf: Buffer): Promise<Buffer | null> {
    const size = this.entry.blocks.bytes;
    if (block >= this.count) {
      if ((await this.raw.read(buf, 0, 1)) > 0) throw blockError(this.entry, `the file is longer than the ${this.entry.bytes} bytes the manifest records`);
      return null;
    }
    const start = block * size;
    const len = Math.min(size, this.entry.bytes - start);
    // The last block is asked for in whole DIRECT_BLOCKs where the buffer has room, so a direct read
    // (OpenOptions.direct) serves it too: what the file has beyond its recorded size shows here.
    const ask = block === this.count - 1 ? Math.min(buf.length, alignUp(len)) : len;
    let got = 0;
    while (got < len) {
      const n = await this.raw.read(buf, got, ask - got);
      if (n === 0) throw blockError(this.entry, `the file ends at byte ${start + got}, the manifest records ${this.entry.bytes} bytes (truncated)`);
      got += n;
    }
    if (got > len) throw blockError(this.entry, `the file is longer than the ${this.entry.bytes} bytes the manifest records`);
    const data = buf.subarray(0, len);
    const actual = createHash('sha256').update(data).digest('hex');
    const expected = this.entry.blocks.sha256[block]!;
    if (actual !== expected) {
      throw blockError(this.entry, `sha256 of block ${block + 1} of ${this.count} (bytes ${start}-${start + len - 1}) ${actual.slice(0, 16)}… differs from the manifest's ${expected.slice(0, 16)}… (the file was changed after the dump)`);
    }
    return data;
  }

  async read(into: Buffer, offset: number, length: number): Promise<number> {
    if (!this.buffers) {
      if (length < this.entry.blocks.bytes) throw new TsError({ code: 'internal', message: 'a whole-block read needs room for a block' });
      // kept until it settles: close() waits for it (the caller's memory is being written)
      const read = this.fill(this.block, into.subarray(offset, offset + length));
      this.pending = read;
      const got = await read.finally(() => {
        if (this.pending === read) this.pending = null;
      });
      if (got === null) return 0;
      this.block++;
      return got.length;
    }
    while (this.ready.length === 0) {
      if (!this.pending) return 0;
      const got = await this.pending;
      if (got === null) {
        this.pending = null;
        return 0;
      }
      this.ready = got.subarray(Math.min(this.skip, got.length));
      this.skip = 0;
      // the other buffer is free: the caller has used up the block it held
      this.which ^= 1;
      this.pending = this.fill(++this.block, this.buffers[this.which]!);
      this.pending.catch(() => undefined);
    }
    const n = this.ready.copy(into, offset, 0, Math.min(length, this.ready.length));
    this.ready = this.ready.subarray(n);
    return n;
  }

  async close(): Promise<void> {
    await this.pending?.catch(() => undefined);
    this.pending = null;
    await this.raw.close();
  }
}

/** sha256 of a whole stored file and, when asked, its block hashes, in one pass (tsdump verify). */
export async function hashPieces(pieces: AsyncIterable<Buffer>, blockBytes: number | null): Promise<{ sha256: string; bytes: number; blocks: BlockHashes | null }> {
  if (blockBytes) {
    const blocks = new BlockHasher(blockBytes, { whole: true });
    let bytes = 0;
    for await (const piece of pieces) {
      blocks.update(piece);
      bytes += piece.length;
    }
    const list = blocks.finish();
    return { sha256: blocks.wholeSha256(), bytes, blocks: list };
  }
  const h = createHash('sha256');
  let bytes = 0;
  for await (const piece of pieces) {
    h.update(piece);
    bytes += piece.length;
  }
  return { sha256: h.digest('hex'), bytes, blocks: null };
}
