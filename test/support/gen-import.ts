/**
 * The generative round trip of other tools' dumps (test/integration/generative-import.test.ts): a
 * generated case (gen-schema.ts) is created on the test server, dumped with mariadb-dump (random
 * realistic options, plain or gzip'd) or mydumper 0.10, restored by tsload into another database
 * (random -t, -B or --rename, transaction sizes, sometimes interrupted and run again), and by the
 * tool's own reference loader (`mariadb < file`, myloader) into a third. The property: every
 * difference between the source and tsload's copy (checker.ts) is one the reference copy has too —
 * what the file itself cannot carry (FLOAT printed rounded, …) — or tsload refused clearly with the
 * target untouched (gen-roundtrip.ts's rule).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { compareDatabases, failures } from './checker.js';
import type { CheckResult } from './checker.js';
import { MYDUMPER_NO_LOCKS, connArgs, runCli } from './cli.js';
import type { Interrupt } from './gen-render.js';
import { createDatabaseSql, shellWord } from './gen-render.js';
import type { CaseRun, RunContext } from './gen-roundtrip.js';
import { createSource, interruptedLoad, lastLines, refusalOrFailure } from './gen-roundtrip.js';
import type { GenCase } from './gen-schema.js';
import type { Allowed } from './gen-values.js';
import { dropDbs, testServer, uniqueDb } from './server.js';

export type DumpTool = 'mariadb-dump' | 'mydumper';

export interface ImportOptions {
  readonly tool: DumpTool;
  /** mariadb-dump: its options; mydumper: its options. */
  readonly dumpFlags: readonly string[];
  /** mariadb-dump --databases (the file names its database; tsload --rename) or not (tsload -B). */
  readonly databases: boolean;
  readonly gzip: boolean;
  readonly loadThreads: number;
  readonly rowsPerTransaction?: number;
  readonly bytesPerTransaction?: string;
  readonly interrupt?: Interrupt;
}

/** Flags that each go in or not (mariadb-dump). `--compact` needs tsload --force (no recognisable end). */
const MARIADB_DUMP_FLAGS = [
  '--single-transaction', '--skip-extended-insert', '--complete-insert', '--hex-blob', '--skip-comments', '--compact',
  '--routines', '--triggers', '--events', '--skip-tz-utc', '--skip-add-drop-table', '--skip-disable-keys', '--skip-add-locks',
  '--no-autocommit', '--order-by-primary', '--insert-ignore', '--net-buffer-length=4096', '--add-drop-database', '--skip-set-charset',
  '--dump-history',
] as const;

const MYDUMPER_FLAGS = ['-G', '-R', '-E', '--complete-insert', '--skip-tz-utc', '--less-locking', '--trx-consistency-only', '-s 2000', '-r 5', '-F 1'] as const;

export const HAVE_MYDUMPER = spawnSync('mydumper', ['--version'], { encoding: 'utf8' }).status === 0 && spawnSync('myloader', ['--version'], { encoding: 'utf8' }).status === 0;

function subset<T>(all: readonly T[]): Arbitrary<T[]> {
  return fc.subarray([...all]);
}

export function importOptionsArb(mydumper: boolean): Arbitrary<ImportOptions> {
  const tool = mydumper ? fc.constantFrom<DumpTool[]>('mariadb-dump', 'mariadb-dump', 'mydumper') : fc.constant<DumpTool>('mariadb-dump');
  return tool.chain((t) =>
    fc.record(
      {
        tool: fc.constant(t),
        dumpFlags: t === 'mydumper'
          ? fc.tuple(subset(MYDUMPER_FLAGS), fc.integer({ min: 1, max: 4 }), fc.boolean()).map(([f, threads, c]) => [...f.flatMap((x) => x.split(' ')), '-t', String(threads), ...(c ? ['-c'] : [])])
          : subset(MARIADB_DUMP_FLAGS),
        databases: t === 'mydumper' ? fc.constant(true) : fc.boolean(),
        gzip: t === 'mydumper' ? fc.constant(false) : fc.boolean(),
        loadThreads: fc.integer({ min: 1, max: 4 }),
        rowsPerTransaction: fc.integer({ min: 1, max: 20 }),
        bytesPerTransaction: fc.constantFrom('128', '1K', '16K'),
        interrupt: fc.option(fc.record({ how: fc.constantFrom<Interrupt['how'][]>('kill-9', 'kill-connection'), at: fc.integer({ min: 1, max: 30 }) }), { nil: undefined, freq: 3 }),
      },
      { requiredKeys: ['tool', 'dumpFlags', 'databases', 'gzip', 'loadThreads', 'interrupt'] },
    ),
  );
}

export const SIMPLE_IMPORT: Partial<ImportOptions> = { interrupt: undefined, loadThreads: 1, gzip: false };

/**
 * The features a case may use under options `o`: no history rows without mariadb-dump --dump-history
 * (mydumper 0.10 has no such option): the file does not hold them, for any loader; no names mydumper
 * 0.10 cannot dump (with '/', '`', or not ASCII: it fails on them itself), nor invisible columns nor
 * INET4 / INET6 / UUID values, which its files do not carry.
 */
