/**
 * The values of a data line, read back as they were written (docs/FORMAT.md sections 4 and 5): for
 * the loader's checks after a statement warned or failed (which value of which row a warning is
 * about), never in the row loop. Fields are returned as written: a quoted value keeps its quotes and
 * escapes, NULL is `\N` (CSV) or `NULL` (SQL).
 */

const COMMA = 0x2c;
const LF = 0x0a;
const BACKSLASH = 0x5c;

/** Index just past the quoted value opened at `i` (backslash escapes). */
function pastQuoted(b: Buffer, i: number, quote: number): number {
  let j = i + 1;
  while (j < b.length) {
    const c = b[j]!;
    if (c === BACKSLASH) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
  return b.length;
}

/** The fields of one CSV line (with or without its LF). */
export function csvFields(line: Buffer): string[] {
  const out: string[] = [];
  let end = line.length;
  while (end > 0 && line[end - 1] === LF) end--;
  const b = line.subarray(0, end);
  let i = 0;
  for (;;) {
    let j = i;
    while (j < b.length && b[j] !== COMMA) j = b[j] === 0x22 ? pastQuoted(b, j, 0x22) : j + 1;
    out.push(b.toString('latin1', i, j));
    if (j >= b.length) return out;
    i = j + 1;
  }
}

/** The lines of a block of CSV or SQL data: line n (1-based) is `lines[n - 1]`. */
export function dataLines(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    const nl = data.indexOf(LF, pos);
    const end = nl < 0 ? data.length : nl + 1;
    out.push(data.subarray(pos, end));
    pos = end;
  }
  return out;
}

/** Index just past the backquoted identifier at `i`. */
function pastIdent(b: Buffer, i: number): number {
  let j = i + 1;
  while (j < b.length) {
    if (b[j] === 0x60) {
      if (b[j + 1] === 0x60) j += 2;
      else return j + 1;
    } else j++;
  }
  return b.length;
}

/**
 * The rows of one INSERT line of the SQL format (`INSERT INTO \`t\` (\`a\`,…) VALUES (…),(…);`):
 * row n (1-based, as the server counts "at row n") is `rows[n - 1]`. Null when the line is not
 * such a statement.
 */
export function sqlRows(line: Buffer): string[][] | null {
  const head = 'INSERT INTO ';
  if (line.toString('latin1', 0, head.length) !== head || line[head.length] !== 0x60) return null;
  let i = pastIdent(line, head.length);
  if (line.toString('latin1', i, i + 2) !== ' (') return null;
  i += 2;
  while (i < line.length && line[i] === 0x60) {
    i = pastIdent(line, i);
    if (line[i] === COMMA) i++;
  }
  const values = ') VALUES ';
  if (line.toString('latin1', i, i + values.length) !== values) return null;
  i += values.length;
  const rows: string[][] = [];
  while (line[i] === 0x28) {
    const row: string[] = [];
    i++;
    for (;;) {
      let j = i;
      while (j < line.length && line[j] !== COMMA && line[j] !== 0x29) j = line[j] === 0x27 ? pastQuoted(line, j, 0x27) : j + 1;
      row.push(line.toString('latin1', i, j));
      i = j + 1;
      if (line[j] !== COMMA) break;
    }
    rows.push(row);
    if (line[i] === COMMA) i++;
  }
  return rows;
}
