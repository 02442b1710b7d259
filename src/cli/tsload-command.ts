/** tsload: wires the command; parsing into frozen options happens here and nowhere below. */
import { Command, Option } from 'commander';
import { EXIT_CODES, TsError } from '../core/errors.js';
import { PreflightError } from '../core/problem.js';
import { formatBytes, parseSize } from '../core/sizes.js';
import { DROP_TABLE_MODES, LOAD_DEFAULTS, loadOptions, runLoad, type DropTableMode, type LoadOptions } from '../load/loader.js';
import { runRestoreTest } from '../load/restore-test.js';
import { INPUT_FORMATS, type InputFormat } from '../load/load-options.js';
import { INSERT_METHODS, type InsertMethod } from '../load/insert-method.js';
import { runImportCommand } from './import-command.js';
import { loadWithLoader } from '../bench/load-adapter.js';
import { addBenchCommand } from './bench-command.js';
import { addConnectionOptions, applyFileDefaults, parseConnectionUrl, resolveConnection, type ConnectionOptionValues } from './connection-options.js';
import { PROGRESS_MODES, createReporter, type ProgressMode } from './reporters.js';
import { collect, parseAndRun, wholeNumber } from './option-parsers.js';
import { runCommand, toolVersion, usageError } from './run-command.js';
import { describeSubset } from '../format/subset.js';
import { printSummary, summaryEvent } from './summary.js';
import { addRestoreOptions, restoreOptions, type RestoreFlagValues } from './restore-options.js';
import { addS3Options, storeLocation, type S3OptionValues } from './store-location.js';


interface LoadFlags extends ConnectionOptionValues, S3OptionValues, RestoreFlagValues {
  directory?: string;
  database?: string;
  rename: string[];
  threads?: number;
  rowsPerTransaction?: number;
  bytesPerTransaction?: string;
  deferIndexes: 'on' | 'off';
  dropTable: DropTableMode;
  skipDefiner: boolean;
  convertUtf8mb4: boolean;
  engine?: string;
  skipBinlog: boolean;
  verify: boolean;
  dryRun: boolean;
  keepProgress: boolean;
  restoreTest: boolean;
  inputFormat: InputFormat;
  force: boolean;
  sqlMode?: string;
  statementTimeout: number;
  insertMethod: InsertMethod;
  progress: ProgressMode;
  logFile?: string;
  metricsFile?: string;
  quiet: boolean;
  verbose: boolean;
}


const program = new Command('tsload')
  .description('Load a tsdump dump in parallel, in sized transactions, resumable exactly once, verified against the manifest')
  .version(toolVersion(), '-V, --version')
  .exitOverride();
addConnectionOptions(program)
  .option('-d, --directory <dir>', 'the dump: a directory or s3://bucket/prefix (with manifest.json)')
  .option('-B, --database <db>', 'load the (single) database of the dump under this name (default: the database of --url)')
  .option('--rename <src=dst>', 'load database src under the name dst (repeatable)', collect, [])
  .option('-t, --threads <n>', 'parallel data sessions (default: CPU cores)', wholeNumber('--threads'))
  .option('--rows-per-transaction <n>', `rows per transaction (CSV) / INSERT statements per transaction (SQL) (default: ${LOAD_DEFAULTS.rowsPerTransaction})`, wholeNumber('--rows-per-transaction'))
  .option('--bytes-per-transaction <size>', `bytes of data file per transaction (default: ${formatBytes(LOAD_DEFAULTS.bytesPerTransaction)})`)
  .addOption(new Option('--defer-indexes <mode>', 'create secondary indexes and foreign keys after the data').choices(['on', 'off']).default('on'))
  .addOption(new Option('--drop-table <mode>', 'when a table of the dump already exists in a fresh load: fail, drop (and recreate), truncate (keep the definition), append (load into it as it is; a finished append is not repeated by a rerun); a view, routine, trigger or event of the dump whose name is taken is refused unless drop').choices(DROP_TABLE_MODES).default('fail'))
  .option('--skip-definer', 'drop DEFINER clauses: objects are created as the loading user', false)
  .option('--convert-utf8mb4', 'convert utf8/utf8mb3 databases, tables and columns to utf8mb4, with the matching collation (utf8_general_ci → utf8mb4_general_ci, also where the source left it unnamed)', false)
  .option('--engine <engine>', 'create every table with this storage engine')
  .option('--skip-binlog', 'do not write the load to the binary log (sql_log_bin=0; needs SUPER/SYSTEM_VARIABLES_ADMIN)', false)
  .option('--no-verify', 'skip the row count / checksum verification after the load')
  .option('--dry-run', 'check the target (existing tables, privileges, local_infile, max_allowed_packet, …) and print the plan; change nothing; exit 1 listing every problem that would make the load fail', false)
  .option('--keep-progress', 'keep the tsload_progress state after a finished load', false)
  .option('--restore-test', 'restore drill: load into scratch databases, verify (every chunk of our dumps; row counts of a mysqldump file or mydumper directory), drop them; the exit code says how it went', false)
  .addOption(new Option('--input-format <format>', 'what -d is (default: detected: a tsdump directory, a mydumper directory, a mysqldump .sql/.sql.gz/.sql.zst file)').choices(INPUT_FORMATS).default('auto'))
  .option('--force', "load another tool's incomplete dump: the tables that are complete (and say which are not)", false)
  .option('--sql-mode <mode>', "sql_mode the sessions restoring a mysqldump file or mydumper directory start in, before the file's own SETs (default: the server's)")
  .option('--statement-timeout <seconds>', `a transaction of rows still running after this long is killed and the load fails naming its chunk and lines (0: no limit; default: ${LOAD_DEFAULTS.statementTimeout})`, wholeNumber('--statement-timeout', 0))
  .addOption(new Option('--insert-method <method>', 'how CSV rows are sent: load-data (LOAD DATA LOCAL INFILE), bulk (MariaDB\'s array-bound INSERT, COM_STMT_BULK_EXECUTE: no LOCAL INFILE, and chunks of an AUTO_INCREMENT table load in parallel under innodb_autoinc_lock_mode=1), auto: bulk on MariaDB for such tables and when local_infile is OFF, else load-data').choices(INSERT_METHODS).default('auto'))
  .addOption(new Option('--progress <mode>', 'progress output').choices(PROGRESS_MODES).default('auto'))
  .option('--log-file <path>', 'also append plain log lines with timestamps to this file (never a password)')
  .option('--metrics-file <path>', 'keep a Prometheus text file of the progress for node_exporter (replaced atomically every 5 s)')
  .option('-q, --quiet', 'only warnings and errors', false)
  .option('-v, --verbose', 'a line per chunk', false);
