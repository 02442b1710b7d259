import { TsError } from '../core/errors.js';
import { checkDump, readManifest } from '../format/dump-check.js';
import { sha256Hex } from '../format/hashing.js';
import type { FileEntry, Manifest } from '../format/manifest.js';
import { schemaStatements } from '../format/schema-text.js';
import type { DumpStore } from '../storage/dump-store.js';

/**
 * Step 1: the manifest, and every file it names present with its recorded size, inside the dump.
 * Schema files are hashed as they are read; each chunk file is hashed right before its first row
 * is loaded (chunk-load.ts), so no row of a tampered chunk ever commits.
 */
export async function readDump(store: DumpStore): Promise<Manifest> {
  const manifest = await readManifest(store);
  const problems = await checkDump(store, manifest, { hashes: false });
  if (problems.length > 0) {
    const first = problems[0]!;
    const list = problems.slice(0, 10).map((p) => `${p.kind}: ${p.file}: ${p.detail}`).join('; ');
    throw new TsError({
      code: 'bad-dump',
      message: `the dump in ${store.display} is not intact (${problems.length} problem(s)): ${list}${problems.length > 10 ? '; …' : ''}`,
      object: { file: first.file },
      suggestion: 'do not load from this copy; `tsdump verify DIR` lists every problem',
    });
  }
  return manifest;
}

/** Reads a schema file and checks its sha256 against the manifest before it is used. */
/** A schema file's statements (terminators removed: schema-text.ts), after its sha256 matched. */
export async function readSchemaFile(store: DumpStore, f: FileEntry): Promise<string> {
  const data = await store.readFile(f.path);
  const h = sha256Hex(data);
  if (h !== f.sha256 || data.length !== f.bytes) throw checksumError(f, h);
  return schemaStatements(data.toString('utf8'));
}

export function checksumError(f: FileEntry, actual: string): TsError {
  return new TsError({
    code: 'bad-dump',
    message: `${f.path}: sha256 ${actual.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}… (the file was changed after the dump)`,
    object: { file: f.path },
    suggestion: 'do not load from this copy; use an untouched copy of the dump',
  });
}
