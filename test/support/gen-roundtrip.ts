/**
 * One generated case through the built CLI: create and fill the source database, tsdump it, tsload it
 * under another name, compare (test/support/checker.ts: content hash over every column, SHOW CREATE
 * TABLE, table options and AUTO_INCREMENT). The property holds when the copy equals the source, or when
 * a tool refused clearly (non-zero exit, a message naming the database or a table, no stack trace)
 * before the target database existed.
 *
 * A failing case is reduced (fewer tables, rows, columns, simpler options; a bounded number of reruns)
 * and printed as SQL and commands that reproduce it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareDatabases, failures } from './checker.js';
import type { CheckResult } from './checker.js';
import { connArgs, runCli } from './cli.js';
import type { CliResult } from './cli.js';
import type { GenCase, GenTable } from './gen-schema.js';
import { insertable, tableTags } from './gen-schema.js';
import type { GenOptions, Interrupt } from './gen-render.js';
import { createDatabaseSql, dumpArgs, ignoredTable, loadArgs, shellWord, tableStatements } from './gen-render.js';
import type { AdminSession } from './server.js';
import { dropDbs, uniqueDb } from './server.js';

export type Stage = 'dump' | 'load' | 'compare';

export interface CaseRun {
  readonly status: 'equal' | 'refused' | 'failed';
  readonly stage?: Stage;
  /** What went wrong (or the refusal's message). */
  readonly detail: string;
  /** Tables the failure concerns (all when it cannot tell). */
  readonly tables: readonly string[];
  /** Worth a line in the log though the case held (an interrupted first run that gave up by itself). */
  readonly note?: string;
}

export interface RunContext {
  readonly admin: AdminSession;
  /** Keep the databases and the dump directory of a failing case. */
  readonly keep: boolean;
}

/** Thrown when the generator made SQL the server refuses: a bug in the generator, not in the tools. */
export class GeneratorError extends Error {}

