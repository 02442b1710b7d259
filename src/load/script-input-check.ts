/**
 * Script import, step 1, first: the file is SQL text tsload reads — not compressed in a format it
 * does not read, not named for a compression it is not in, not a `mysqldump --xml` file. Each is
 * refused from the file's first bytes, before it is planned.
 */
import { TsError } from '../core/errors.js';
import { compressionByMagic, type MagicFormat } from '../format/compression.js';
import { scriptBytes, type ScriptFile } from './import-source.js';

export async function refuseUnreadable(file: ScriptFile): Promise<void> {
  await refuseCompression(file);
  await refuseXml(file);
}

/**
 * Step 1, first: a file whose compression tsload does not read (xz, bzip2 …: by its first bytes), or
 * one named .gz / .zst that is not, would be read as SQL text (or as a stream "ending early").
 */
async function refuseCompression(file: ScriptFile): Promise<void> {
  const source = await file.store.open(file.path);
  const first = Buffer.alloc(8);
  try {
    let n = 0;
    for (let k = 1; k > 0 && n < first.length; n += k) k = await source.read(first, n, first.length - n);
  } finally {
    await source.close();
  }
  const found = compressionByMagic(first);
  const named = file.compression === 'none' ? null : file.compression;
  if (found === named) return;
  const what = found === null ? `not ${named}-compressed (its first bytes are not ${named}'s)` : `${found}-compressed${found === 'gzip' || found === 'zstd' ? ` but not named .${found === 'gzip' ? 'gz' : 'zst'}` : ', which tsload does not read'}`;
  throw new TsError({
    code: 'bad-dump',
    message: `${file.display} is ${what}. Nothing was loaded`,
    object: { file: file.display },
    suggestion: found === null ? 'rename the file to what it is (a plain .sql file), or use the compressed copy you meant' : found === 'gzip' || found === 'zstd' ? `rename it to end in .sql.${found === 'gzip' ? 'gz' : 'zst'}` : `decompress it first (${DECOMPRESS[found]}) and load the .sql file, or recompress it with gzip or zstd`,
  });
}

const DECOMPRESS: Record<Exclude<MagicFormat, 'gzip' | 'zstd'>, string> = { xz: 'xz -dk FILE', bzip2: 'bunzip2 -k FILE', lz4: 'lz4 -d FILE', zip: 'unzip FILE', '7z': '7z x FILE' };

/**
 * Step 1, first: a `mysqldump --xml` file holds no SQL statement — planned, it would read as one
 * statement cut short (and --force would load nothing, successfully). Refused from its first bytes.
 */
async function refuseXml(file: ScriptFile): Promise<void> {
  const bytes = scriptBytes(file);
  try {
    const first = (await bytes.next()).value;
    if (!first || !/^(?:\xEF\xBB\xBF)?\s*<(?:\?xml|mysqldump)\b/.test(first.toString('latin1', 0, 256))) return;
  } finally {
    await bytes.return(undefined);
  }
  throw new TsError({
    code: 'bad-dump',
    message: `${file.display} is an XML dump (mysqldump --xml / mariadb-dump --xml), not SQL statements. Nothing was loaded`,
    object: { file: file.display },
    suggestion: 'tsload restores SQL dumps: dump the source again without --xml, or load each table of this file with LOAD XML LOCAL INFILE … ROWS IDENTIFIED BY \'<row>\' into tables you created',
  });
}
