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