export async function runCase(ctx: RunContext, c: GenCase, o: GenOptions): Promise<CaseRun> {
  const src = uniqueDb('gen_src');
  const dst = uniqueDb('gen_dst');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsdump-gen-'));
  const out = path.join(dir, 'dump');
  let failed = false;
  try {
    await createSource(ctx.admin, c, src);
    const run = await roundTrip(ctx, src, c.tables.map((t) => t.name), o, dst, out);
    failed = run.status === 'failed';
    return run;
  } finally {
    if (!(failed && ctx.keep)) {
      await dropDbs(src, dst);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export async function createSource(admin: AdminSession, c: GenCase, src: string): Promise<void> {
  const statements = [createDatabaseSql(src, c), ...c.tables.flatMap((t) => tableStatements(src, t))];
  try {
    for (const s of statements) {
      try {
        await admin.query(s);
      } catch (e) {
        throw new GeneratorError(`the server refused a generated statement (${e instanceof Error ? e.message : String(e)}):\n${s.slice(0, 3000)}`);
      }
    }
  } finally {
    await admin.query("SET SESSION sql_mode = DEFAULT, time_zone = DEFAULT");
  }
}

/**
 * tsdump `src` (whose base tables are `names`) into `out`, tsload it as `dst`, compare the two databases.
 * The caller drops both databases and the directory.
 */
export async function roundTrip(ctx: RunContext, src: string, names: readonly string[], o: GenOptions, dst: string, out: string): Promise<CaseRun> {
  const dump = await runCli('tsdump', [...connArgs(), ...dumpArgs(names, o, src, out)], { timeoutMs: 300_000 });
  if (dump.code !== 0) return refusalOrFailure('dump', dump, src, names, false);
  const loadCommand = [...connArgs(), ...loadArgs(o, src, dst, out)];
  const { result: load, note } = o.interrupt ? await interruptedLoad(ctx, loadCommand, o.interrupt, dst) : { result: await runCli('tsload', loadCommand, { timeoutMs: 300_000 }), note: undefined };
  if (load.code !== 0) {
    const exists = Number(await ctx.admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])) > 0;
    return refusalOrFailure('load', load, src, names, exists);
  }
  const ignored = ignoredTable(names, o);
  const results = await compareDatabases(ctx.admin, src, dst);
  const bad = failures(results).filter((r) => !(r.object === ignored && r.details.length === 1 && r.details[0] === 'missing in target'));
  if (ignored !== undefined && !results.some((r) => r.object === ignored && r.kind === 'table' && r.details[0] === 'missing in target')) {
    bad.push({ kind: 'table', object: ignored, ok: false, details: ['--ignore-table was given but the table is in the target'] } satisfies CheckResult);
  }
  if (bad.length === 0) return { status: 'equal', detail: '', tables: [], ...(note ? { note } : {}) };
  const detail = bad.map((r) => `${r.kind} ${r.object}: ${r.details.join('; ')}`).join('\n');
  const tables = bad.map((r) => r.object).filter((n) => names.includes(n));
  return { status: 'failed', stage: 'compare', detail, tables: tables.length > 0 ? tables : names };
}

/**
 * tsload interrupted at its `at`-th progress line (or not at all, when it finishes first), then run again
 * with the same command: the result of the run that must finish. A first run that stopped by itself after
 * a killed connection must have said why (a clear error, as any refusal); it is then run again too.
 */
export async function interruptedLoad(ctx: RunContext, command: readonly string[], interrupt: Interrupt, dst: string): Promise<{ result: CliResult; note?: string }> {
  let lines = 0;
  let pid = 0;
  let fired = false;
  // kill-connection: a KILL was sent (the poller may find no statement before the run ends)
  let killed = false;
  let killer: Promise<void> = Promise.resolve();
  let running = true;
  const fire = (): void => {
    fired = true;
    if (interrupt.how === 'kill-9') {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      return;
    }
    killer = (async () => {
      // the next statement one of its sessions runs on the target (progress lines come between statements)
      for (let polls = 0; running && polls < 200; polls++) {
        const ids = await ctx.admin
          .query<{ ID: string }>('SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INSTR(INFO, ?) > 0', [dst])
          .catch(() => []);
        if (ids.length > 0) {
          await ctx.admin.query(`KILL CONNECTION ${Number(ids[0]!.ID)}`).then(() => (killed = true), () => undefined);
          return;
        }
        await new Promise((res) => setTimeout(res, 2));
      }
    })();
  };
  const first = await runCli('tsload', command, {
    timeoutMs: 300_000,
    onSpawn: (p) => {
      pid = p;
    },
    onStdout: (text) => {
      lines += text.split('\n').length - 1;
      if (!fired && lines >= interrupt.at) fire();
    },
  });
  running = false;
  await killer;
  if (first.code === 0 || !fired) return { result: first };
  // a first run that failed by itself is judged as any run: only the interruption earns a rerun
  if (interrupt.how === 'kill-9' ? first.signal !== 'SIGKILL' : !killed || hasStackTrace(first)) return { result: first };
  const note = interrupt.how === 'kill-connection' ? `the first run stopped after its connection was killed: ${lastLines(first.stderr, 2)}` : undefined;
  return { result: await runCli('tsload', command, { timeoutMs: 300_000 }), note };
}

function hasStackTrace(r: CliResult): boolean {
  const text = `${r.stderr}\n${r.stdout}`;
  return /^\s+at .+:\d+:\d+\)?$/m.test(text) || /Unhandled|node:internal/.test(text);
}

