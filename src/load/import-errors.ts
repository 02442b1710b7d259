import { TsError, errnoOf } from '../core/errors.js';
import { redactReason } from '../core/sql-secrets.js';

/** Where a statement of a script is, for messages. */
export interface StatementPlace {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
  readonly database?: string;
  readonly table?: string;
}

/**
 * The fix for a statement the target refused, by what it says: the habits of other tools' dumps
 * that a target often refuses (an absent DEFINER account, utf8mb3 on a server without it, zero
 * dates under a strict sql_mode, an engine the target lacks).
 */
export function suggestionFor(errno: number | undefined, message: string, text: string): string | undefined {
  if (errno === 1449 || errno === 1227 || /\bDEFINER\b/i.test(message) || (errno === 1044 && /\bDEFINER\b/i.test(text))) {
    return 'the statement names a DEFINER the target does not have (or that you may not use): pass --skip-definer to create objects as the loading user';
  }
  if (/_0900_|utf8mb4_0900/i.test(message)) {
    return "the file comes from MySQL 8 (its utf8mb4_0900_* collations), which this server does not have: restore it into MySQL 8, or into MariaDB 11.4.5 or later (which maps them), or replace the collation in the file first (for example sed 's/utf8mb4_0900_ai_ci/utf8mb4_unicode_520_ci/g'); --convert-utf8mb4 does not change it";
  }
  if (errno === 1064 && /\)\s*TYPE\s*=\s*\w+/i.test(text)) {
    return "TYPE=engine is MySQL 4's spelling of ENGINE=engine, which servers since MySQL 5.5 refuse: replace it in the file first (for example sed 's/) TYPE=/) ENGINE=/'), as the mariadb client would need too";
  }
  if (errno === 1115 || errno === 1273 || /utf8mb3|unknown (character set|collation).*utf8/i.test(message)) {
    return "the target does not know this character set or collation: pass --convert-utf8mb4 to load utf8/utf8mb3 as utf8mb4";
  }
  if (errno === 1292 || errno === 1067 || errno === 1265 || /0000-00-00|Incorrect (date|datetime|timestamp) value|Invalid default value/i.test(message)) {
    return "zero or invalid dates are refused by the target's sql_mode: pass --sql-mode 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES' (or another mode without NO_ZERO_DATE, NO_ZERO_IN_DATE and strict mode)";
  }
  if (errno === 1062) return 'a row with this key is in the table already (the file holds the key twice, or the table held it): pass --on-duplicate ignore to keep the first row, or --on-duplicate replace to keep the last';
  if (errno === 1286 || /Unknown storage engine/i.test(message)) return 'the target lacks this storage engine: pass --engine InnoDB (or another engine it has)';
  if (errno === 1064) return "the target cannot parse this statement: the file may come from another server type or a newer version; check the statement and the target's version";
  return undefined;
}

/** A refused statement as an error naming the file, line, byte offset and table, with the fix. */
export function statementError(e: unknown, at: StatementPlace, text: string): TsError {
  const inner = e instanceof TsError ? e : null;
  const errno = inner?.errno ?? errnoOf(e);
  // the server quotes the statement (near '…'): an account statement's hash must not go with it
  const message = redactReason(inner?.message ?? (e as Error)?.message ?? String(e), text);
  return new TsError({
    code: inner?.code ?? 'query',
    message: `the target refused the statement at line ${at.line} (byte ${at.offset}) of ${at.file}: ${message}`,
    object: { ...(at.database !== undefined ? { database: at.database } : {}), ...(at.table !== undefined ? { table: at.table } : {}), file: at.file },
    suggestion: suggestionFor(errno, message, text) ?? inner?.suggestion,
    errno,
    cause: e,
  });
}
