import { TsError } from '../core/errors.js';

/**
 * Checks a store-relative path: '/'-separated segments, none empty, `.` or `..`, no backslash, no NUL,
 * not absolute. Every store calls it before touching a path, whatever the path came from (a
 * manifest is input like any other: it may have been edited).
 */
export function checkRelativePath(relative: string): string {
  if (
    relative === '' ||
    relative.includes('\0') ||
    relative.includes('\\') ||
    relative.startsWith('/') ||
    /^[A-Za-z]:/.test(relative) ||
    relative.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')
  ) {
    throw unsafePath(relative, `'${relative}' is not a path inside the dump`);
  }
  return relative;
}

export function unsafePath(relative: string, why: string): TsError {
  return new TsError({
    code: 'bad-dump',
    message: `refusing a file outside the dump directory: ${why}`,
    object: { file: relative },
    suggestion: 'a dump never names files outside itself nor holds symbolic links: the manifest or the directory was edited or is hostile; use an untouched copy',
  });
}
