import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, readlink, realpath, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TsError, sysCodeOf } from '../core/errors.js';
import { DirectFile, directReader, type PositionalReader } from './direct-file.js';
import type { ByteSource, ClaimResult, CreateOptions, DumpStore, OpenOptions, PendingFile, RefreshResult, StoreLocation, StoredEntry, StoredFile } from './dump-store.js';
import { checkRelativePath, unsafePath } from './store-path.js';

/**
 * A dump in a local directory. Paths never leave it: each is checked by name (checkRelativePath),
 * its parent directory is resolved through realpath and must lie inside the store's real root, and
 * the file itself is opened with O_NOFOLLOW (a symbolic link in the dump is refused, not followed).
 * New files are written as `<path>.partial` (O_DIRECT where possible, see DirectFile), fsynced and
 * renamed into place on commit.
 */
export class LocalStore implements DumpStore {
  readonly location: StoreLocation;
  private realRoot: string | undefined;

  constructor(readonly dir: string) {
    this.location = { kind: 'local', dir };
  }

  get display(): string {
    return this.dir;
  }

  private async root(): Promise<string> {
    this.realRoot ??= await realpath(this.dir).catch((e: unknown) => {
      throw ioError(e, '.', `cannot open the dump directory ${this.dir}`);
    });
    return this.realRoot;
  }

  /** The absolute path of `relative`, after checking that neither its name nor its directory leaves the store. */
  private async resolve(relative: string, createParents = false): Promise<string> {
    checkRelativePath(relative);
    const root = await this.root();
    const full = path.join(root, ...relative.split('/'));
    const parent = path.dirname(full);
    if (createParents) await mkdir(parent, { recursive: true }).catch((e: unknown) => Promise.reject(ioError(e, relative, 'cannot create the directory for')));
    let real: string;
    try {
      real = await realpath(parent);
    } catch (e) {
      if (sysCodeOf(e) === 'ENOENT' || sysCodeOf(e) === 'ENOTDIR') return full; // nothing there: opening it fails as "missing"
      throw ioError(e, relative, 'cannot read');
    }
    if (real !== root && !real.startsWith(root + path.sep)) throw unsafePath(relative, `the directory of '${relative}' is a symbolic link to ${real}, outside the dump`);
    return path.join(real, path.basename(full));
  }

