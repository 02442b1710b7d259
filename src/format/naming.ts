import { createHash } from 'node:crypto';

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

/** tsdump --users: accounts, roles and grants (format/users-file.ts). */
export const USERS_FILE = 'users.json';

/**
 * The database where tsload records its progress on a target. Named here, below both tools: tsload
 * writes it, tsdump leaves it out of every dump unless asked for it by name.
 */
export const PROGRESS_DB = 'tsload_progress';

/** Marks a dump directory while tsdump writes it (JSON: tool, version, start, host, pid). */
export const IN_PROGRESS_FILE = '.tsdump-in-progress';

/**
 * Held by a tsdump while it decides about the output and prepares it (the same JSON as the marker):
 * created exclusively before anything is listed or deleted, removed once the marker is in place.
 */
export const CLAIM_FILE = `${IN_PROGRESS_FILE}.partial`;

/** A store's temp file of a claim of CLAIM_FILE under way (DumpStore.claim: `<path>.<16 hex>.partial`). */
export function isClaimTemp(relative: string): boolean {
  return relative.startsWith(`${CLAIM_FILE}.`) && /^\.[0-9a-f]{16}\.partial$/.test(relative.slice(CLAIM_FILE.length));
}

const ENCODED = '[A-Za-z0-9_@~-]+';
const DUMP_FILE = new RegExp(
  `^(?:${MANIFEST_FILE.replace('.', '\\.')}|${USERS_FILE.replace('.', '\\.')}|\\.tsdump-in-progress(?:\\.partial)?(?:\\.[0-9a-f]{16})?|${ENCODED}/database\\.sql|${ENCODED}/${ENCODED}\\.(?:${OBJECT_FILE_KINDS.join('|')})\\.sql|${ENCODED}/${ENCODED}\\.[0-9]{6,}\\.(?:csv|sql)(?:\\.gz|\\.zst)?)(?:\\.partial)?$`,
);

/**
 * Whether `relative` is a name tsdump writes (or writes on its way: `*.partial`). An overwrite or
 * cleanup touches only such files, so a wrong -o never deletes anything of anyone else's.
 */
export function isDumpFilePath(relative: string): boolean {
  return DUMP_FILE.test(relative);
}
