/** SQL identifier and literal quoting. Every identifier that reaches SQL text goes through here. */

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/** A string literal safe under any sql_mode (NO_BACKSLASH_ESCAPES included): hex with introducer. */
export function stringLiteral(value: string): string {
  if (value === '') return "''";
  return `_utf8mb4 X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

/** Readable SQL string literal for session settings (sql_mode, time_zone): only safe characters pass. */
export function plainLiteral(value: string): string {
  if (!/^[A-Za-z0-9_,:+\-./ ]*$/.test(value)) return stringLiteral(value);
  return `'${value}'`;
}
