/**
 * The files a run touches that are not a dump: the program's own assets (package.json, the
 * WebAssembly row loop), option files, TLS certificate files, and scratch directories of the
 * benchmarks. Dumps go through a DumpStore; everything else on the local disk goes through here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TsError, messageOf, sysCodeOf } from '../core/errors.js';

/** A file shipped with the program (by URL relative to a module), or null when it is not there. */
export function readAsset(url: URL): Buffer | null {
  try {
    return readFileSync(url);
  } catch {
    return null;
  }
}

/** The version in the package.json shipped next to dist/ ('0.0.0' when it cannot be read). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse((readAsset(new URL('../../package.json', import.meta.url)) ?? '{}').toString()) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The file system as the option-file parser sees it (injected so the parser is testable without files). */
export interface OptionFileSystem {
  /** File contents, or undefined if the file does not exist. */
  readFile(file: string): string | undefined;
  /** Entries of a directory (names only), or undefined if it does not exist. */
  listDir(dir: string): string[] | undefined;
  /** File bytes, or undefined if the file does not exist (the encrypted login path file). */
  readBytes(file: string): Buffer | undefined;
  /** The permission bits of a file (undefined if it does not exist or cannot be looked at). */
  permissions?(file: string): number | undefined;
}

function isMissing(e: unknown): boolean {
  const code = sysCodeOf(e);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export const nodeFileSystem: OptionFileSystem = {
  readFile(file) {
    try {
      if (!statSync(file).isFile()) return undefined;
      return readFileSync(file, 'utf8');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw new TsError({ code: 'usage', message: `cannot read option file: ${messageOf(e)}`, object: { file }, cause: e });
    }
  },
  readBytes(file) {
    try {
      if (!statSync(file).isFile()) return undefined;
      return readFileSync(file);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw new TsError({ code: 'usage', message: `cannot read option file: ${messageOf(e)}`, object: { file }, cause: e });
    }
  },
  permissions(file) {
    try {
      return statSync(file).mode & 0o7777;
    } catch {
      return undefined;
    }
  },
  listDir(dir) {
    try {
      return readdirSync(dir);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw new TsError({ code: 'usage', message: `cannot read option directory: ${messageOf(e)}`, object: { file: dir }, cause: e });
    }
  },
};

/** A small text file named on the command line (a certificate, a key), with a clear error when it cannot be read. */
export function readUserFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const why = sysCodeOf(e) === 'ENOENT' ? 'no such file' : sysCodeOf(e) === 'EACCES' ? 'permission denied' : messageOf(e);
    throw new TsError({ code: 'usage', message: `cannot read ${what} ${file}: ${why}`, object: { file }, suggestion: `check the path given for ${what}` });
  }
}

/** A new private scratch directory under `parent` (default: the OS temp directory). */
export async function makeScratchDir(prefix: string, parent: string | null = null): Promise<string> {
  return mkdtemp(path.join(parent ?? os.tmpdir(), prefix));
}

/** Removes a scratch directory this run created with makeScratchDir. */
export async function removeScratchDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** What a local path is: the input of `tsload -d` may be a dump directory or a single dump file. */
export function localPathKind(p: string): 'file' | 'directory' | 'other' | null {
  try {
    const st = statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
  } catch (e) {
    if (isMissing(e)) return null;
    throw new TsError({ code: 'io', message: `cannot read ${p}: ${messageOf(e)}`, object: { file: p }, suggestion: 'check the path and its permissions', cause: e });
  }
}

/**
 * Where a path the user named really is (symbolic links resolved): a dump file given as a link
 * (`latest.sql` → `2026-12-07.sql`) is read where the link points, as the user asked; a link inside
 * a dump is another matter (the stores refuse those).
 */
export function localRealPath(p: string): string {
  try {
    return realpathSync(p);
  } catch (e) {
    throw new TsError({ code: 'io', message: `cannot read ${p}: ${messageOf(e)}`, object: { file: p }, suggestion: 'check the path and its permissions', cause: e });
  }
}

/** Names in a local directory (empty when it cannot be read: the caller's next step reports why). */
export function listLocalDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
