import { createHash, type Hash } from 'node:crypto';
import { TsError } from '../core/errors.js';
import { alignUp } from '../storage/aligned-buffer.js';
import type { ByteSource } from '../storage/dump-store.js';
import type { BlockHashes, FileEntry } from './manifest.js';

/**
 * Stream hashes of a data file (docs/FORMAT.md, "Block hashes"), over the stored bytes (compressed
 * files: the compressed bytes) in blocks of BLOCK_BYTES, the last block shorter. They let a loader
 * check a file while streaming it once — a block's bytes are used only after its hash matched.
 * - `prefixes` (dumps since they exist): the sha256 of the file's bytes from 0 to the end of each
 *   block, the last one the whole file's sha256: one SHA-256 pass makes all of them (Hash.copy at
 *   each block end). A resume that starts at block k reads and hashes blocks 0..k-1 first.
 * - `blocks` (older dumps, read and verified only): the sha256 of each block on its own, so a
 *   resume starts reading at its block.
 */
export const BLOCK_BYTES = 4 * 1024 * 1024;

export function blockCount(bytes: number, blockBytes: number): number {
  return Math.ceil(bytes / blockBytes);
}

export type HashKind = 'prefixes' | 'blocks';

/** The stream hashes a manifest entry records (prefixes or, older dumps, blocks), or null (oldest dumps: none). */
export function streamHashes(f: { readonly prefixes?: BlockHashes; readonly blocks?: BlockHashes }): { kind: HashKind; hashes: BlockHashes } | null {
  if (f.prefixes) return { kind: 'prefixes', hashes: f.prefixes };
  if (f.blocks) return { kind: 'blocks', hashes: f.blocks };
  return null;
}

/**
 * The whole stream's sha256 and its prefix hashes (or, `blocks`, block hashes: verify of older
 * dumps) as bytes pass, in one SHA-256 pass for prefixes. A block hash's first block is the whole
 * hash's state at its end (Hash.copy): those bytes are hashed once, not twice.
 */
export class StreamHasher {
  private readonly whole = createHash('sha256');
  /** blocks: the current block's hash after the first block (the first comes from the whole hash). */
  private h: Hash | null = null;
  private inBlock = 0;
  private readonly hashes: string[] = [];
  private done: { sha256: string; list: BlockHashes } | null = null;

  constructor(
    readonly blockBytes = BLOCK_BYTES,
    private readonly kind: HashKind = 'prefixes',
  ) {}

  update(b: Buffer): void {
    for (let from = 0; from < b.length; ) {
      const n = Math.min(b.length - from, this.blockBytes - this.inBlock);
      const piece = from === 0 && n === b.length ? b : b.subarray(from, from + n);
      this.whole.update(piece);
      this.h?.update(piece);
      this.inBlock += n;
      from += n;
      if (this.inBlock === this.blockBytes) this.next();
    }
  }

  private next(): void {
    this.hashes.push((this.h ?? this.whole.copy()).digest('hex'));
    if (this.kind === 'blocks') this.h = createHash('sha256');
    this.inBlock = 0;
  }

  /** The whole stream's sha256 and the list of hashes; the stream is over. */
  finish(): { sha256: string; list: BlockHashes } {
    if (!this.done) {
      if (this.inBlock > 0) this.next();
      this.done = { sha256: this.whole.digest('hex'), list: { bytes: this.blockBytes, sha256: this.hashes } };
    }
    return this.done;
  }
}

type Entry = Pick<FileEntry, 'path' | 'bytes'> & { readonly prefixes?: BlockHashes; readonly blocks?: BlockHashes };

function blockError(f: Entry, message: string): TsError {
  return new TsError({ code: 'bad-dump', message: `${f.path}: ${message}`, object: { file: f.path }, suggestion: 'do not load from this copy; use an untouched copy of the dump (tsdump verify shows every damaged file)' });
}

function hashesOf(entry: Entry): { kind: HashKind; hashes: BlockHashes } {
  const h = streamHashes(entry);
  if (!h) throw new TsError({ code: 'internal', message: `${entry.path}: a verified read needs prefix or block hashes` });
  return h;
}