/** A clear refusal: an exit code (not a signal), a message naming an object, no stack trace, target untouched. */
export function refusalOrFailure(stage: Stage, r: CliResult, src: string, names: readonly string[], targetTouched: boolean): CaseRun {
  const text = `${r.stderr}\n${r.stdout}`.trim();
  const mentioned = names.filter((n) => text.includes(n));
  const tables = mentioned.length > 0 ? mentioned : names;
  const message = lastLines(text, 8);
  const named = mentioned.length > 0 || text.includes(src);
  const stack = hasStackTrace(r);
  if (r.code === null) return { status: 'failed', stage, detail: `ts${stage === 'dump' ? 'dump' : 'load'} was killed by ${r.signal}: ${message}`, tables };
  if (targetTouched) return { status: 'failed', stage, detail: `tsload exited ${r.code} after creating the target database:\n${message}`, tables };
  if (stack) return { status: 'failed', stage, detail: `exit ${r.code} with a stack trace:\n${message}`, tables };
  if (!named) return { status: 'failed', stage, detail: `exit ${r.code} with a message that names no object:\n${message}`, tables };
  return { status: 'refused', stage, detail: `exit ${r.code}: ${message}`, tables };
}

export function lastLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
}

// ---------------------------------------------------------------------------------------------
// reduction and reproduction
// ---------------------------------------------------------------------------------------------

function withTables(c: GenCase, tables: readonly GenTable[]): GenCase {
  return { ...c, tables };
}

/** The table without one column (and what depends on it); undefined for a key column. */
function withoutColumn(t: GenTable, name: string): GenTable | undefined {
  const keyed = t.indexes.some((i) => i.kind !== 'KEY' && i.parts.some((p) => p.column === name));
  if (keyed || t.columns.every((c) => c.name === name || c.generated)) return undefined;
  const drop = new Set([name, ...t.columns.filter((c) => c.generated?.source === name).map((c) => c.name)]);
  const at = insertable(t).map((c, i) => (drop.has(c.name) ? i : -1)).filter((i) => i >= 0);
  return {
    ...t,
    columns: t.columns.filter((c) => !drop.has(c.name)),
    indexes: t.indexes.map((i) => ({ ...i, parts: i.parts.filter((p) => !drop.has(p.column)) })).filter((i) => i.parts.length > 0),
    rows: t.rows.map((r) => r.filter((_, i) => !at.includes(i))),
  };
}

const SIMPLE: Partial<GenOptions> = { interrupt: undefined, compress: 'none', dumpThreads: 1, loadThreads: 1, checksum: false, chunking: { kind: 'bytes', size: '64M' } };

/**
 * Smaller cases that still fail at the same stage: only the tables concerned, then halves of the rows,
 * then one column less at a time, then simpler options. At most `budget` reruns.
 */
export async function reduceCase(ctx: RunContext, c0: GenCase, o0: GenOptions, run0: CaseRun, budget: number): Promise<{ c: GenCase; o: GenOptions; run: CaseRun; tries: number }> {
  return reduceWith(c0, o0, run0, budget, (c, o) => runCase(ctx, c, o), SIMPLE);
}

/** reduceCase for any runner of a case under options `O` (the import round trip's too), `simple` its simpler options. */
export async function reduceWith<O extends object>(c0: GenCase, o0: O, run0: CaseRun, budget: number, runner: (c: GenCase, o: O) => Promise<CaseRun>, simple: Partial<O>): Promise<{ c: GenCase; o: O; run: CaseRun; tries: number }> {
  let c = c0;
  let o = o0;
  let run = run0;
  let tries = 0;
  const attempt = async (cc: GenCase, oo: O): Promise<boolean> => {
    if (tries >= budget) return false;
    tries++;
    const r = await runner(cc, oo).catch((): CaseRun => ({ status: 'equal', detail: '', tables: [] }));
    if (r.status !== 'failed' || r.stage !== run.stage) return false;
    c = cc;
    o = oo;
    run = r;
    return true;
  };
  const concerned = c.tables.filter((t) => run.tables.includes(t.name));
  if (concerned.length > 0 && concerned.length < c.tables.length) await attempt(withTables(c, concerned), 'ignore' in o ? { ...o, ignore: undefined } : o);
  for (const t0 of c.tables) {
    let t = t0;
    while (t.rows.length > 1 && tries < budget) {
      const half = Math.ceil(t.rows.length / 2);
      const parts = [t.rows.slice(0, half), t.rows.slice(half)];
      let shrunk = false;
      for (const rows of parts) {
        const tt: GenTable = { ...t, rows, after: rows.length > 0 ? t.after : [] };
        if (await attempt(withTables(c, c.tables.map((x) => (x.name === t.name ? tt : x))), o)) {
          t = tt;
          shrunk = true;
          break;
        }
      }
      if (!shrunk) break;
    }
    for (const col of t.columns.map((x) => x.name)) {
      const tt = withoutColumn(t, col);
      if (tt && (await attempt(withTables(c, c.tables.map((x) => (x.name === t.name ? tt : x))), o))) t = tt;
    }
  }
  for (const [k, value] of Object.entries(simple)) {
    if (JSON.stringify(o[k as keyof O]) !== JSON.stringify(value)) await attempt(c, { ...o, [k]: value });
  }
  return { c, o, run, tries };
}

