/**
 * The content checker itself: two independently built corpora compare equal, and one changed value
 * (or one changed view) fails exactly that object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { createCorpus, SPARSE_TABLE } from '../support/corpus.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

describe('checker', () => {
  let admin: AdminSession;
  const a = uniqueDb('checker_a');
  const b = uniqueDb('checker_b');

  beforeAll(async () => {
    admin = await adminSession();
    await createCorpus(admin, a);
    await createCorpus(admin, b, { nameInLiterals: a });
  }, 600_000);

  afterAll(async () => {
    await dropDbs(a, b);
    await admin?.close();
  });

  it('passes two independently built corpora', async () => {
    const results = await compareDatabases(admin, a, b);
    console.log(formatReport(results, 'identical corpora'));
    expect(failures(results)).toEqual([]);
    const kinds = new Set(results.map((r) => r.kind));
    for (const k of ['database', 'table', 'view', 'trigger', 'procedure', 'function', 'event'] as const) expect(kinds).toContain(k);
    expect(results.length).toBeGreaterThan(40);
  });

  it('fails exactly the table with one changed value', async () => {
    // one bit of one double in a 22k-row table, in a row far from the start
    await admin.query(`UPDATE ${quoteIdent(b)}.${quoteIdent(SPARSE_TABLE)} SET f = f + 1e-12 WHERE id = 1013 * 5000 + 5`);
    const results = await compareDatabases(admin, a, b);
    const failed = failures(results);
    expect(failed.map((r) => `${r.kind} ${r.object}`)).toEqual([`table ${SPARSE_TABLE}`]);
    expect(failed[0]?.details.join(' ')).toMatch(/content hash/);
    await admin.query(`UPDATE ${quoteIdent(b)}.${quoteIdent(SPARSE_TABLE)} SET f = f - 1e-12 WHERE id = 1013 * 5000 + 5`);
  });

  it('counts duplicates in a keyless table', async () => {
    const t = `${quoteIdent(b)}.${quoteIdent('keyless_dups')}`;
    // remove one copy of a row that exists three times, add a copy of another: same distinct rows, same count
    await admin.query(`CREATE TABLE ${quoteIdent(b)}.tmp_one AS SELECT * FROM ${t} WHERE a = 2 LIMIT 1`);
    await admin.query(`DELETE FROM ${t} WHERE a = 5 LIMIT 1`);
    await admin.query(`INSERT INTO ${t} SELECT * FROM ${quoteIdent(b)}.tmp_one`);
    await admin.query(`DROP TABLE ${quoteIdent(b)}.tmp_one`);
    const results = await compareDatabases(admin, a, b);
    expect(failures(results).map((r) => `${r.kind} ${r.object}`)).toEqual(['table keyless_dups']);
    expect(failures(results)[0]?.details.join(' ')).not.toMatch(/row count/);
  });

  it('fails a changed view definition (same rows) and nothing else', async () => {
    await dropDbs(b);
    await createCorpus(admin, b, { nameInLiterals: a });
    await admin.query(`ALTER DEFINER = \`tsdump_definer\`@\`localhost\` SQL SECURITY DEFINER VIEW ${quoteIdent(b)}.v_base AS SELECT id, v, l1 FROM ${quoteIdent(b)}.strings WHERE id < 20 AND id <> -1`);
    const results = await compareDatabases(admin, a, b);
    expect(failures(results).map((r) => `${r.kind} ${r.object}`)).toEqual(['view v_base']);
  }, 600_000);

  it('fails a view whose string literal naming the database was rewritten', async () => {
    await dropDbs(b);
    await createCorpus(admin, b); // literals now name b, as a loader rewriting every `a` would leave them
    const results = await compareDatabases(admin, a, b);
    expect(failures(results).map((r) => `${r.kind} ${r.object}`)).toEqual(['view v_db_literal']);
    await dropDbs(b);
    await createCorpus(admin, b, { nameInLiterals: a });
  }, 600_000);

  it('fails an invisible column, a view pointing at the source database and a missing AUTO_INCREMENT', async () => {
    await admin.query(`ALTER DEFINER = \`tsdump_definer\`@\`localhost\` SQL SECURITY DEFINER VIEW ${quoteIdent(b)}.v_base AS SELECT id, v, l1 FROM ${quoteIdent(b)}.strings WHERE id < 20 AND id <> -1`);
    await admin.query(`UPDATE ${quoteIdent(b)}.\`generated\` SET secret = 43 WHERE id = 1`);
    await admin.query(`CREATE OR REPLACE VIEW ${quoteIdent(b)}.v_on_v_on_v AS SELECT COUNT(*) AS n, 'ü😀' AS lit FROM ${quoteIdent(a)}.v_on_v`);
    await admin.query(`ALTER TABLE ${quoteIdent(b)}.ai_gap AUTO_INCREMENT = 4`);
    const results = await compareDatabases(admin, a, b);
    expect(failures(results).map((r) => `${r.kind} ${r.object}`).sort()).toEqual(['table ai_gap', 'table generated', 'view v_base', 'view v_on_v_on_v']);
  });
});
