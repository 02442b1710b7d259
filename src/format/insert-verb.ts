/**
 * The verb of a script's INSERT statement, for --on-duplicate: `INSERT INTO`, `INSERT IGNORE INTO`,
 * `REPLACE INTO` (with any of LOW_PRIORITY, DELAYED, HIGH_PRIORITY, IGNORE, and with or without
 * INTO), as mysqldump / mariadb-dump (--insert-ignore, --replace) and mydumper write them. The verb
 * is found in the statement's bytes, so a load can swap it for another without copying the rest.
 */

/** What an INSERT's verb becomes under --on-duplicate ignore / replace. */
export const DUPLICATE_VERBS = {
  ignore: Buffer.from('INSERT IGNORE INTO ', 'latin1'),
  replace: Buffer.from('REPLACE INTO ', 'latin1'),
} as const;

const MODIFIERS = ['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE'];

const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The word at buf[at] (letters and '_'), upper-cased; '' when there is none. */
function wordAt(buf: Buffer, at: number, end: number): string {
  let j = at;
  while (j < end) {
    const c = buf[j]! | 0x20;
    if ((c >= 0x61 && c <= 0x7a) || buf[j] === 0x5f) j++;
    else break;
  }
  return buf.toString('latin1', at, j).toUpperCase();
}

/**
 * Length of the verb at buf[at] — the words before the table name with the blanks after them —
 * or 0 when the statement there does not start with a verb this can swap (a comment inside the
 * verb, a conditional comment around the statement). Only the words before the table name are
 * read: a column list, VALUES or SELECT after it are left as they are.
 */
export function insertVerbLength(buf: Buffer, at: number, end: number): number {
  const first = wordAt(buf, at, end);
  if (first !== 'INSERT' && first !== 'REPLACE') return 0;
  const byte = (j: number): number | undefined => (j < end ? buf[j] : undefined);
  let j = at + first.length;
  for (;;) {
    if (!isBlank(byte(j))) return 0;
    while (j < end && isBlank(buf[j])) j++;
    const w = wordAt(buf, j, end);
    if (w === 'INTO') {
      j += w.length;
      if (!isBlank(byte(j))) return 0;
      while (j < end && isBlank(buf[j])) j++;
      return startsName(byte(j)) ? j - at : 0;
    }
    if (MODIFIERS.includes(w)) {
      j += w.length;
      continue;
    }
    // no INTO: the table name follows the verb (a word that is not a modifier, or a quoted name)
    return startsName(byte(j)) ? j - at : 0;
  }
}

/** A byte that can start a table name: a backquote, a letter, a digit, '_', '$' or a non-ASCII byte. */
function startsName(c: number | undefined): boolean {
  if (c === undefined) return false;
  return c === 0x60 || c === 0x5f || c === 0x24 || c >= 0x80 || (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/**
 * Where the database qualifier of the INSERT at buf[at, end) is — `db` of `db`.`t`, quotes
 * included — or null when its table name is not qualified or its verb cannot be read
 * (insertVerbLength). The load writes the target's name there: DBeaver's and phpMyAdmin's exports
 * qualify every INSERT with the source database.
 */
export function insertQualifier(buf: Buffer, at: number, end: number): { readonly from: number; readonly to: number } | null {
  const verb = insertVerbLength(buf, at, end);
  if (verb === 0) return null;
  const from = at + verb;
  let j = from;
  if (buf[j] === 0x60) {
    for (j++; j < end; j++) {
      if (buf[j] !== 0x60) continue;
      if (buf[j + 1] !== 0x60) break;
      j++;
    }
    if (j >= end) return null;
    j++;
  } else {
    while (j < end && startsName(buf[j]) && buf[j] !== 0x60) j++;
  }
  const to = j;
  while (j < end && isBlank(buf[j])) j++;
  return to > from && buf[j] === 0x2e ? { from, to } : null;
}
