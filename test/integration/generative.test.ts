/**
 * Issue 11, "how to keep it fixed": a property-based round trip. fast-check draws random tables (every
 * type the server has, charsets and collations, nullability, key shapes, edge values; test/support/
 * gen-schema.ts) and random option combinations (format, compression, chunking, threads, --checksum,
 * --ignore-table, -B or --rename, --defer-indexes, transaction sizes, and in half the cases tsload killed
 * -9 or one of its connections killed at a random progress line, then run again); the property: after
 * tsdump and tsload into another database the copy equals the source (checker.ts), or a tool refused
 * clearly before creating the target (gen-roundtrip.ts).
 *
 * Environment:
 *   TSDUMP_GEN_SEED=n      the seed (default: a fixed one in `make test`, a random one when RUNS is set)
 *   TSDUMP_GEN_RUNS=n      cases to run (default 16: about a minute on 2 cores); 500 for a night
 *   TSDUMP_GEN_PATH=p      replay one case (fast-check's path, printed with the seed of a failure)
 *   TSDUMP_GEN_ALL=1       no exclusions: also the features KNOWN_BROKEN lists (they fail on main today)
 *   TSDUMP_GEN_ENABLE=a,b  let these known-broken features in, and run only cases that use one of them
 *                          (to check that a fix works, or to see how one feature fails)
 *   TSDUMP_GEN_SHRINK=1    let fast-check shrink a failure (slow: every step is a dump and a load)
 *   TSDUMP_GEN_REDUCE=n    reruns spent reducing a failure to a small reproduction (default 16)
 *   TSDUMP_GEN_KEEP=1      keep the databases and dump directory of a failing case
 *   TSDUMP_GEN_SURVEY=1    go on after a failure and list every failing case at the end (for finding
 *                          which features fail; each listed case is reduced with TSDUMP_GEN_REDUCE reruns)
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenContext } from '../support/gen-context.js';
import type { GenContext } from '../support/gen-context.js';
import { optionsArb } from '../support/gen-render.js';
import type { GenOptions } from '../support/gen-render.js';
import type { CaseRun, RunContext } from '../support/gen-roundtrip.js';
import { GeneratorError, describeCase, reduceCase, reproduction, runCase } from '../support/gen-roundtrip.js';
import type { GenCase } from '../support/gen-schema.js';
import { KNOWN_BROKEN, allowedFeatures, caseArb, tableTags } from '../support/gen-schema.js';
import type { AdminSession } from '../support/server.js';
import { adminSession } from '../support/server.js';

const env = process.env;
const DEFAULT_SEED = 20_261_121;
const RUNS = Number(env.TSDUMP_GEN_RUNS ?? 16);
const SEED = env.TSDUMP_GEN_SEED !== undefined ? Number(env.TSDUMP_GEN_SEED) : env.TSDUMP_GEN_RUNS !== undefined ? Math.floor(Math.random() * 2 ** 31) : DEFAULT_SEED;
const ALL = env.TSDUMP_GEN_ALL === '1';
const REDUCE = Number(env.TSDUMP_GEN_REDUCE ?? 16);
const SURVEY = env.TSDUMP_GEN_SURVEY === '1';
const ZSTD = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';

describe('generative round trip (property-based)', () => {
  let admin: AdminSession;
  let gen: GenContext;

  beforeAll(async () => {
    admin = await adminSession();
    gen = await readGenContext(admin);
  });

  afterAll(async () => {
    await admin?.close();
  });

  it(`tsdump → tsload of random tables gives an equal copy or a clear refusal (${RUNS} cases, seed ${SEED}${ALL ? ', no exclusions' : ''})`, async () => {
    const enable = (env.TSDUMP_GEN_ENABLE ?? '').split(',').filter(Boolean);
    const allowed = allowedFeatures(ALL, enable);
    const cases = caseArb(gen, allowed, { maxTables: 3, maxColumns: 6, maxRows: 25 });
    const focused = enable.length === 0 ? cases : cases.filter((c) => c.tables.some((t) => [...tableTags(t)].some((tag) => enable.includes(tag))));
    const arb = fc.tuple(focused, optionsArb(ZSTD, allowed('ignore-table'), gen.flavor === 'mariadb'));
    const ctx: RunContext = { admin, keep: env.TSDUMP_GEN_KEEP === '1' };
    const log: string[] = [];
    let last: { c: GenCase; o: GenOptions; run: CaseRun } | undefined;
    const surveyed: { c: GenCase; o: GenOptions; run: CaseRun; index: number }[] = [];
    const details = await fc.check(
      fc.asyncProperty(arb, async ([c, o]) => {
        const started = Date.now();
        const run = await runCase(ctx, c, o);
        log.push(`${run.status.padEnd(7)} ${((Date.now() - started) / 1000).toFixed(1)}s ${describeCase(c, o)}${run.status === 'refused' ? `\n        refused: ${run.detail.split('\n').at(-1)}` : ''}${run.note ? `\n        note: ${run.note}` : ''}`);
        if (run.status === 'failed' && SURVEY) surveyed.push({ c, o, run, index: log.length });
        else if (run.status === 'failed') {
          last = { c, o, run };
          throw new Error(`${run.stage}: ${run.detail}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, path: env.TSDUMP_GEN_PATH, endOnFailure: env.TSDUMP_GEN_SHRINK !== '1' },
    );
    console.log(`generative round trip, seed ${SEED}, ${log.length} case(s)${ALL || KNOWN_BROKEN.length === 0 ? ', no exclusions' : `, leaving out ${KNOWN_BROKEN.map((k) => k.tag).join(', ')}`}:\n${log.join('\n')}`);
    if (surveyed.length > 0) {
      const reports: string[] = [];
      for (const f of surveyed) {
        const r = await reduceCase(ctx, f.c, f.o, f.run, REDUCE);
        reports.push(`--- case ${f.index} of seed ${SEED} (reduced in ${r.tries} rerun(s)):\n${reproduction(r.c, r.o, r.run)}`);
      }
      console.log(reports.join('\n\n'));
      expect.fail(`${surveyed.length} of ${log.length} generated case(s) failed (seed ${SEED}); reproductions above`);
    }
    if (!details.failed) return;
    if (details.errorInstance instanceof GeneratorError || !last) throw details.errorInstance ?? new Error(fc.defaultReportMessage(details));
    const found = last;
    const reduced = await reduceCase(ctx, found.c, found.o, found.run, REDUCE);
    const replay = `TSDUMP_GEN_SEED=${details.seed} TSDUMP_GEN_PATH=${details.counterexamplePath ?? ''}${ALL ? ' TSDUMP_GEN_ALL=1' : ''}`;
    const message = [
      `generative round trip failed: seed ${details.seed}, path ${details.counterexamplePath}`,
      `replay: ${replay} npx vitest run test/integration/generative.test.ts`,
      `reduced in ${reduced.tries} rerun(s) to:`,
      reproduction(reduced.c, reduced.o, reduced.run),
    ].join('\n');
    console.log(message);
    expect.fail(message);
  }, 3_600_000);
});
