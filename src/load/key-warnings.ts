import { TsError } from '../core/errors.js';
import { quoteIdent } from '../core/ident.js';
import type { ErrorObject } from '../core/errors.js';
import type { Session } from '../db/session.js';
import { PROGRESS_DB } from '../format/naming.js';
import { deferredDefinitions, definitionSignature, type DeferredClause } from './ddl.js';
import { showCreateTable } from './deferred-clauses.js';
import type { LoadContext } from './load-context.js';

/**
 * The safety net behind the preflight's key check (utf8mb4-keys.ts) for definitions tsload rewrote
 * (--convert-utf8mb4, --engine), whose keys the server may find too long: for a single column past
 * the engine's limit MariaDB does not refuse a plain key but shortens it to a prefix and says so only
 * in a Note (1071 "Specified key was too long"). After such a CREATE TABLE or ALTER the keys it
 * shortened are named and taken back — the table dropped (this statement created it), the indexes
 * dropped (this ALTER added them) — so a rerun does not find them in place and take them as built.
 */
/** The load rewrites definitions in ways that change how long their keys may be. */
export function rewritesKeys(ctx: Pick<LoadContext, 'opts'>): boolean {
  return ctx.opts.convertUtf8mb4 || ctx.opts.engine !== null;
}

export type KeySession = Pick<Session, 'lastWarningCount' | 'warnings' | 'exec' | 'query'>;

export interface CheckedTable {
  /** `db`.`t`, quoted. */
  readonly target: string;
  readonly object: ErrorObject;
}

/** After the CREATE TABLE `create` created the table. */
export async function refuseShortenedCreate(s: KeySession, t: CheckedTable, create: string): Promise<void> {
  const shortened = await shortenedKeys(s, t, deferredDefinitions(create));
  if (shortened === null) return;
  await s.exec(`DROP TABLE IF EXISTS ${t.target}`, [], t.object);
  throw shortenedError(t, shortened, 'the table was dropped again');
}

/** After an ALTER TABLE added `clauses`. */
export async function refuseShortenedIndexes(s: KeySession, t: CheckedTable, clauses: readonly DeferredClause[]): Promise<void> {
  const asked = new Map(clauses.map((c) => [`index ${c.name}`, definitionSignature(c.clause)] as const));
  const shortened = await shortenedKeys(s, t, asked);
  if (shortened === null) return;
  const drops = shortened.map((n) => `DROP INDEX ${quoteIdent(n)}`);
  if (drops.length > 0) await s.exec(`ALTER TABLE ${t.target} ${drops.join(', ')}`, [], t.object);
  throw shortenedError(t, shortened, 'those indexes were dropped again');
}

/** The names of the asked keys the server holds otherwise after a statement with a Note 1071 (null: no such Note). */
async function shortenedKeys(s: KeySession, t: CheckedTable, asked: ReadonlyMap<string, string>): Promise<string[] | null> {
  if (s.lastWarningCount === 0) return null;
  const warnings = await s.warnings(50);
  // 1050: CREATE TABLE IF NOT EXISTS found the table there (a resume, --drop-table append): not ours to take back
  if (!warnings.some((w) => w.code === 1071) || warnings.some((w) => w.code === 1050)) return null;
  const present = deferredDefinitions(await showCreateTable(s, t.target));
  return [...asked].filter(([key, sig]) => present.has(key) && present.get(key) !== sig).map(([key]) => key.replace(/^index /, ''));
}

function shortenedError(t: CheckedTable, names: readonly string[], undone: string): TsError {
  const list = names.length > 0 ? names.map(quoteIdent).join(', ') : '(the server did not say which)';
  return new TsError({
    code: 'query',
    errno: 1071,
    message: `the server shortened index(es) ${list} of ${t.target} to a prefix (Note 1071: specified key was too long), which would index less than the source's; ${undone}`,
    object: t.object,
    suggestion: KEY_TOO_LONG_FIX,
  });
}

/**
 * What to do about an index whose key is too long on the target (errors 1709 and 1071): a rerun of
 * the same command meets the same limit, and --convert-utf8mb4 and --engine are recorded with the
 * load, so loading without them means starting over.
 */
export const KEY_TOO_LONG_FIX = `a rerun meets the same limit. Give the column a prefix on the source, or make the table ROW_FORMAT=DYNAMIC (InnoDB allows 767 bytes a key column under COMPACT and REDUNDANT, 3072 otherwise; utf8mb4 takes 4 bytes a character), and dump again; or drop the target database, delete its rows from ${PROGRESS_DB}.runs/progress/steps (the load recorded its options) and load without --convert-utf8mb4 (or --engine)`;
