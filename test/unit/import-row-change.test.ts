import { describe, expect, it } from 'vitest';
import type { ScriptText } from '../../src/format/script-plan.js';
import { changesRows } from '../../src/load/import-row-change.js';

/** A post-data statement of the planner's 'other' kind with this text. */
const other = (text: string): ScriptText => ({ text, what: { kind: 'other' } }) as unknown as ScriptText;

describe('changesRows: which post-data statements run in one transaction with their step', () => {
  it('UPDATE, DELETE, INSERT, REPLACE and WITH, also behind comments of every kind', () => {
    for (const t of ['UPDATE t SET a = 1', 'delete from t where a > 2 limit 5', 'INSERT INTO t SELECT * FROM u', 'REPLACE INTO t VALUES (1)', 'WITH x AS (SELECT 1) UPDATE t SET a = 2', '-- fix-up\nUPDATE t SET a = 1', '# note\n/* block */ DELETE FROM t', '/*!40000 */ UPDATE t SET a = 1']) {
      expect(changesRows(other(t)), t).toBe(true);
    }
  });

  it('not a CALL (a procedure may commit or set what a transaction refuses), a SELECT, DDL, or another kind', () => {
    for (const t of ['CALL p()', 'SELECT GET_LOCK(\'g\', 1)', 'ALTER TABLE t ADD KEY (a)', '-- UPDATE t\nSELECT 1']) expect(changesRows(other(t)), t).toBe(false);
    expect(changesRows({ text: 'UPDATE t SET a = 1', what: { kind: 'alter-table' } } as unknown as ScriptText)).toBe(false);
  });
});
