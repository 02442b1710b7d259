/**
 * `tsdump bench` / `tsload bench`: the tuning experiment DBAs run by hand, as a subcommand. Options are
 * parsed and validated here into a frozen plan; src/bench/ runs it and formats the results.
 */
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { Option } from 'commander';
import { EXIT_CODES } from '../core/errors.js';
import { parseSize } from '../core/sizes.js';
import type { TrialProgress } from '../bench/bench-runner.js';
import type { LoadFn } from '../bench/load-bench.js';
import { DEFAULT_ROWS_PER_TRANSACTION, DEFAULT_STATEMENT_SIZES, defaultThreadCounts, expandGrid, parseCountList, parseSizeList, settingLabel } from '../bench/grid.js';
import type { BenchReport } from '../bench/report.js';
import { formatReport, toJson } from '../bench/report.js';
import { LOCK_MODES, type LockMode, type TableRef } from '../dump/dumper.js';
import { addConnectionOptions, resolveConnection, type ConnectionOptionValues } from './connection-options.js';
import { addS3Options, storeLocation, type S3OptionValues } from './store-location.js';
import { indexOutsideQuotes, parseTableRef } from './filter-options.js';
import { wholeNumber } from './option-parsers.js';
import { runCommand, toolVersion, usageError } from './run-command.js';

type Tool = 'tsdump' | 'tsload';

interface BenchFlags extends ConnectionOptionValues, S3OptionValues {
  database?: string;
  tables?: string;
  dir?: string;
  statementSizes: string;
  threadsList?: string;
  rowsPerTransactionList: string;
  repeat: number;
  warmup: number;
  seed?: number;
  chunkSize: string;
  rows?: number;
  lockMode: LockMode;
  tmpdir?: string;
  json: boolean;
  quiet: boolean;
}


/**
 * Adds the `bench` subcommand to a bin's program. tsload passes `load`, the adapter from a benchmark's
 * LoadCall to its loader (bench/ cannot know the loader's options); without it `tsload bench` says so.
 */