export function allowedFor(allowed: Allowed, o: ImportOptions): Allowed {
  return (tag) => {
    if (tag === 'system-versioned' && !o.dumpFlags.includes('--dump-history')) return false;
    if (tag === 'hostile-name' && o.tool === 'mydumper') return false;
    // mydumper 0.10 dumps SELECT *: an INVISIBLE column's values are not in its files (myloader's copy
    // loses them too, and then differs from tsload's in other ways as well: nothing left to compare)
    if (tag === 'invisible-column' && o.tool === 'mydumper') return false;
    // mydumper 0.10 writes their text under SET NAMES binary, where the server takes a binary string
    // for the raw bytes: '1.2.3.4' is refused, or NULL in a loose mode, for myloader as for tsload
    if ((tag === 'inet4' || tag === 'inet6' || tag === 'uuid') && o.tool === 'mydumper') return false;
    // an ENUM / SET member twice: myloader refuses the table (its session is strict), nothing to compare with
    if (tag === 'loose-ddl' && o.tool === 'mydumper') return false;
    return allowed(tag);
  };
}

function serverArgs(): string[] {
  const s = testServer();
  return ['-h', s.host, '-P', String(s.port), '-u', s.user];
}

/** A tool of the machine against the test server (the password through MYSQL_PWD or -p). */
function tool(bin: string, args: readonly string[], input?: Buffer): { ok: boolean; out: Buffer; err: string } {
  const s = testServer();
  const pass = bin === 'mydumper' || bin === 'myloader' ? (s.password ? ['-p', s.password] : []) : [];
  const pre = bin === 'mydumper' || bin === 'myloader' ? [] : ['--no-defaults'];
  const r = spawnSync(bin, [...pre, ...serverArgs(), ...pass, ...args], { input, env: { ...process.env, MYSQL_PWD: s.password }, maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0), err: `${r.stderr?.toString() ?? ''}${r.error ? String(r.error) : ''}` };
}

export function dumpCommand(o: ImportOptions, src: string, out: string): string[] {
  if (o.tool === 'mydumper') return ['mydumper', MYDUMPER_NO_LOCKS, '-B', src, '-o', out, ...o.dumpFlags];
  return ['mariadb-dump', ...o.dumpFlags, ...(o.databases ? ['--databases', src] : [src])];
}

export function importLoadArgs(o: ImportOptions, src: string, dst: string, input: string): string[] {
  const args = ['-d', input, ...(o.databases ? ['--rename', `${src}=${dst}`] : ['-B', dst]), '-t', String(o.loadThreads), '--progress', o.interrupt ? 'json' : 'plain'];
  if (o.dumpFlags.includes('--compact')) args.push('--force');
  if (o.rowsPerTransaction !== undefined) args.push('--rows-per-transaction', String(o.rowsPerTransaction));
  if (o.bytesPerTransaction !== undefined) args.push('--bytes-per-transaction', o.bytesPerTransaction);
  return args;
}

/** Dump `src` with the case's tool: the file or directory tsload reads. */
function dump(o: ImportOptions, src: string, dir: string): { input: string; raw: Buffer } | { error: string } {
  const [bin, ...args] = dumpCommand(o, src, path.join(dir, 'mydumper'));
  const r = tool(bin!, args);
  if (!r.ok) return { error: `${bin} failed: ${lastLines(r.err, 6)}` };
  if (o.tool === 'mydumper') return { input: path.join(dir, 'mydumper'), raw: Buffer.alloc(0) };
  const file = path.join(dir, o.gzip ? 'dump.sql.gz' : 'dump.sql');
  writeFileSync(file, o.gzip ? gzipSync(r.out) : r.out);
  return { input: file, raw: r.out };
}

/** The reference restore into `ref`: myloader, or `mariadb < file` (the file's database name swapped for `ref`'s). */
function referenceLoad(o: ImportOptions, src: string, ref: string, input: string, raw: Buffer): string | undefined {
  if (o.tool === 'mydumper') {
    const r = tool('myloader', ['-d', input, '-s', src, '-B', ref, '-t', '2']);
    return r.ok ? undefined : `myloader: ${lastLines(r.err, 4)}`;
  }
  // latin1 keeps every byte as it is; the generated database names are plain ASCII
  const text = raw.toString('latin1').split(`\`${src}\``).join(`\`${ref}\``);
  // utf8mb4 as tsload's sessions start (the client's own default would lose 4-byte characters of a file without SET NAMES)
  const r = tool('mariadb', ['--default-character-set=utf8mb4', ...(o.databases ? [] : [ref])], Buffer.from(text, 'latin1'));
  return r.ok ? undefined : `mariadb < file: ${lastLines(r.err, 4)}`;
}

/**
 * The reference copy differs from the source in `d` too. A content hash the reference got wrong for a
 * table whose definition it also got wrong (myloader's ENUM / SET members read as another charset) is
 * not the hash the file's rows give: any content difference of its covers ours (a FLOAT printed rounded).
 */
