import { TsError, errnoOf, messageOf, type ErrorObject } from '../core/errors.js';
import type { StatementRunner } from './control-session.js';
import { alterStatements, deferredDefinitions, deferredKey, definitionSignature, type DeferredClause } from './ddl.js';

export interface DeferredTable {
  /** The table as SQL text (`db`.`t`, in the clauses' encoding). */
  readonly target: string;
  readonly object: ErrorObject;
  /** The table's SHOW CREATE TABLE text, in the clauses' encoding. */
  readonly showCreate: () => Promise<string>;
  /** Run after each ALTER, with the clauses being added (key-warnings.ts: keys the server shortened). */
  readonly checked?: (clauses: readonly DeferredClause[]) => Promise<void>;
}

/**
 * Adds the clauses (secondary indexes or foreign keys) the table does not have yet, by name.
 *
 * Why the loop: a run killed (kill -9) during its ALTER leaves that ALTER running on the server. The
 * rerun finds the table without the indexes, issues the same ALTER, waits behind the orphan on the
 * metadata lock and then fails with "Duplicate key name" (1061; a foreign key: 1826, or on MariaDB
 * 1005 with errno 121). After such an error the table is read again: a clause whose name is now
 * there with the definition asked for is done (the orphan built it), one whose name is there with
 * another definition is an error naming it, and the still missing ones are added. Ends when one
 * round added what was missing, or fails when a duplicate error brought nothing new.
 */
export async function addMissingClauses(s: Pick<StatementRunner, 'exec'>, t: DeferredTable, clauses: readonly DeferredClause[]): Promise<void> {
  let compare = false;
  let before = -1;
  for (;;) {
    const present = deferredDefinitions(await t.showCreate());
    const missing: DeferredClause[] = [];
    for (const c of clauses) {
      const have = present.get(deferredKey(c.clause) ?? c.name);
      if (have === undefined) missing.push(c);
      else if (compare && have !== definitionSignature(c.clause)) throw differentDefinition(t, c, have);
    }
    if (missing.length === 0) return;
    try {
      for (const q of alterStatements(t.target, missing)) {
        await s.exec(q, [], t.object);
        await t.checked?.(missing);
      }
      return;
    } catch (e) {
      if (!nameTaken(e) || missing.length === before) throw e;
      before = missing.length;
      compare = true;
    }
  }
}

function nameTaken(e: unknown): boolean {
  const errno = errnoOf(e);
  return errno === 1061 || errno === 1826 || (errno === 1005 && /errno: 121\b/.test(messageOf(e)));
}

function differentDefinition(t: DeferredTable, c: DeferredClause, have: string): TsError {
  return new TsError({
    code: 'target-changed',
    message: `${t.target} already has an index or foreign key named \`${c.name}\` that is not the one the dump defines (it has ${have}, the dump ${c.clause.replace(/^ADD\s+/i, '')})`,
    object: t.object,
    suggestion: `drop \`${c.name}\` from ${t.target} (ALTER TABLE ${t.target} DROP INDEX or DROP FOREIGN KEY), then rerun the same command: it resumes at the indexes`,
  });
}

/** A table's SHOW CREATE TABLE text (`target` quoted). */
export async function showCreateTable(s: Pick<StatementRunner, 'query'>, target: string): Promise<string> {
  const rows = await s.query<{ 'Create Table': string }>(`SHOW CREATE TABLE ${target}`);
  return rows[0]?.['Create Table'] ?? '';
}
