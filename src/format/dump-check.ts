import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TsError } from '../core/errors.js';
import { hashFile } from './hashing.js';
import { manifestFiles, parseManifest, type Manifest } from './manifest.js';
import { MANIFEST_FILE, resolveInside } from './naming.js';

export const PROBLEM_KINDS = ['missing', 'size', 'checksum', 'extra', 'unsafe-path'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface DumpProblem {
  readonly kind: ProblemKind;
  readonly file: string;
  readonly detail: string;
}

/** Reads and validates the manifest of a dump directory; refuses an incomplete dump clearly. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') {
      const partial = e.code === 'ENOENT';
      throw new TsError({
        code: 'bad-dump',
        message: `${dir} has no ${MANIFEST_FILE}: the dump is incomplete (interrupted or still running) or this is not a dump directory`,
        object: { file: MANIFEST_FILE },
        suggestion: partial ? 'run tsdump again; a dump is only complete once its manifest is written' : undefined,
      });
    }
    throw new TsError({ code: 'io', message: `cannot read ${file}: ${e.message}`, object: { file: MANIFEST_FILE } });
  });
  return parseManifest(text);
}

/**
 * Checks every file the manifest names: inside the directory, present, the recorded size and (with
 * `hashes`) the recorded sha256; and reports files the manifest does not know. Returns all problems.
 */
export async function checkDump(dir: string, manifest: Manifest, opts: { hashes: boolean }): Promise<DumpProblem[]> {
  const problems: DumpProblem[] = [];
  const known = new Set<string>([MANIFEST_FILE]);
  for (const f of manifestFiles(manifest)) {
    let full: string;
    try {
      full = resolveInside(dir, f.path);
    } catch (e) {
      problems.push({ kind: 'unsafe-path', file: f.path, detail: (e as Error).message });
      continue;
    }
    known.add(f.path);
    const st = await stat(full).catch(() => null);
    if (!st || !st.isFile()) {
      problems.push({ kind: 'missing', file: f.path, detail: 'file is missing' });
      continue;
    }
    if (st.size !== f.bytes) {
      problems.push({ kind: 'size', file: f.path, detail: `size ${st.size} bytes, manifest says ${f.bytes} (${st.size < f.bytes ? 'truncated' : 'grown'})` });
      continue;
    }
    if (opts.hashes) {
      const h = await hashFile(full);
      if (h.sha256 !== f.sha256) problems.push({ kind: 'checksum', file: f.path, detail: `sha256 ${h.sha256.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}… (content changed)` });
    }
  }
  for (const rel of await listFiles(dir)) {
    if (!known.has(rel)) problems.push({ kind: 'extra', file: rel, detail: 'file is not part of the dump' });
  }
  return problems;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}