addRestoreOptions(program);
addS3Options(program)
  .addHelpText('after', `
Examples:
  tsload -h db2 -u admin -p -d /backups/shop-2026-11-21
  tsload -d /tmp/d -B shop_copy -t 8 --drop-table drop
  tsload -d /tmp/d --rename shop=shop_copy --rename crm=crm_copy --skip-definer
  tsload -d s3://backups/shop/2026-11-21 -B shop_copy             # AWS credentials and region from the usual chain
  tsload -d /backups/full -T shop.orders --drop-table drop        # restore one table of a full dump
  tsload -d /backups/full -s crm --rename crm=crm_restored        # one database of several, under another name
  tsload -d /tmp/d --no-schema --drop-table append --on-duplicate replace   # merge rows into existing tables
  tsload -h drill-db -d /backups/shop-2026-11-21 --restore-test --progress json  # nightly restore drill (cron)
  tsload -d /backups/shop.sql.gz -B shop_copy --skip-definer        # a mysqldump / mariadb-dump file, in parallel
  tsload -d /backups/mydumper-2026-11-21 --rename shop=shop_copy    # a mydumper directory
  tsload -d /backups/all.sql -s shop --ignore-table shop.audit -B shop_copy   # part of a mysqldump file (filters as above)
  tsload -d /tmp/d -B shop_copy --dry-run                         # the plan, and every problem with its fix
Before anything is changed, every run checks what would make it fail (existing tables, privileges, local_infile,
max_allowed_packet, …) and lists every problem with its fix.
Rerun the same command after an interruption: it resumes exactly where the committed work ends.
Exit codes: 0 ok, 1 failed (also: preflight problems), 2 usage, 3 connection/auth, 4 verification mismatch, 5 interrupted, 6 bad dump.`)
  .action(async () => {
    await runCommand(async (signal) => {
      const flags = program.opts<LoadFlags>();
      const conn = await resolveConnection(flags, 'tsload');
      applyFileDefaults(program, conn.fileOptions);
      const f = program.opts<LoadFlags>();
      const opts = loadOptionsOf(f, conn.settings);
      const reporter = await createReporter({ mode: f.progress, quiet: f.quiet, verbose: f.verbose, tool: 'tsload', logFile: f.logFile, metricsFile: f.metricsFile, secrets: [conn.settings.password ?? ''] });
      const imported = await runImportCommand(opts, reporter, signal, { quiet: f.quiet, json: f.progress === 'json', restoreTest: f.restoreTest });
      if (imported !== null) return imported;
      let result;
      try {
        result = f.restoreTest ? await runRestoreTest(opts, reporter, signal) : await runLoad(opts, reporter, signal);
      } catch (e) {
        reporter.close(e);
        throw e;
      } finally {
        reporter.close();
      }
      const out = process.stdout;
      if (opts.dryRun) {
        if (result.manifest.subset) out.write(`${describeSubset(result.manifest.subset)}\n`);
        for (const l of result.plan) out.write(`${l}\n`);
        for (const l of result.replicationStarted ?? []) out.write(`${l}\n`);
        // the load would fail: exit non-zero listing every problem with its fix (the error funnel prints them)
        if (result.problems.length > 0) throw new PreflightError('tsload', result.problems);
        out.write('preflight: no problems found; the load can start\n');
        return EXIT_CODES.ok;
      }
      reporter.emit(summaryEvent(result.mismatches.length === 0, result.seconds, result.tables, result.manifest));
      if (!f.quiet && f.progress !== 'json') printSummary('tsload', result.tables, result.seconds, result.manifest);
      // --progress json: stdout holds only json lines (the coordinates are in the summary event, the
      // replication state in an info event)
      if (!f.quiet && f.progress !== 'json') for (const l of result.replication) out.write(`${l}\n`);
      if (f.progress !== 'json') for (const l of result.replicationStarted ?? []) out.write(`${l}\n`);
      if (result.mismatches.length > 0) {
        for (const m of result.mismatches) {
          process.stderr.write(`mismatch: ${m.database}.${m.table}${m.chunk ? ` chunk ${m.chunk}` : ''}: ${m.what} expected ${m.expected}, found ${m.actual}\n`);
        }
        const mismatch = new TsError({ code: 'verify', message: `${result.mismatches.length} verification mismatch(es) after the load`, suggestion: 'the target differs from the dump: check for concurrent writers, triggers or a non-strict sql_mode that changed values' });
        reporter.close(mismatch);
        throw mismatch;
      }
      const refused = result.users?.problems.length ?? 0;
      if (refused > 0) {
        const e = new TsError({ code: 'query', message: `--load-users: ${refused} account statement(s) the target could not take (each listed above); everything else is loaded`, suggestion: 'install the missing authentication plugins or grant what the target knows, then rerun (accounts that exist are kept, grants are added again harmlessly), or leave the accounts out with --users-exclude' });
        reporter.close(e);
        throw e;
      }
      return EXIT_CODES.ok;
    });
  });

