/**
 * A property-based round trip of other tools' dumps: fast-check draws random tables (the generator of
 * generative.test.ts: test/support/gen-schema.ts) and a dump of them by mariadb-dump (random realistic
 * options: --single-transaction, --skip-extended-insert, --complete-insert, --hex-blob, --compact …,
 * --databases or a one-database file, gzip'd or not) or by mydumper 0.10 (its -G -R -E, -c, -r/-F,
 * threads; left out when mydumper is not installed), restored by tsload into another database (random
 * -t, -B or --rename, transaction sizes, in a quarter of the cases killed -9 or a connection killed at
 * a random progress line, then run again) and by the tool's own loader into a third. The property
 * (test/support/gen-import.ts): tsload's copy differs from the source only where the reference copy
 * (`mariadb < file`, myloader) does too, or tsload refused clearly with the target untouched.
 *
 * Environment: TSDUMP_GEN_SEED, TSDUMP_GEN_RUNS (default 12), TSDUMP_GEN_PATH, TSDUMP_GEN_ALL,
 * TSDUMP_GEN_REDUCE, TSDUMP_GEN_KEEP, TSDUMP_GEN_SURVEY as in generative.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenContext } from '../support/gen-context.js';
import type { GenContext } from '../support/gen-context.js';
import type { ImportOptions } from '../support/gen-import.js';
import { HAVE_MYDUMPER, SIMPLE_IMPORT, allowedFor, describeImport, importCommands, importOptionsArb, runImportCase } from '../support/gen-import.js';
import type { CaseRun, RunContext } from '../support/gen-roundtrip.js';
import { GeneratorError, caseReproduction, describeTables, reduceWith } from '../support/gen-roundtrip.js';
import type { GenCase } from '../support/gen-schema.js';
import { allowedFeatures, caseArb } from '../support/gen-schema.js';
import type { AdminSession } from '../support/server.js';
import { adminSession } from '../support/server.js';

const env = process.env;
const DEFAULT_SEED = 20_261_207;
const RUNS = Number(env.TSDUMP_GEN_RUNS ?? 12);
const SEED = env.TSDUMP_GEN_SEED !== undefined ? Number(env.TSDUMP_GEN_SEED) : env.TSDUMP_GEN_RUNS !== undefined ? Math.floor(Math.random() * 2 ** 31) : DEFAULT_SEED;
const REDUCE = Number(env.TSDUMP_GEN_REDUCE ?? 16);
const SURVEY = env.TSDUMP_GEN_SURVEY === '1';

if (!HAVE_MYDUMPER) console.warn('\n!!! generative-import.test.ts: no mydumper/myloader on PATH, mariadb-dump cases only (CI installs them: .ci/run) !!!\n');

function report(c: GenCase, o: ImportOptions, run: CaseRun): string {
  return caseReproduction(c, run, 'gen_src', undefined, importCommands(o));
}

describe('generative round trip of mariadb-dump files and mydumper directories (property-based)', () => {
  let admin: AdminSession;
  let gen: GenContext;

  beforeAll(async () => {
    admin = await adminSession();
    gen = await readGenContext(admin);
  });

  afterAll(async () => {
    await admin?.close();
  });

  it(`mariadb-dump / mydumper → tsload of random tables is as exact as the tool's own loader, or a clear refusal (${RUNS} cases, seed ${SEED})`, async () => {
    const allowed = allowedFeatures(env.TSDUMP_GEN_ALL === '1');
    const arb = importOptionsArb(HAVE_MYDUMPER).chain((o) => caseArb(gen, allowedFor(allowed, o), { maxTables: 3, maxColumns: 6, maxRows: 25 }).map((c) => [c, o] as const));
    const ctx: RunContext = { admin, keep: env.TSDUMP_GEN_KEEP === '1' };
    const run1 = (c: GenCase, o: ImportOptions): Promise<CaseRun> => runImportCase(ctx, c, o);
    const log: string[] = [];
    let last: { c: GenCase; o: ImportOptions; run: CaseRun } | undefined;
    const surveyed: { c: GenCase; o: ImportOptions; run: CaseRun; index: number }[] = [];
    const details = await fc.check(
      fc.asyncProperty(arb, async ([c, o]) => {
        const started = Date.now();
        const run = await run1(c, o);
        log.push(`${run.status.padEnd(7)} ${((Date.now() - started) / 1000).toFixed(1)}s ${describeTables(c)} | ${describeImport(o)}${run.status === 'refused' ? `\n        refused: ${run.detail.split('\n').at(-1)}` : ''}${run.note ? `\n        note: ${run.note}` : ''}`);
        if (run.status === 'failed' && SURVEY) surveyed.push({ c, o, run, index: log.length });
        else if (run.status === 'failed') {
          last = { c, o, run };
          throw new Error(`${run.stage}: ${run.detail}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, path: env.TSDUMP_GEN_PATH, endOnFailure: env.TSDUMP_GEN_SHRINK !== '1' },
    );
    console.log(`generative import round trip, seed ${SEED}, ${log.length} case(s):\n${log.join('\n')}`);
    if (surveyed.length > 0) {
      const reports: string[] = [];
      for (const f of surveyed) {
        const r = await reduceWith(f.c, f.o, f.run, REDUCE, run1, SIMPLE_IMPORT);
        reports.push(`--- case ${f.index} of seed ${SEED} (reduced in ${r.tries} rerun(s)):\n${report(r.c, r.o, r.run)}`);
      }
      console.log(reports.join('\n\n'));
      expect.fail(`${surveyed.length} of ${log.length} generated case(s) failed (seed ${SEED}); reproductions above`);
    }
    if (!details.failed) return;
    if (details.errorInstance instanceof GeneratorError || !last) throw details.errorInstance ?? new Error(fc.defaultReportMessage(details));
    const reduced = await reduceWith(last.c, last.o, last.run, REDUCE, run1, SIMPLE_IMPORT);
    const message = [
      `generative import round trip failed: seed ${details.seed}, path ${details.counterexamplePath}`,
      `replay: TSDUMP_GEN_SEED=${details.seed} TSDUMP_GEN_PATH=${details.counterexamplePath ?? ''} npx vitest run test/integration/generative-import.test.ts`,
      `reduced in ${reduced.tries} rerun(s) to:`,
      report(reduced.c, reduced.o, reduced.run),
    ].join('\n');
    console.log(message);
    expect.fail(message);
  }, 3_600_000);
});
