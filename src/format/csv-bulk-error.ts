/** What can be wrong with a CSV data file's bytes, for the bulk converter (src/format/csv-bulk.ts). */
export const BULK_ERROR_CODES = [
  'unclosed-quote',
  'bad-separator',
  'too-few-fields',
  'too-many-fields',
  'not-enclosed',
  'bad-escape',
  'quote-in-unquoted',
  'bad-hex',
  'odd-hex',
  'bad-index',
  'index-range',
] as const;
export type BulkErrorCode = (typeof BULK_ERROR_CODES)[number];

const MESSAGES: Record<BulkErrorCode, string> = {
  'unclosed-quote': 'a quoted value is not closed before the end of the line',
  'bad-separator': "a field is not followed by ',' or the end of the line",
  'too-few-fields': 'the row has fewer fields than the table has columns',
  'too-many-fields': 'the row has more fields than the table has columns',
  'not-enclosed': 'a text value is not enclosed in quotes (nor \\N)',
  'bad-escape': 'a backslash inside quotes is not followed by 0, n, r, Z, " or \\',
  'quote-in-unquoted': 'an unquoted value contains a quote or a backslash',
  'bad-hex': 'a hex value contains a byte that is not a hex digit',
  'odd-hex': 'a hex value has an odd number of digits',
  'bad-index': 'an ENUM/SET index is not a decimal number',
  'index-range': 'an ENUM/SET index is greater than 2^64-1',
};

/** Malformed CSV input: `offset` is the byte offset in the source buffer, `column` 0-based. */
export class CsvBulkError extends Error {
  constructor(
    readonly code: BulkErrorCode,
    readonly offset: number,
    readonly column: number,
  ) {
    super(`${MESSAGES[code]} (column ${column + 1}, byte ${offset})`);
    this.name = 'CsvBulkError';
  }
}

/** Indicator bytes of a bound parameter in a bulk row. */
export const BULK_VALUE = 0;
export const BULK_NULL = 1;

/** Bytes of a length-encoded integer for n. */
export function lenencSize(n: number): number {
  return n < 251 ? 1 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 9;
}

/** Writes n as a length-encoded integer at o; returns the end. */
export function putLenenc(out: Buffer, o: number, n: number): number {
  if (n < 251) {
    out[o] = n;
    return o + 1;
  }
  if (n < 0x10000) {
    out[o] = 0xfc;
    out[o + 1] = n & 0xff;
    out[o + 2] = n >>> 8;
    return o + 3;
  }
  if (n < 0x1000000) {
    out[o] = 0xfd;
    out[o + 1] = n & 0xff;
    out[o + 2] = (n >>> 8) & 0xff;
    out[o + 3] = n >>> 16;
    return o + 4;
  }
  out[o] = 0xfe;
  out.writeUInt32LE(n >>> 0, o + 1);
  out.writeUInt32LE(Math.floor(n / 0x100000000), o + 5);
  return o + 9;
}

/**
 * The most bytes a row of `rowBytes` CSV bytes (LF excluded) with `columns` fields converts to:
 * each field has at least its separator byte and grows by at most 8 (indicator and a 9-byte
 * length for a number; 9 bytes for a 1-digit index).
 */
export function rowBound(rowBytes: number, columns: number): number {
  return rowBytes + 1 + 9 * columns;
}
