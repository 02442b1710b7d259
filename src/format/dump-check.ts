import { TsError } from '../core/errors.js';
import { readPieces, type DumpStore } from '../storage/dump-store.js';
import { blockCount, hashPieces, streamHashes } from './block-hashes.js';
import { manifestFiles, type BlockHashes, type Manifest } from './manifest.js';
import { parseManifest } from './manifest-parse.js';
import { MANIFEST_FILE } from './naming.js';

export const PROBLEM_KINDS = ['missing', 'size', 'checksum', 'extra', 'unsafe-path', 'unreadable'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface DumpProblem {
  readonly kind: ProblemKind;
  readonly file: string;
  readonly detail: string;
}

/** Reads and validates the manifest of a dump; refuses an incomplete dump clearly. */
export async function readManifest(store: DumpStore): Promise<Manifest> {
  if ((await store.stat(MANIFEST_FILE)) === null) {
    throw new TsError({
      code: 'bad-dump',
      message: `${store.display} has no ${MANIFEST_FILE}: the dump is incomplete (interrupted or still running) or this is not a dump`,
      object: { file: MANIFEST_FILE },
      suggestion: 'run tsdump again; a dump is only complete once its manifest is written',
    });
  }
  return parseManifest((await store.readFile(MANIFEST_FILE)).toString('utf8'));
}

/**
 * Checks every file the manifest names: inside the dump, a regular file (not a link), present, the
 * recorded size and (with `hashes`) the recorded sha256 and block hashes; and reports entries the
 * manifest does not know. Presence and sizes come from one listing of the store (an object store
 * answers that in a request per 1000 files, not one per file); only a file the listing does not
 * show as a regular file is looked at on its own, to say why (missing, outside the dump, a link).
 * Returns all problems; an unreadable file is a problem of its own, named with the reason.
 */
export async function checkDump(store: DumpStore, manifest: Manifest, opts: { hashes: boolean }): Promise<DumpProblem[]> {
  const problems: DumpProblem[] = [];
  const known = new Set<string>([MANIFEST_FILE]);
  const listing = await store.list();
  const listed = new Map(listing.filter((e) => e.regular).map((e) => [e.path, e.bytes] as const));
  for (const f of manifestFiles(manifest)) {
    known.add(f.path);
    try {
      const bytes = listed.get(f.path) ?? (await store.stat(f.path))?.bytes;
      if (bytes === undefined) {
        problems.push({ kind: 'missing', file: f.path, detail: 'file is missing' });
        continue;
      }
      if (bytes !== f.bytes) {
        problems.push({ kind: 'size', file: f.path, detail: `size ${bytes} bytes, manifest says ${f.bytes} (${bytes < f.bytes ? 'truncated' : 'grown'})` });
        continue;
      }
      if (opts.hashes) {
        const recorded = streamHashes(f as { prefixes?: BlockHashes; blocks?: BlockHashes });
        const h = await hashPieces(readPieces(await store.open(f.path)), recorded && { kind: recorded.kind, bytes: recorded.hashes.bytes });
        // the first block whose (prefix) hash differs: the first damaged one
        const bad = recorded && h.list ? recorded.hashes.sha256.findIndex((b, i) => b !== h.list!.sha256[i]) : -1;
        const where = (): string => {
          const size = recorded!.hashes.bytes;
          return `block ${bad + 1} of ${blockCount(f.bytes, size)} (bytes ${bad * size}-${Math.min(f.bytes, (bad + 1) * size) - 1})`;
        };
        if (h.sha256 !== f.sha256) problems.push({ kind: 'checksum', file: f.path, detail: `sha256 ${h.sha256.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}… (content changed${bad >= 0 ? `, from ${where()} on` : ''})` });
        else if (bad >= 0) problems.push({ kind: 'checksum', file: f.path, detail: `the file matches its sha256 but not the manifest's hash of ${where()} (the manifest was edited): a loader would refuse it` });
      }
    } catch (e) {
      if (!(e instanceof TsError)) throw e;
      const kind: ProblemKind = e.code === 'bad-dump' ? 'unsafe-path' : 'unreadable';
      problems.push({ kind, file: f.path, detail: `${e.message}${e.suggestion ? ` (${e.suggestion})` : ''}` });
    }
  }
  for (const e of listing) {
    if (!known.has(e.path)) problems.push({ kind: 'extra', file: e.path, detail: e.regular ? 'file is not part of the dump' : 'not a regular file (a symbolic link or device): not part of the dump' });
  }
  return problems;
}
