/**
 * What `tsload -d PATH` points at: a tsdump dump (a directory or s3:// prefix with manifest.json),
 * a mydumper directory (`metadata` and `*-schema.sql` files), or a mysqldump / mariadb-dump file
 * (.sql, .sql.gz, .sql.zst). Detected from the path; --input-format overrides.
 */
import path from 'node:path';
import { TsError } from '../core/errors.js';
import { localPathKind, localRealPath } from '../storage/local-files.js';
import { displayLocation, type StoreLocation } from '../storage/dump-store.js';
import type { InputFormat } from './load-options.js';

export type DetectedInput =
  | { readonly kind: 'tsdump' }
  | { readonly kind: 'mysqldump'; readonly dir: StoreLocation; readonly file: string; readonly display: string }
  | { readonly kind: 'mydumper'; readonly dir: StoreLocation; readonly display: string };

export type DetectedKind = DetectedInput['kind'];

/** .sql.xz / .sql.bz2 too: taken for a mysqldump file, to be refused saying to decompress it (script-input-check.ts). */
const SQL_FILE = /\.sql(\.gz|\.zst|\.xz|\.bz2)?$/;

/** Directory entries that make a directory a mydumper dump. */
export function looksLikeMydumper(names: readonly string[]): boolean {
  // schema files, or (a dump made with -m / --no-schemas) chunk files DB.T.NNNNN.sql / .dat
  return (names.includes('metadata') || names.includes('metadata.partial')) && names.some((n) => /-schema(-create)?\.sql(\.gz|\.zst)?$|^[^/]+\.[^/]+\.\d+\.(sql|dat)(\.gz|\.zst)?$/.test(n));
}

export function detectInput(source: StoreLocation, format: InputFormat, list: (dir: string) => readonly string[]): DetectedInput {
  if (source.kind !== 'local') {
    // an object store: a key ending in .sql / .sql.gz / .sql.zst is a mysqldump file (its "directory"
    // is the prefix above it); a mydumper prefix is named by --input-format (listing it to detect
    // would cost a request per run of every tsdump load)
    const display = displayLocation(source);
    if (format === 'mysqldump' || (format === 'auto' && SQL_FILE.test(source.prefix))) {
      const cut = source.prefix.lastIndexOf('/');
      return { kind: 'mysqldump', dir: { ...source, prefix: cut < 0 ? '' : source.prefix.slice(0, cut) }, file: source.prefix.slice(cut + 1), display };
    }
    if (format === 'mydumper') return { kind: 'mydumper', dir: source, display };
    return { kind: 'tsdump' };
  }
  const p = source.dir;
  const kind = localPathKind(p);
  if (kind === null) throw new TsError({ code: 'usage', message: `${p}: no such file or directory`, suggestion: 'pass -d with a tsdump or mydumper directory or a mysqldump file' });
  if (kind === 'file') {
    if (format !== 'auto' && format !== 'mysqldump') throw new TsError({ code: 'usage', message: `${p} is a file; a ${format} dump is a directory`, suggestion: 'pass the dump directory, or --input-format mysqldump' });
    // the file the user named, wherever a link they named points (its directory is the store's)
    const real = localRealPath(p);
    return { kind: 'mysqldump', dir: { kind: 'local', dir: path.dirname(real) }, file: path.basename(real), display: p };
  }
  if (kind !== 'directory') throw new TsError({ code: 'usage', message: `${p} is neither a file nor a directory` });
  if (format === 'mysqldump') throw new TsError({ code: 'usage', message: `${p} is a directory; a mysqldump dump is one file`, suggestion: 'pass the .sql / .sql.gz / .sql.zst file' });
  if (format === 'mydumper') return { kind: 'mydumper', dir: source, display: p };
  if (format === 'tsdump') return { kind: 'tsdump' };
  const names = list(p);
  if (names.includes('manifest.json') && looksLikeMydumper(names)) {
    throw new TsError({
      code: 'bad-dump',
      message: `${p} holds both a tsdump manifest.json and mydumper files (metadata, ${names.find((n) => n !== 'metadata' && n !== 'manifest.json' && looksLikeMydumper(['metadata', n]))}, …): two dumps in one directory, or files copied into one; nothing was loaded`,
      object: { file: p },
      suggestion: 'put each dump in a directory of its own, or name the one to load with --input-format tsdump|mydumper',
    });
  }
  if (!names.includes('manifest.json') && looksLikeMydumper(names)) return { kind: 'mydumper', dir: source, display: p };
  const scripts = names.filter((n) => SQL_FILE.test(n)).sort();
  // a tsdump keeps its .sql files in a directory per database: at the top they are someone else's
  if (!names.includes('manifest.json') && scripts.length > 0) {
    const shown = scripts.length > 3 ? `${scripts.slice(0, 3).join(', ')}, …` : scripts.join(', ');
    throw new TsError({
      code: 'usage',
      message: `${p} holds ${scripts.length} SQL file${scripts.length > 1 ? 's' : ''} (${shown}) but no tsdump manifest.json nor mydumper metadata: a folder of mysqldump files (MySQL Workbench's 'Export to Dump Project Folder' writes one a table) is not one dump`,
      suggestion: `load the files one at a time: tsload -d ${path.join(p, scripts[0]!)} -B DATABASE, the tables' files first and the routines' and views' last`,
    });
  }
  return { kind: 'tsdump' };
}