function covered(d: string, theirs: CheckResult): boolean {
  if (theirs.details.includes(d)) return true;
  const hash = (x: string): boolean => x.startsWith('content hash differs');
  return hash(d) && theirs.details.some(hash) && theirs.details.some((x) => x.startsWith('SHOW CREATE TABLE differ'));
}

function key(r: CheckResult): string {
  return `${r.kind} ${r.object}`;
}

/** One case: create, dump, restore by tsload and by the reference, compare. */
export async function runImportCase(ctx: RunContext, c: GenCase, o: ImportOptions): Promise<CaseRun> {
  const src = uniqueDb('geni_src');
  const dst = uniqueDb('geni_dst');
  const ref = uniqueDb('geni_ref');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-geni-'));
  const names = c.tables.map((t) => t.name);
  let failed = false;
  try {
    await createSource(ctx.admin, c, src);
    // a one-database file does not carry the database's character set: create it first, as a user must
    if (!o.databases) for (const db of [dst, ref]) await ctx.admin.query(createDatabaseSql(db, c));
    const dumped = dump(o, src, dir);
    if ('error' in dumped) return { status: 'refused', stage: 'dump', detail: dumped.error, tables: names };
    const refError = referenceLoad(o, src, ref, dumped.input, dumped.raw);
    const command = [...connArgs(), ...importLoadArgs(o, src, dst, dumped.input)];
    const { result: load, note } = o.interrupt ? await interruptedLoad(ctx, command, o.interrupt, dst) : { result: await runCli('tsload', command, { timeoutMs: 300_000 }), note: undefined };
    if (load.code !== 0) {
      const touched = o.databases ? 'SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?' : 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?';
      const exists = Number(await ctx.admin.scalar(touched, [dst])) > 0;
      // a file the reference cannot load either: a clear error naming the object is all one can ask
      const run = refusalOrFailure('load', load, src, names, exists && refError === undefined);
      failed = run.status === 'failed';
      return refError !== undefined ? { ...run, detail: `${run.detail}\n(the reference failed too: ${refError})` } : run;
    }
    const ours = failures(await compareDatabases(ctx.admin, src, dst));
    // a reference that failed on one table (myloader goes on) still tells what the file holds of the others
    const refExists = Number(await ctx.admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [ref])) > 0;
    const theirs = new Map(refExists ? failures(await compareDatabases(ctx.admin, src, ref)).map((r) => [key(r), r]) : []);
    const worse = ours.filter((r) => {
      const t = theirs.get(key(r));
      return !t || r.details.some((d) => !covered(d, t));
    });
    if (worse.length === 0) {
      const inherent = ours.length > 0 ? `differences the reference has too: ${ours.map(key).join(', ')}` : undefined;
      const notes = [note, inherent, refError !== undefined ? `the reference failed: ${refError}` : undefined].filter(Boolean);
      return { status: 'equal', detail: '', tables: [], ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
    }
    failed = true;
    const detail = worse.map((r) => `${key(r)}: ${r.details.join('; ')}${theirs.has(key(r)) ? ` (the reference: ${theirs.get(key(r))!.details.join('; ')})` : ''}`).join('\n');
    const tables = worse.map((r) => r.object).filter((n) => names.includes(n));
    return { status: 'failed', stage: 'compare', detail: `${detail}${refError !== undefined ? `\n(the reference failed: ${refError})` : ''}`, tables: tables.length > 0 ? tables : names };
  } finally {
    if (!(failed && ctx.keep)) {
      await dropDbs(src, dst, ref);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The commands of a case, for its reproduction. */
export function importCommands(o: ImportOptions): string[] {
  const input = o.tool === 'mydumper' ? '/tmp/geni-mydumper' : `/tmp/geni.sql${o.gzip ? '.gz' : ''}`;
  const dumpCmd = dumpCommand(o, 'gen_src', input);
  return [
    `${dumpCmd.map(shellWord).join(' ')} ${o.tool === 'mydumper' ? '' : `${o.gzip ? '| gzip ' : ''}> ${input}`}`.trim(),
    `tsload ${['<connection>', ...importLoadArgs(o, 'gen_src', 'gen_dst', input)].map(shellWord).join(' ')}`,
    ...(o.interrupt ? [`interrupted (${o.interrupt.how}) at its progress line ${o.interrupt.at}, then the same tsload again`] : []),
    `compared with: ${o.tool === 'mydumper' ? 'myloader -d DIR -s gen_src -B gen_ref' : `mariadb ${o.databases ? '' : 'gen_ref '}< the file (database renamed)`}`,
  ];
}

export function describeImport(o: ImportOptions): string {
  return `${o.tool}${o.gzip ? '+gzip' : ''}${o.databases ? ' --databases' : ' one-db'} [${o.dumpFlags.join(' ')}] t${o.loadThreads}${o.interrupt ? ` ${o.interrupt.how}@${o.interrupt.at}` : ''}`;
}
