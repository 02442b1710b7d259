/**
 * Issue 11: real application schemas (test/fixtures/schemas, with their sources and licenses) survive
 * tsdump → tsload. Each schema is created in a database of its own and every table gets a few rows
 * generated from its column types (schema-data.ts); the dump/load options are drawn per schema from the
 * generative test's option arbitrary (seeded: TSDUMP_GEN_SEED). Same property as the generative test:
 * the copy equals the source (checker.ts) or a tool refused clearly before creating the target.
 * Values of the features KNOWN_BROKEN lists are not generated unless TSDUMP_GEN_ALL=1.
 * Measured at bf6d3bf on a loaded 2-core machine: zabbix 205 s, kamailio 80 s, icinga2 59 s, the other
 * eight 8-27 s each.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { readGenContext } from '../support/gen-context.js';
import type { GenContext } from '../support/gen-context.js';
import { describeOptions, roundTrip } from '../support/gen-roundtrip.js';
import { optionsArb } from '../support/gen-render.js';
import type { GenOptions } from '../support/gen-render.js';
import { allowedFeatures } from '../support/gen-schema.js';
import { fillTables, readSchemaFile, scriptBatches } from '../support/schema-data.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const env = process.env;
const SEED = Number(env.TSDUMP_GEN_SEED ?? 20_261_121);
const ALL = env.TSDUMP_GEN_ALL === '1';
const ROWS = 6;
const ZSTD = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';
const DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'schemas');
/**
 * The three biggest schemas (60-170 tables each) take minutes on a busy 2-core machine: they run in the
 * long mode only (TSDUMP_GEN_RUNS set, as at night, or TSDUMP_REAL_ALL=1); `make test` runs the others.
 */
const BIG = ['zabbix', 'kamailio', 'icinga2-ido'];
const LONG = env.TSDUMP_GEN_RUNS !== undefined || env.TSDUMP_REAL_ALL === '1';
const SCHEMAS = readdirSync(DIR)
  .filter((f) => /\.sql(\.gz)?$/.test(f))
  .filter((f) => LONG || !BIG.includes(f.replace(/\.sql(\.gz)?$/, '')))
  .sort();

/** A chunk per row over 170 tables (zabbix) takes minutes on 2 cores and tests nothing the generative test does not. */
function atLeastAFewRowsPerChunk(o: GenOptions): GenOptions {
  if (o.chunking.kind === 'rows') return o.chunking.n >= 4 ? o : { ...o, chunking: { kind: 'rows', n: 4 } };
  return ['64', '256'].includes(o.chunking.size) ? { ...o, chunking: { kind: 'bytes', size: '4K' } } : o;
}

describe('real application schemas round-trip with generated data', () => {
  let admin: AdminSession;
  let gen: GenContext;

  beforeAll(async () => {
    admin = await adminSession();
    gen = await readGenContext(admin);
  });

  afterAll(async () => {
    await admin?.close();
  });

  it('has the fixtures', () => {
    expect(SCHEMAS.length).toBeGreaterThanOrEqual(LONG ? 11 : 8);
  });

  for (const [i, file] of SCHEMAS.entries()) {
    const app = file.replace(/\.sql(\.gz)?$/, '');
    it(`${app}`, async () => {
      const src = uniqueDb(`real_${app}`);
      const dst = uniqueDb(`real_${app}_copy`);
      const dir = mkdtempSync(path.join(os.tmpdir(), `tsdump-real-${app}-`));
      try {
        await admin.query(`CREATE DATABASE \`${src}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
        // a session of its own: scripts set NAMES and other session variables
        const s = await adminSession(src);
        let tables: string[];
        try {
          for (const batch of scriptBatches(readSchemaFile(path.join(DIR, file)))) await s.query(batch);
          tables = await fillTables(s, src, gen, allowedFeatures(ALL), ROWS, SEED + i);
        } finally {
          await s.close();
        }
        const rows = Number(await admin.scalar('SELECT COALESCE(SUM(TABLE_ROWS), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [src]));
        const o = atLeastAFewRowsPerChunk(fc.sample(optionsArb(ZSTD, true, gen.flavor === 'mariadb'), { numRuns: 1, seed: SEED + i })[0]!);
        const run = await roundTrip({ admin, keep: false }, src, tables, o, dst, path.join(dir, 'dump'));
        console.log(`${app}: ${tables.length} tables, ~${rows} rows, ${run.status} | ${describeOptions(o)}`);
        expect(run.status, `${app} (seed ${SEED + i}): ${run.stage}: ${run.detail}`).not.toBe('failed');
      } finally {
        await dropDbs(src, dst);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 600_000);
  }
});
