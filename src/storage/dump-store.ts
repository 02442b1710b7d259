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
  /** When it was last written, in ms since the epoch by the store's clock (local: mtime; S3: LastModified). */
  readonly modified?: number;
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

export const CLAIM_RESULTS = ['won', 'lost', 'unguarded'] as const;
export type ClaimResult = (typeof CLAIM_RESULTS)[number];

export const REFRESH_RESULTS = ['refreshed', 'gone', 'replaced'] as const;
export type RefreshResult = (typeof REFRESH_RESULTS)[number];

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
   * Writes a small file whole, only if nothing is at `path`; of claims made at once, exactly one
   * wins, and a reader never sees the file without all its bytes. 'lost' when something is there.
   * Local: a temp file of its own hard-linked into place (link(2) never replaces). S3: a PutObject
   * with If-None-Match: * (AWS, MinIO, …); 'unguarded' when the server does not honour the condition
   * (it was written, but another claim of it may have been too): the caller says so. A temp file a
   * claim needs is named `<path>.<16 hex digits>.partial` and listed while it exists. A claim that
   * fails after writing its file removes it, so the next run does not take it for another's.
   */
  claim(path: string, bytes: Buffer): Promise<ClaimResult>;
  /**
   * Writes a small file whole, replacing what is there, all at once: a reader sees the old bytes
   * or the new ones, never a mix or no file. Local: a temp file `<path>.<16 hex>.partial` renamed
   * over it (not `<path>.partial`: that may be another run's claim); S3: a PutObject.
   */
  replace(path: string, bytes: Buffer): Promise<void>;
  /**
   * A heartbeat of a small file this run wrote (claim or replace) with `bytes`: when it still holds
   * exactly them, it is written again, unchanged, so its `modified` advances by the store's clock
   * (local: the bytes rewritten in place through a descriptor that follows no symbolic link, so a
   * file server sets the mtime; S3: a PutObject with If-Match on the ETag just read). 'gone' when
   * nothing is there, 'replaced' when something else is: the file is then left as it is.
   */
  refresh(path: string, bytes: Buffer): Promise<RefreshResult>;
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
