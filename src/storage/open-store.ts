import path from 'node:path';
import { TsError } from '../core/errors.js';
import { maskUrl } from '../core/mask-url.js';
import type { DumpStore, StoreKind, StoreLocation } from './dump-store.js';
import { localStore } from './local-store.js';

/**
 * A dump location as users write it: `s3://bucket/prefix` or a local directory (relative to the
 * working directory). Anything else with a scheme (`gs://`, `http://`) is refused rather than
 * taken for a local directory of that name.
 */
export function parseLocation(text: string, what: string): StoreLocation {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (!m) return { kind: 'local', dir: path.resolve(text) };
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 's3') {
    throw new TsError({ code: 'usage', message: `${what} '${maskUrl(text)}': unknown storage scheme ${scheme}://`, suggestion: 'use a local directory or s3://bucket/prefix' });
  }
  const rest = m[2]!;
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TsError({ code: 'usage', message: `${what} '${maskUrl(text)}': '${maskUrl(bucket)}' is not a valid bucket name`, suggestion: 'write s3://bucket/prefix (bucket names are 3-63 lower-case letters, digits, dots and hyphens)' });
  }
  // The prefix is used as written: a '.', '..' or empty segment names, on a server or proxy that
  // normalizes keys, another place than the one the output and overwrite checks list (a dump there
  // silently replaced another's files)
  if (prefix !== '' && (/[\\\0]/.test(prefix) || prefix.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'))) {
    throw new TsError({ code: 'usage', message: `${what} '${maskUrl(text)}': the prefix '${maskUrl(prefix)}' has a '.', '..' or empty segment (or a backslash)`, suggestion: 'write the prefix as the plain key path it is, e.g. s3://bucket/backups/2026-12-08' });
  }
  return { kind: 's3', bucket, prefix };
}

const OPENERS: Record<StoreKind, (location: StoreLocation, create: boolean) => Promise<DumpStore>> = {
  local: (l, create) => localStore((l as Extract<StoreLocation, { kind: 'local' }>).dir, { create }),
  // a bucket is never created: it must exist (and `create` has nothing to make under a prefix).
  // The AWS SDK is loaded only for an S3 location: it costs every V8 isolate that imports it
  // ≈ 34 MiB of RSS (9 MiB of heap), and a dump to a local directory has three isolates.
  s3: async (l) => (await import('./s3-store.js')).s3Store(l as Extract<StoreLocation, { kind: 's3' }>),
};

/** Opens the store at `location`; `create` makes a local directory that does not exist yet (S3: the bucket must exist). */
export function openStore(location: StoreLocation, { create = false } = {}): Promise<DumpStore> {
  return OPENERS[location.kind](location, create);
}