export function addBenchCommand(program: Command, tool: Tool, load?: LoadFn): Command {
  // Without positional options the root command would take -B/-T/-h… that follow `bench` for itself.
  program.enablePositionalOptions();
  const cmd = program.command('bench').description(
    tool === 'tsdump'
      ? 'time dumps of one table over a grid of statement sizes and thread counts; recommend the fastest setting'
      : 'time loads of one table of a dump into a scratch database over a grid of settings; recommend the fastest',
  );
  addConnectionOptions(cmd);
  if (tool === 'tsdump') {
    cmd.option('-B, --database <db>', 'database of the table (lets -T name just the table)').option('-T, --tables <db.t>', 'the table to dump (db.table)');
  } else {
    cmd.option('-d, --dir <dir>', 'dump (directory or s3://bucket/prefix) to take the table from').option('-T, --tables <db.t>', 'the table of the dump to load (default: its largest)');
    cmd.option('--rows-per-transaction-list <n,...>', 'rows per transaction to try', DEFAULT_ROWS_PER_TRANSACTION);
    addS3Options(cmd);
  }
  cmd
    .option('--statement-sizes <sizes>', 'longest INSERT statements to try (SQL format, like net_buffer_length)', DEFAULT_STATEMENT_SIZES)
    .option('--threads-list <n,...>', `thread counts to try (default: 1,2,cores,2×cores = ${defaultThreadCounts(os.availableParallelism()).join(',')})`)
    .option('--repeat <n>', 'runs of every setting (interleaved)', wholeNumber('--repeat', 1), 3)
    .option('--warmup <n>', 'uncounted runs first, to warm caches', wholeNumber('--warmup', 0), 1)
    .option('--seed <n>', 'seed of the shuffled run order (default: random, printed)', wholeNumber('--seed', 0))
    .option('-F, --chunk-size <size>', 'target bytes per chunk file', '64M')
    .option('-r, --rows <n>', 'rows per chunk instead of --chunk-size', wholeNumber('--rows', 1))
    .option('--tmpdir <dir>', 'where the temporary dumps go (default: the OS temp directory); removed afterwards')
    .option('--json', 'print the results as JSON', false)
    .option('-q, --quiet', 'no per-run progress lines', false);
  if (tool === 'tsdump') cmd.addOption(new Option('--lock-mode <mode>', 'snapshot lock for each dump').choices(LOCK_MODES).default('auto'));
  cmd.addHelpText(
    'after',
    tool === 'tsdump'
      ? `
Example:
  tsdump bench -B shop -T shop.orders --statement-sizes 64K,256K,1M,16M --threads-list 1,2,4 --repeat 3`
      : `
Example:
  tsload bench -d /backups/shop -T shop.orders --threads-list 2,4 --rows-per-transaction-list 10000,50000
Nothing of yours is touched: the table goes into a scratch database tsbench_<random> that is dropped afterwards.`,
  );
  cmd.action(async () => {
    await runCommand(async (signal) => {
      const flags = cmd.opts<BenchFlags>();
      const conn = await resolveConnection(flags, tool);
      const dims = {
        statementSizes: parseSizeList(flags.statementSizes, '--statement-sizes'),
        threads: flags.threadsList === undefined ? defaultThreadCounts(os.availableParallelism()) : parseCountList(flags.threadsList, '--threads-list'),
        rowsPerTransaction: tool === 'tsload' ? parseCountList(flags.rowsPerTransactionList, '--rows-per-transaction-list') : [],
      };
      const plan = Object.freeze({ cells: expandGrid(dims), repeat: flags.repeat, warmup: flags.warmup, seed: flags.seed ?? randomInt(0, 2 ** 31) });
      const onTrial = flags.quiet ? undefined : progressLine;
      const common = {
        connection: conn.settings,
        plan,
        chunkBytes: parseSize(flags.chunkSize, '--chunk-size'),
        chunkRows: flags.rows ?? null,
        tmpDir: flags.tmpdir ? path.resolve(flags.tmpdir) : null,
        toolVersion: toolVersion(),
      };
      let report: BenchReport;
      if (tool === 'tsdump') {
        const { runDumpBench } = await import('../bench/dump-bench.js');
        report = await runDumpBench({ ...common, table: benchTable(flags), lockMode: flags.lockMode }, onTrial, signal);
      } else {
        if (!load) throw usageError('tsload bench is not available in this build (no loader adapter wired)');
        if (!flags.dir) throw usageError('no dump directory', 'pass -d DIR (a tsdump dump holding the table to load)');
        const table = flags.tables?.trim() ? benchTable(flags) : null;
        const { runLoadBench } = await import('../bench/load-bench.js');
        report = await runLoadBench({ ...common, source: storeLocation(flags.dir, '-d', flags), table }, load, onTrial, signal);
      }
      process.stdout.write(flags.json ? toJson(report) : formatReport(report));
      return EXIT_CODES.ok;
    });
  });
  return cmd;
}

function benchTable(flags: BenchFlags): TableRef {
  const t = flags.tables?.trim();
  if (!t) throw usageError('no table to benchmark', 'pass -T db.table (or -B db -T table)');
  // db.table as the other filters read it (a name in backticks may hold a dot); a bare table with -B
  const i = indexOutsideQuotes(t, '.');
  if (i > 0 && i < t.length - 1) {
    const ref = parseTableRef(t, '-T');
    if (flags.database && flags.database !== ref.database) throw usageError(`-T ${t} is not in -B ${flags.database}`);
    return ref;
  }
  if (!flags.database) throw usageError(`-T '${t}' is not db.table`, 'write -T db.table, or add -B db');
  return { database: flags.database, table: t };
}

function progressLine(p: TrialProgress): void {
  const what = p.warmup ? ' (warm-up, not counted)' : '';
  process.stderr.write(`[${p.index}/${p.total}] ${settingLabel(p.setting)}: ${p.seconds.toFixed(3)} s${what}\n`);
}