/**
 * Where the stored file must be opened for a VerifiedSource that starts at block `firstBlock`: at
 * that block with block hashes, at byte 0 with prefix hashes (the blocks before it are hashed first).
 */
export function verifiedStart(entry: Entry, firstBlock: number): number {
  const { kind, hashes } = hashesOf(entry);
  return kind === 'blocks' ? firstBlock * hashes.bytes : 0;
}

/**
 * The bytes of a stored file from block `firstBlock` on (`raw` must be positioned at
 * verifiedStart()), released only block by block after each block's hash matched the manifest: no
 * byte of a damaged block, nor anything after it, ever reaches the caller. With prefix hashes one
 * running sha256 goes from byte 0, and a block is released once the hash of everything up to its
 * end matched; a start at block k > 0 first reads and checks blocks 0..k-1 and drops their bytes (a
 * resume re-reads the file's start). Truncated or grown files are errors too. Two ways to read:
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
  private readonly kind: HashKind;
  private readonly hashes: BlockHashes;
  /** The next block to read from `raw` (blocks are read in order, each once). */
  private next: number;
  /** prefixes: the sha256 of the bytes read so far. */
  private readonly running: Hash | null;
  /** Set when reads take whole blocks into the caller's memory (no buffers): the block size. */
  readonly wholeBlocks: number | undefined;

  constructor(
    private readonly raw: ByteSource,
    private readonly entry: Entry,
    firstBlock: number,
    skip: number,
    private readonly buffers: readonly [Buffer, Buffer] | null,
  ) {
    ({ kind: this.kind, hashes: this.hashes } = hashesOf(entry));
    const b = this.hashes.bytes;
    this.count = blockCount(entry.bytes, b);
    this.block = firstBlock;
    this.next = this.kind === 'blocks' ? firstBlock : 0;
    this.running = this.kind === 'prefixes' ? createHash('sha256') : null;
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

  /** Block `block` read into `buf` and checked (the blocks before it first, when not read yet); null past the end. */
  private async fill(block: number, buf: Buffer): Promise<Buffer | null> {
    // prefixes, a start past block 0: the blocks before it are read and checked, their bytes dropped
    while (this.next < Math.min(block, this.count)) await this.readBlock(buf);
    if (block >= this.count) {
      if ((await this.raw.read(buf, 0, 1)) > 0) throw blockError(this.entry, `the file is longer than the ${this.entry.bytes} bytes the manifest records`);
      return null;
    }
    return this.readBlock(buf);
  }

  /** The next block into `buf`, returned once its hash matched. */
  private async readBlock(buf: Buffer): Promise<Buffer> {
    const block = this.next;
    const size = this.hashes.bytes;
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
    const actual = this.running ? this.running.update(data).copy().digest('hex') : createHash('sha256').update(data).digest('hex');
    const expected = this.hashes.sha256[block]!;
    if (actual !== expected) {
      const what = this.running ? `sha256 of block ${block + 1} of ${this.count} (bytes ${start}-${start + len - 1}) with all bytes before it` : `sha256 of block ${block + 1} of ${this.count} (bytes ${start}-${start + len - 1})`;
      throw blockError(this.entry, `${what} ${actual.slice(0, 16)}… differs from the manifest's ${expected.slice(0, 16)}… (the file was changed after the dump)`);
    }
    this.next++;
    return data;
  }

  async read(into: Buffer, offset: number, length: number): Promise<number> {
    if (!this.buffers) {
      if (length < this.hashes.bytes) throw new TsError({ code: 'internal', message: 'a whole-block read needs room for a block' });
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

/**
 * sha256 of a whole stored file and, when asked (`kind` and block size), its prefix or block
 * hashes, in one pass (tsdump verify).
 */
export async function hashPieces(pieces: AsyncIterable<Buffer>, want: { kind: HashKind; bytes: number } | null): Promise<{ sha256: string; bytes: number; list: BlockHashes | null }> {
  const h = new StreamHasher(want?.bytes ?? Number.MAX_SAFE_INTEGER, want?.kind);
  let bytes = 0;
  for await (const piece of pieces) {
    h.update(piece);
    bytes += piece.length;
  }
  const r = h.finish();
  return { sha256: r.sha256, bytes, list: want ? r.list : null };
}