  async list(): Promise<StoredEntry[]> {
    const root = await this.root();
    const out: StoredEntry[] = [];
    const walk = async (prefix: string): Promise<void> => {
      const entries = await readdir(path.join(root, prefix), { withFileTypes: true }).catch((e: unknown) => Promise.reject(ioError(e, prefix || '.', 'cannot list')));
      for (const e of entries) {
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(rel);
        else if (e.isFile()) {
          // gone since readdir (another run's claim temp file, removed as it loses): not listed
          const st = await lstat(path.join(root, rel)).catch((err: unknown) => (sysCodeOf(err) === 'ENOENT' ? null : Promise.reject(ioError(err, rel, 'cannot list'))));
          if (st) out.push({ path: rel, bytes: st.size, regular: true, modified: st.mtimeMs });
        }
        else out.push({ path: rel, bytes: 0, regular: false });
      }
    };
    await walk('');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Nothing unfinished is unlisted here: a `*.partial` is a file of the listing. */
  async discardUnfinished(): Promise<number> {
    return 0;
  }

  async whyNotWritable(): Promise<string | null> {
    let dir = path.resolve(this.dir);
    for (;;) {
      const st = await lstat(dir).catch(() => null);
      if (st) {
        if (!st.isDirectory() && !st.isSymbolicLink()) return `${dir} is not a directory`;
        return access(dir, constants.W_OK | constants.X_OK).then(
          () => null,
          (e: unknown) => `${dir === path.resolve(this.dir) ? 'the directory' : `its parent ${dir}`} is not writable (${sysCodeOf(e) ?? 'denied'}) for the user running tsdump`,
        );
      }
      const parent = path.dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
  }

  async stat(relative: string): Promise<StoredFile | null> {
    const full = await this.resolve(relative);
    const st = await lstat(full).catch((e: unknown) => {
      if (sysCodeOf(e) === 'ENOENT' || sysCodeOf(e) === 'ENOTDIR') return null;
      throw ioError(e, relative, 'cannot read');
    });
    if (st === null) return null;
    if (st.isSymbolicLink()) throw unsafePath(relative, `'${relative}' is a symbolic link`);
    if (!st.isFile()) return null;
    return { path: relative, bytes: st.size };
  }

  async readFile(relative: string): Promise<Buffer> {
    const fh = await this.openHandle(relative);
    try {
      return await fh.readFile();
    } catch (e) {
      throw ioError(e, relative, 'cannot read');
    } finally {
      await fh.close();
    }
  }

  async open(relative: string, offset = 0, { direct = false }: OpenOptions = {}): Promise<ByteSource> {
    const fh = await this.openHandle(relative);
    // the descriptor checked by openHandle, read past the page cache where the caller's reads allow
    const reader: PositionalReader = direct ? await directReader(fh) : { read: async (into, at, length, position) => (await fh.read(into, at, length, position)).bytesRead, close: () => fh.close(), isDirect: false };
    let position = offset;
    return {
      read: async (into, at, length) => {
        try {
          const n = await reader.read(into, at, length, position);
          position += n;
          return n;
        } catch (e) {
          throw ioError(e, relative, 'cannot read');
        }
      },
      close: () => reader.close(),
    };
  }

  private async openHandle(relative: string): Promise<FileHandle> {
    const full = await this.resolve(relative);
    let fh: FileHandle;
    try {
      fh = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      if (sysCodeOf(e) === 'ELOOP') throw unsafePath(relative, `'${relative}' is a symbolic link`);
      throw ioError(e, relative, 'cannot open');
    }
    try {
      await this.checkOpened(fh, full, relative);
      return fh;
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * resolve() checked the parent directory before the open: a directory swapped for a symbolic
   * link in between would still be followed (O_NOFOLLOW guards the last component only). So the
   * file actually opened is checked: on Linux by where its descriptor points; elsewhere by the
   * parent's real path again and the file's identity.
   */
  private async checkOpened(fh: FileHandle, full: string, relative: string): Promise<void> {
    const root = await this.root();
    const inside = (p: string): boolean => p.startsWith(root + path.sep);
    const opened = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
    if (opened !== null) {
      if (!inside(opened)) throw unsafePath(relative, `'${relative}' was reached through a symbolic link to ${opened}, outside the dump`);
      return;
    }
    const parent = await realpath(path.dirname(full)).catch(() => null);
    const [a, b] = await Promise.all([fh.stat(), lstat(full).catch(() => null)]);
    if (parent === null || !(parent === root || inside(parent)) || b === null || a.ino !== b.ino || a.dev !== b.dev) {
      throw unsafePath(relative, `'${relative}' changed while it was opened (a directory or the file was replaced)`);
    }
  }

  async create(relative: string, options: CreateOptions = {}): Promise<PendingFile> {
    const full = await this.resolve(relative, true);
    const partial = `${full}.partial`;
    const file = await DirectFile.create(partial, options.private ? { mode: 0o600 } : {}).catch((e: unknown) => Promise.reject(writeError(e, relative)));
    let done = false;
    return {
      append: async (b) => {
        try {
          await file.append(b);
        } catch (e) {
          throw writeError(e, relative);
        }
      },
      commit: async () => {
        try {
          await file.finish();
          await rename(partial, full);
          done = true;
        } catch (e) {
          throw writeError(e, relative);
        }
      },
      abort: async () => {
        if (done) return;
        done = true;
        await file.close();
        await unlink(partial).catch(() => undefined);
      },
    };
  }

  async claim(relative: string, bytes: Buffer): Promise<ClaimResult> {
    const full = await this.resolve(relative, true);
    // a temp file of this claim's own, complete before it is linked into place: a contender that
    // loses reads the winner's whole file, never an empty one
    const temp = tempName(full);
    try {
      await writeDurably(temp, bytes);
      // link(2), unlike rename(2), never replaces what is there
      const linked = await link(temp, full).then(
        () => 'won' as const,
        async (e: unknown) => {
          // NFS: a link retransmitted after its reply was lost fails EEXIST although it was made
          if (sysCodeOf(e) === 'EEXIST') return (await sameFile(temp, full)) ? ('won' as const) : ('lost' as const);
          // any other failure is a file system without hard links (FAT, SMB: EPERM, EACCES; FUSE: ENOSYS; …)
          return 'no-links' as const;
        },
      );
      if (linked !== 'no-links') return linked;
      // created in place, still exclusively (O_EXCL): a failure once created removes it (writeDurably)
      return await writeDurably(full, bytes).then(
        () => 'won' as const,
        (e: unknown) => (sysCodeOf(e) === 'EEXIST' ? ('lost' as const) : Promise.reject(e)),
      );
    } catch (e) {
      throw writeError(e, relative);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async replace(relative: string, bytes: Buffer): Promise<void> {
    const full = await this.resolve(relative, true);
    const temp = tempName(full);
    try {
      await writeDurably(temp, bytes);
      await rename(temp, full);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw writeError(e, relative);
    }
  }

  async refresh(relative: string, bytes: Buffer): Promise<RefreshResult> {
    const full = await this.resolve(relative);
    let fh: FileHandle;
    try {
      // O_NONBLOCK: a FIFO put there must not hang the run; a regular file ignores it
      fh = await open(full, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      if (sysCodeOf(e) === 'ENOENT') return 'gone';
      // a symbolic link or something else put in its place: not ours, and never followed
      if (['ELOOP', 'EISDIR', 'ENXIO'].includes(sysCodeOf(e) ?? '')) return 'replaced';
      throw writeError(e, relative);
    }
    try {
      await this.checkOpened(fh, full, relative);
      if (!(await fh.stat()).isFile()) return 'replaced';
      const held = Buffer.alloc(bytes.length + 1);
      const { bytesRead } = await fh.read(held, 0, held.length, 0);
      if (!held.subarray(0, bytesRead).equals(bytes)) return 'replaced';
      // the same bytes again, in place: the file system (on NFS the file server, by its clock) sets the mtime
      await fh.write(bytes, 0, bytes.length, 0);
      await fh.sync();
      return 'refreshed';
    } catch (e) {
      throw writeError(e, relative);
    } finally {
      await fh.close();
    }
  }

  async remove(relative: string): Promise<void> {
    const full = await this.resolve(relative);
    await unlink(full).catch((e: unknown) => {
      if (sysCodeOf(e) !== 'ENOENT') throw ioError(e, relative, 'cannot remove');
    });
  }

  /** Removes the now-empty directories below the root (after a cleanup removed their files). */
  async pruneEmptyDirectories(): Promise<void> {
    const root = await this.root();
    for (const e of await readdir(root, { withFileTypes: true })) {
      if (e.isDirectory()) await rmdir(path.join(root, e.name)).catch(() => undefined);
    }
  }

  async flush(): Promise<void> {
    const root = await this.root();
    for (const e of await readdir(root, { withFileTypes: true })) if (e.isDirectory()) await fsyncDir(path.join(root, e.name));
    await fsyncDir(root);
  }

  async close(): Promise<void> {}
}

/** A temp file next to `full`, of a name no other writer uses: `<full>.<16 hex>.partial`. */
function tempName(full: string): string {
  return `${full}.${randomBytes(8).toString('hex')}.partial`;
}

/** Whether two paths name one file (a hard link made). */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([lstat(a).catch(() => null), lstat(b).catch(() => null)]);
  return x !== null && y !== null && x.ino === y.ino && x.dev === y.dev;
}

/** Creates `full` (never replacing anything: EEXIST) with `bytes`, fsynced; removed again when that fails once created. */
async function writeDurably(full: string, bytes: Buffer): Promise<void> {
  const fh = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await unlink(full).catch(() => undefined);
    throw e;
  } finally {
    await fh.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // some file systems cannot fsync a directory; the files themselves were fsynced
    if (!['EINVAL', 'EISDIR', 'EPERM'].includes(sysCodeOf(e) ?? '')) throw ioError(e, '.', 'cannot sync');
  } finally {
    await fh.close();
  }
}

/** Opens (creating it when asked) the local directory of a dump. */
export async function localStore(dir: string, { create = false } = {}): Promise<LocalStore> {
  if (create) await mkdir(dir, { recursive: true }).catch((e: unknown) => Promise.reject(ioError(e, '.', `cannot create the output directory ${dir}`)));
  return new LocalStore(path.resolve(dir));
}

const HINTS: Record<string, string> = {
  EACCES: 'permission denied: the user running this needs read (and for a dump, write) access to the file and its directory',
  EPERM: 'operation not permitted: check the permissions and attributes of the file and its directory',
  ENOENT: 'no such file or directory: check the path',
  ENOTDIR: 'a part of the path is not a directory: check the path',
  EISDIR: 'this is a directory where a file was expected',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files: raise the limit (ulimit -n) or lower -t',
};

/** A file-system error as a TsError naming the file, with the fix. */
export function ioError(e: unknown, relative: string, what: string): TsError {
  if (e instanceof TsError) return e;
  const code = sysCodeOf(e) ?? '';
  return new TsError({ code: 'io', message: `${what} ${relative}: ${code || (e as Error).message}`, object: { file: relative }, suggestion: HINTS[code] ?? 'check the path, its permissions and the disk', cause: e });
}

function writeError(e: unknown, relative: string): TsError {
  if (e instanceof TsError) return e;
  const code = sysCodeOf(e);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    return new TsError({ code: 'disk-full', message: `cannot write ${relative}: ${code === 'EFBIG' ? 'file size limit reached' : 'disk full'}`, object: { file: relative }, suggestion: 'free space on the output disk (or use -c zstd) and run the dump again', cause: e });
  }
  return ioError(e, relative, 'cannot write');
}