/** SQL and commands that rebuild the case and run the tools as the test did. */
export function reproduction(c: GenCase, o: GenOptions, run: CaseRun): string {
  const src = 'gen_src';
  const dst = 'gen_dst';
  const dir = '/tmp/gen-dump';
  const names = c.tables.map((t) => t.name);
  return caseReproduction(c, run, src, ignoredTable(names, o), [
    `tsdump ${['<connection>', ...dumpArgs(names, o, src, dir)].map(shellWord).join(' ')}`,
    `tsload ${['<connection>', ...loadArgs(o, src, dst, dir)].map(shellWord).join(' ')}`,
    ...(o.interrupt ? [`interrupted (${o.interrupt.how}) at its progress line ${o.interrupt.at}, then the same tsload again`] : []),
  ]);
}

/** The SQL that rebuilds the tables a failure concerns (and `keep`) in `src`, then the `commands` as comments. */
export function caseReproduction(c: GenCase, run: CaseRun, src: string, keep: string | undefined, commands: readonly string[]): string {
  const tables = c.tables.filter((t) => run.tables.length === 0 || run.tables.includes(t.name) || keep === t.name);
  const lines = [
    `-- observed at ${run.stage ?? '?'}: ${run.detail.split('\n').join('\n--   ')}`,
    `-- features: ${[...new Set(c.tables.flatMap((t) => [...tableTags(t)]))].join(', ') || 'none'}`,
    'SET NAMES utf8mb4;',
    `${createDatabaseSql(src, c)};`,
    ...(tables.length > 0 ? tables : c.tables).flatMap((t) => tableStatements(src, t).map((s) => `${s};`)),
    ...commands.map((x, k) => `-- ${k === 0 ? 'then: ' : '      '}${x}`),
  ];
  return lines.join('\n');
}

/** One line per case for the run's summary. */
export function describeCase(c: GenCase, o: GenOptions): string {
  return `${describeTables(c)} | ${describeOptions(o)}`;
}

export function describeTables(c: GenCase): string {
  return c.tables.map((t) => `${t.name}[${t.columns.length} cols, ${t.rows.length} rows${t.versioned ? ', versioned' : ''}]`).join(' ');
}

export function describeOptions(o: GenOptions): string {
  return `${o.format}${o.compress !== 'none' ? `+${o.compress}` : ''} ${o.chunking.kind === 'rows' ? `rows=${o.chunking.n}` : `chunk=${o.chunking.size}`} t${o.dumpThreads}/${o.loadThreads}${o.checksum ? ' checksum' : ''} defer=${o.deferIndexes}${o.format === 'csv' ? ` insert=${o.insertMethod}` : ''}${o.ignore !== undefined ? ' ignore-table' : ''}${o.interrupt ? ` ${o.interrupt.how}@${o.interrupt.at}` : ''}`;
}
