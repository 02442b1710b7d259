/**
 * Issue 4: every type and every object of the edge-case corpus survives tsdump → tsload byte for byte,
 * in both data formats, compressed and not, in several chunks per big table, restored under another
 * database name. The checker compares source and copy object by object.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import type { CorpusInfo } from '../support/corpus.js';
import { createCorpus } from '../support/corpus.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

interface Variant {
  readonly name: string;
  readonly format: 'csv' | 'sql';
  readonly gzip: boolean;
  /** Small chunks, so the big tables are split (by rows for some variants, by bytes for others). */
  readonly chunking: readonly string[];
}

const VARIANTS: readonly Variant[] = [
  { name: 'csv', format: 'csv', gzip: false, chunking: ['--rows', '5000'] },
  { name: 'csv+gzip', format: 'csv', gzip: true, chunking: ['--chunk-size', '256K'] },
  { name: 'sql', format: 'sql', gzip: false, chunking: ['--chunk-size', '256K'] },
  { name: 'sql+gzip', format: 'sql', gzip: true, chunking: ['--rows', '5000'] },
];

describe('fidelity: dump → load of the edge-case corpus', () => {
  let admin: AdminSession;
  let corpus: CorpusInfo;
  const src = uniqueDb('fidelity_src');
  const targets: string[] = [];
  const dirs: string[] = [];
  const summary: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    corpus = await createCorpus(admin, src);
  }, 600_000);

  afterAll(async () => {
    if (summary.length > 0) console.log(`fidelity summary:\n${summary.join('\n')}`);
    await dropDbs(src, ...targets);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await admin?.close();
  });

  for (const v of VARIANTS) {
    it(`round-trips in ${v.name}`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `tsdump-fidelity-${v.format}-`));
      dirs.push(dir);
      const out = path.join(dir, 'dump');
      const dst = uniqueDb(`fidelity_${v.format}${v.gzip ? '_gz' : ''}`);
      targets.push(dst);

      const dumpArgs = [...connArgs(), '-B', src, '-o', out, '--format', v.format, ...(v.gzip ? ['-c', 'gzip'] : []), ...v.chunking, '-t', '4'];
      const dump = await runCli('tsdump', dumpArgs, { timeoutMs: 300_000 });
      if (dump.code !== 0) summary.push(`${v.name}: tsdump exited ${dump.code}: ${lastLine(dump.stderr)}`);
      expect(dump.code, `tsdump failed:\n${dump.stderr}\n${dump.stdout}`).toBe(0);

      // the big tables really were split into several chunks
      const files = readdirSync(path.join(out, src));
      const ext = `${v.format}${v.gzip ? '.gz' : ''}`;
      for (const t of corpus.bigTables.slice(0, 2)) {
        const chunks = files.filter((f) => f.startsWith(`${t}.`) && /^\.\d{6}\./.test(f.slice(t.length)) && f.endsWith(`.${ext}`));
        expect(chunks.length, `chunks of ${t}: ${chunks.join(', ')}`).toBeGreaterThan(1);
      }

      const load = await runCli('tsload', [...connArgs(), '-d', out, '-B', dst, '-t', '4'], { timeoutMs: 300_000 });
      if (load.code !== 0) summary.push(`${v.name}: tsload exited ${load.code}: ${lastLine(load.stderr)}`);
      expect(load.code, `tsload failed:\n${load.stderr}\n${load.stdout}`).toBe(0);

      const results = await compareDatabases(admin, src, dst);
      const report = formatReport(results, `${v.name}`);
      console.log(report);
      summary.push(report.split('\n').at(-1) ?? '');
      expect(failures(results), report).toEqual([]);
    }, 900_000);
  }
});

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => /error/i.test(l)).at(-1) ?? text.trim().split('\n').at(-1) ?? '';
}