/** The flags as a LoadInput: only what was given; the defaults come from loadOptions (shared with the API). */
function loadOptionsOf(f: LoadFlags, connection: LoadOptions['connection']): LoadOptions {
  if (!f.directory) throw usageError('no dump directory', 'pass -d DIR');
  if (f.restoreTest) {
    const clash = [
      [f.database !== undefined || f.rename.length > 0, '-B/--rename (the scratch databases are named by tsload)'],
      [!f.verify, '--no-verify'],
      [f.dryRun, '--dry-run'],
      [f.keepProgress, '--keep-progress'],
      [f.dropTable !== 'fail', '--drop-table'],
      [!f.data || !f.schema, '--no-data/--no-schema'],
      [f.loadUsers, '--load-users'],
      [f.startReplication, '--start-replication'],
    ].filter(([bad]) => bad).map(([, what]) => what);
    if (clash.length > 0) throw usageError(`--restore-test loads into scratch databases, verifies and drops them: it does not go with ${clash.join(', ')}`);
  }
  if (f.database !== undefined && f.rename.length > 0) throw usageError('-B and --rename do not go together', 'use -B for a one-database dump, --rename src=dst for several');
  const renames = new Map<string, string>();
  for (const r of f.rename) {
    const i = r.indexOf('=');
    if (i <= 0 || i === r.length - 1) throw usageError(`--rename '${r}' is not src=dst`);
    const [from, to] = [r.slice(0, i), r.slice(i + 1)];
    const earlier = renames.get(from);
    if (earlier !== undefined && earlier !== to) throw usageError(`--rename gives database ${from} two names: ${earlier} and ${to}`, `give one --rename ${from}=NAME (a database loads under one name per run)`);
    renames.set(from, to);
  }
  // The database of --url is the target database of a one-database dump, like -B (which wins, as
  // does --rename); the sessions connect without one, since the load creates it.
  const urlDatabase = f.url !== undefined && f.database === undefined && f.rename.length === 0 ? parseConnectionUrl(f.url).database : undefined;
  return loadOptions({
    connection,
    source: storeLocation(f.directory, '-d', f),
    targetDatabase: f.database ?? urlDatabase ?? null,
    renames,
    threads: f.threads,
    rowsPerTransaction: f.rowsPerTransaction,
    bytesPerTransaction: f.bytesPerTransaction === undefined ? undefined : parseSize(f.bytesPerTransaction, '--bytes-per-transaction'),
    deferIndexes: f.deferIndexes === 'on',
    dropTable: f.dropTable,
    skipDefiner: f.skipDefiner,
    convertUtf8mb4: f.convertUtf8mb4,
    engine: f.engine ?? null,
    skipBinlog: f.skipBinlog,
    verify: f.verify,
    dryRun: f.dryRun,
    keepProgress: f.keepProgress,
    restore: restoreOptions(f, f.dropTable, process.env),
    inputFormat: f.inputFormat,
    force: f.force,
    sqlMode: f.sqlMode ?? null,
    statementTimeout: f.statementTimeout,
    insertMethod: f.insertMethod,
  });
}

addBenchCommand(program, 'tsload', loadWithLoader);

parseAndRun(program);
