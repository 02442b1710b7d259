import { createHash } from 'node:crypto';
import path from 'node:path';
import { TsError } from '../core/errors.js';

/**
 * File names from identifiers. Contract (docs/FORMAT.md):
 * - `[A-Za-z0-9_-]` stay as they are (plain names stay readable);
 * - every other UTF-8 byte becomes `@HH` (two lower-case hex digits), so `.`, `/`, `\`, NUL and
 *   `..` can never appear and the encoding is injective (`a.b`+`c` and `a`+`b.c` differ);
 * - an encoding longer than 120 characters is cut to 100 and gets `~` + 16 hex digits of the
 *   sha256 of the identifier, so file names stay under every file system's 255-byte limit.
 */
const PLAIN = /^[A-Za-z0-9_-]$/;
const MAX_ENCODED = 120;

export function encodeIdentifier(name: string): string {
  let out = '';
  for (const ch of name) {
    if (PLAIN.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '@' + b.toString(16).padStart(2, '0');
  }
  if (out === '') out = '@';
  if (out.length <= MAX_ENCODED) return out;
  const h = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
  return `${out.slice(0, 100).replace(/@[0-9a-f]?$/, '')}~${h}`;
}

export const OBJECT_FILE_KINDS = ['table', 'view', 'trigger', 'procedure', 'function', 'event', 'sequence'] as const;
export type ObjectFileKind = (typeof OBJECT_FILE_KINDS)[number];

export function databaseDir(database: string): string {
  return encodeIdentifier(database);
}

export function databaseFile(database: string): string {
  return `${databaseDir(database)}/database.sql`;
}

export function objectFile(database: string, kind: ObjectFileKind, name: string): string {
  return `${databaseDir(database)}/${encodeIdentifier(name)}.${kind}.sql`;
}

export function chunkFile(database: string, table: string, index: number, extension: string): string {
  return `${databaseDir(database)}/${encodeIdentifier(table)}.${String(index).padStart(6, '0')}.${extension}`;
}

export const MANIFEST_FILE = 'manifest.json';

/**
 * Resolves a manifest-relative path inside the dump directory, refusing anything that would leave
 * it (absolute paths, `..` segments, backslashes, NUL). Used by every reader of a dump.
 */
export function resolveInside(dumpDir: string, relative: string): string {
  if (
    relative === '' ||
    relative.includes('\0') ||
    relative.includes('\\') ||
    path.isAbsolute(relative) ||
    relative.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')
  ) {
    throw new TsError({
      code: 'bad-dump',
      message: `manifest names a file outside the dump directory: '${relative}'`,
      object: { file: relative },
      suggestion: 'the manifest was edited or is hostile; use an untouched copy of the dump',
    });
  }
  const root = path.resolve(dumpDir);
  const full = path.resolve(root, relative);
  if (!full.startsWith(root + path.sep)) {
    throw new TsError({ code: 'bad-dump', message: `manifest path escapes the dump directory: '${relative}'`, object: { file: relative } });
  }
  return full;
}
