/**
 * The one way dump/ and load/ reach the bytes of a dump: a DumpStore over a local directory or an
 * S3-compatible bucket prefix. Learned from MySQL Shell's IDirectory/IFile and TiDB's
 * ExternalStorage: a flat namespace of relative paths, whole-file and streaming reads, and writes
 * that become visible only when committed.
 *
 * Contract for every implementation:
 * - paths are relative, '/'-separated, validated by checkRelativePath (never `..`, absolute, empty
 *   segments, backslashes or NUL), and never resolve outside the store — not by name, not through a
 *   symbolic link;
 * - `create` returns a PendingFile: nothing is visible under its path until `commit()` resolves,
 *   and then all of it is (local: temp file, fsync, rename; S3: the object appears when its upload
 *   completes). `abort()` leaves nothing behind;
 * - `list` returns committed files only (a local `*.partial` is listed as what it is, a file);
 * - errors are TsErrors naming the file, with a hint.
 */

/** Where a dump lives. Plain data: it crosses to worker threads, which open their own store. */
export type StoreLocation =
  | { readonly kind: 'local'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix without a trailing slash ('' for the bucket root). */
      readonly prefix: string;
      /** Custom endpoint (S3-compatible servers); path-style addressing is used with one. */
      readonly endpoint?: string;
      readonly region?: string;
    };

export const STORE_KINDS = ['local', 's3'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoredFile {
  readonly path: string;
  readonly bytes: number;
}

/** A listed entry: a regular file, or something else that a dump never holds (symlink, device). */
export interface StoredEntry extends StoredFile {
  readonly regular: boolean;
}

/** Bytes of one file in order, read into the caller's buffer (no allocation per read); 0 at the end. */
export interface ByteSource {
  read(into: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/** How a file is read: a hint, every read is served whatever it says. */
export interface OpenOptions {
  /**
   * The caller reads into alignedBuffer memory (aligned-buffer.ts) in whole DIRECT_BLOCKs at block
   * offsets, where it can (its last read may ask for more than the file has left): a local store
   * then reads those past the page cache (O_DIRECT), the rest through it.
   */
  readonly direct?: boolean;
}

/** How a file is written. */
export interface CreateOptions {
  /**
   * The file holds secrets (the users file's password hashes): a local store makes it readable by
   * its owner only (0600), whatever the umask; an object store has no per-file permissions.
   */
  readonly private?: boolean;
}

/** A file being written: invisible under its path until commit(). */
export interface PendingFile {
  /** Appends a copy of `b`: the caller may reuse `b` once this resolves. */
  append(b: Buffer): Promise<void>;
  /** Makes the file durable and visible under its path, all at once. */
  commit(): Promise<void>;
  /** Drops the file: nothing becomes visible. Safe after a failed append; a no-op after commit. */
  abort(): Promise<void>;
}

export interface DumpStore {
  readonly location: StoreLocation;
  /** For messages: the directory, or s3://bucket/prefix. */
  readonly display: string;
  /** Every entry under the store, recursively, as relative paths. */
  list(): Promise<StoredEntry[]>;
  /** A regular file's size, or null when there is none at `path`. */
  stat(path: string): Promise<StoredFile | null>;
  /** A whole file (schema files, the manifest: small). */
  readFile(path: string): Promise<Buffer>;
  /** Streams a file from `offset` (default 0). */
  open(path: string, offset?: number, options?: OpenOptions): Promise<ByteSource>;
  create(path: string, options?: CreateOptions): Promise<PendingFile>;
  /**
   * Writes a small file whole and durably, only if nothing is at `path`: false when something is
   * (or another claim of it is under way). Two tsdumps that found the same output empty both try;
   * exactly one wins (local: an exclusive temp file hard-linked into place). S3: the object is put
   * unconditionally (not every S3-compatible server takes a conditional write), so true.
   */
  claim(path: string, bytes: Buffer): Promise<boolean>;
  /** Removes a committed file (no error when there is none). */
  remove(path: string): Promise<void>;
  /**
   * Drops the writes begun under the store that were neither committed nor aborted — a run killed
   * or stopped mid-write leaves them — for the paths `ours` accepts; how many. S3: incomplete
   * multipart uploads, invisible to `list` but stored (and billed) until aborted. Local: none (a
   * `*.partial` is a listed file, removed like any other).
   */
  discardUnfinished(ours: (path: string) => boolean): Promise<number>;
  /**
   * Why files cannot be created here, or null when they can as far as can be told without writing
   * (local: the directory, or its nearest existing parent, is a writable directory; S3: not knowable
   * without a write, null). Read-only: a preflight asks it.
   */
  whyNotWritable(): Promise<string | null>;
  /** Makes every file committed so far durable (local: fsync the directories; object stores: nothing to do). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The text form of a location, as users write it: a directory or s3://bucket/prefix. */
export function displayLocation(location: StoreLocation): string {
  return location.kind === 'local' ? location.dir : `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

/**
 * Every byte of a ByteSource in reads of up to `pieceBytes`. With `reuse` (the default) every piece
 * is a view of one buffer, valid until the next is asked for (hashing: no allocation per read);
 * without, each piece is its own (for consumers that queue pieces, like a stream).
 */
export async function* readPieces(source: ByteSource, pieceBytes = 1 << 20, { reuse = true } = {}): AsyncGenerator<Buffer> {
  let buf = Buffer.allocUnsafe(pieceBytes);
  try {
    for (;;) {
      const n = await source.read(buf, 0, buf.length);
      if (n === 0) return;
      yield buf.subarray(0, n);
      if (!reuse) buf = Buffer.allocUnsafe(pieceBytes);
    }
  } finally {
    await source.close();
  }
}
