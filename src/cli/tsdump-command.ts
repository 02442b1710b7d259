/** tsdump: wires the commands; parsing into frozen options happens here and nowhere below. */
import { Command, Option } from 'commander';
import { EXIT_CODES, TsError } from '../core/errors.js';
import { COMPRESSION_LEVELS } from '../format/compression.js';
import { PreflightError } from '../core/problem.js';
import { formatBytes, parseSize } from '../core/sizes.js';
import { DUMP_DEFAULTS, LOCK_MODES, dumpOptions, runDump, type DumpOptions, type LockMode, type WhereFilter } from '../dump/dumper.js';
import { COMPRESSIONS, DATA_FORMATS, type Compression, type DataFormat } from '../format/manifest.js';
import { describeSubset } from '../format/subset.js';
import { addBenchCommand } from './bench-command.js';
import { addConnectionOptions, applyFileDefaults, parseConnectionUrl, resolveConnection, type ConnectionOptionValues } from './connection-options.js';
import { PROGRESS_MODES, createReporter, type ProgressMode } from './reporters.js';
import { collect, parseAndRun, wholeNumber } from './option-parsers.js';
import { indexOutsideQuotes, parseRegex, parseTableList, parseTableRef } from './filter-options.js';
import { runCommand, toolVersion, usageError } from './run-command.js';
import { printSummary, summaryEvent } from './summary.js';
import { addS3Options, storeLocation, type S3OptionValues } from './store-location.js';


interface DumpFlags extends ConnectionOptionValues, S3OptionValues {
  outputdir?: string;
  database: string[];
  tables: string[];
  ignoreTable: string[];
  regex?: string;
  excludeRegex?: string;
  where: string[];
  threads?: number;
  format: DataFormat;
  compress?: Compression;
  compressLevel?: number;
  chunkSize?: string;
  rows?: number;
  statementSize?: string;
  checksum: boolean;
  data: boolean;
  schema: boolean;
  lockMode: LockMode;
  lockWaitTimeout?: number;
  lockNonTransactional: boolean;
  allowInconsistent: boolean;
  coordinates: boolean;
  overwrite: boolean;
  dryRun: boolean;
  progress: ProgressMode;
  logFile?: string;
  metricsFile?: string;
  quiet: boolean;
  verbose: boolean;
  users: boolean;
  replicaData: boolean;
}


const program = new Command('tsdump')
  .description('Consistent, parallel, chunked dump of MySQL/MariaDB to CSV or SQL with a verifiable manifest')
  .version(toolVersion(), '-V, --version')
  .exitOverride();
addConnectionOptions(program)
  .option('-o, --outputdir <dir>', 'directory or s3://bucket/prefix to write the dump into (must be empty or new)')
  .option('-B, --database <db>', 'database to dump (repeatable; default: the database of --url, else all but the system databases and tsload_progress)', collect, [])
  .option('-T, --tables <db.t,...>', 'only these tables (comma-separated db.table, repeatable; a name holding . , or : in backticks)', collect, [])
  .option('--ignore-table <db.t>', 'skip this table, view or sequence (repeatable)', collect, [])
  .option('-x, --regex <re>', 'only tables whose "db.table" matches this regular expression')
  .option('--exclude-regex <re>', 'skip tables whose "db.table" matches')
  .option('--where <db.t:condition>', 'dump only the rows of a table that match an SQL condition (repeatable, one per table)', collect, [])
  .option('-t, --threads <n>', 'parallel snapshot sessions (worker threads: at most one per core) (default: CPU cores)', wholeNumber('--threads'))
  .addOption(new Option('--format <fmt>', 'data file format').choices(DATA_FORMATS).default(DUMP_DEFAULTS.format))
  .addOption(new Option('-c, --compress <algo>', 'compress data files').choices(COMPRESSIONS.filter((c) => c !== 'none')))
  .option('--compress-level <n>', `compression level (gzip ${COMPRESSION_LEVELS.gzip.min}-${COMPRESSION_LEVELS.gzip.max}, zstd ${COMPRESSION_LEVELS.zstd.min}-${COMPRESSION_LEVELS.zstd.max}; default ${COMPRESSION_LEVELS.gzip.default}: fastest)`, wholeNumber('--compress-level'))
  .option('-F, --chunk-size <size>', `target bytes per chunk file (from the average row length) (default: ${formatBytes(DUMP_DEFAULTS.chunkBytes)})`)
  .option('-r, --rows <n>', 'rows per chunk instead of --chunk-size', wholeNumber('--rows'))
  .option('-s, --statement-size <size>', `longest INSERT statement in SQL format (like net_buffer_length) (default: ${formatBytes(DUMP_DEFAULTS.statementSize)})`)
  .option('--checksum', 'record a server-side content checksum of every chunk (verified by tsload)', false)
  .option('--no-data', 'schema only')
  .option('--no-schema', 'data only (table definitions are still recorded for the loader)')
  .option('--replica-data', 'the server is a replica: also record its source\'s binlog coordinates (SHOW SLAVE/REPLICA STATUS) in the manifest', false)
  .option('--users', 'also dump accounts, roles and grants (with password hashes) into users.json', false)
  .addOption(new Option('--lock-mode <mode>', 'how to make every session see the same snapshot. no-lock takes no global lock, so it needs a moment without any commit on the whole server while the sessions open their snapshots: with a writer active it fails after 5 attempts; use auto/ftwrl/backup-stage (RELOAD privilege) there, or accept with --allow-inconsistent').choices(LOCK_MODES).default(DUMP_DEFAULTS.lockMode))
  .option('--lock-wait-timeout <s>', `give up on the global lock after this many seconds (never stall the server) (default: ${DUMP_DEFAULTS.lockWaitTimeoutMs / 1000})`, wholeNumber('--lock-wait-timeout'))
  .option('--lock-non-transactional', 'hold the global lock until the tables of non-transactional engines (MyISAM, Aria, MEMORY…) are dumped, first, so they too match the coordinates; meanwhile the server\'s commits wait (every write, with FTWRL), from the snapshot on, through the schema files', false)
  .option('--allow-inconsistent', 'without a lock, continue even if snapshots could not be proven identical, or (MySQL, no REPLICATION CLIENT) without coordinates (marked in the manifest)', false)
  .option('--no-coordinates', 'do not read or record binary log coordinates (for an account without REPLICATION CLIENT / BINLOG MONITOR); no replica can be started from the dump')
  .option('--overwrite', 'replace an earlier dump in the output directory', false)
  .option('--dry-run', 'check everything (privileges, filters, output, compression) and print the plan; write nothing', false)
  .addOption(new Option('--progress <mode>', 'progress output').choices(PROGRESS_MODES).default('auto'))
  .option('--log-file <path>', 'also append plain log lines with timestamps to this file (never a password)')
  .option('--metrics-file <path>', 'keep a Prometheus text file of the progress for node_exporter (replaced atomically every 5 s)')
  .option('-q, --quiet', 'only warnings and errors', false)
  .option('-v, --verbose', 'a line per chunk', false);
addS3Options(program)
  .addHelpText('after', `
Examples:
  tsdump -h db1 -u backup -p -B shop -o /backups/shop-2026-11-21
  tsdump -B shop -T shop.orders,shop.items --format sql -c gzip -o /tmp/d
  tsdump --lock-mode no-lock -B app -o /dumps/app            # RDS/Aurora (no RELOAD privilege), when no writer is active
  tsdump -h db1 -u backup -p -B shop -o /backups/x --dry-run  # the checks alone: privileges, filters, output
  tsdump verify /backups/shop-2026-11-21                      # offline completeness check
  tsdump -B shop -o s3://backups/shop/2026-11-21              # AWS credentials and region from the usual chain
  AWS_ENDPOINT_URL=http://127.0.0.1:9000 tsdump -B shop -o s3://dumps/shop   # an S3-compatible server (MinIO)
Before anything is created, every run checks what would make it fail and lists every problem with its fix.
Exit codes: 0 ok, 1 failed (also: preflight problems), 2 usage, 3 connection/auth, 4 verification mismatch, 5 interrupted, 6 bad dump.`)
  .action(async () => {
    await runCommand(async (signal) => {
      const flags = program.opts<DumpFlags>();
      const conn = await resolveConnection(flags, 'tsdump');
      applyFileDefaults(program, conn.fileOptions);
      const f = program.opts<DumpFlags>();
      const opts = dumpOptionsOf(f, conn.settings);
      const reporter = await createReporter({ mode: f.progress, quiet: f.quiet, verbose: f.verbose, tool: 'tsdump', logFile: f.logFile, metricsFile: f.metricsFile, secrets: [conn.settings.password ?? ''] });
      try {
        const result = await runDump(opts, reporter, signal);
        if (result.manifest === null) {
          // --dry-run: the plan, then every problem with its fix (exit non-zero through the error funnel)
          reporter.close();
          for (const l of result.plan) process.stdout.write(`${l}\n`);
          if (result.problems.length > 0) throw new PreflightError('tsdump', result.problems);
          process.stdout.write('preflight: no problems found; the dump can start\n');
          return EXIT_CODES.ok;
        }
        reporter.emit(summaryEvent(true, result.seconds, result.tables, result.manifest));
        reporter.close();
        if (!f.quiet && f.progress !== 'json') printSummary('tsdump', result.tables, result.seconds, result.manifest);
        return EXIT_CODES.ok;
      } catch (e) {
        reporter.close(e);
        throw e;
      }
    });
  });

const verify = program
  .command('verify <dir>')
  .description('check offline that a dump (directory or s3://bucket/prefix) is complete and untampered (every file present, size and sha256 as in the manifest)');
addS3Options(verify)
  .action(async (dir: string) => {
    await runCommand(async () => {
      // loaded here: the programmatic API brings the whole load side, which a dump never runs
      const { verify: verifyDump } = await import('../index.js');
      const { ok, problems, files, manifest } = await verifyDump(storeLocation(dir, 'verify', verify.opts<S3OptionValues>()));
      if (ok) {
        process.stdout.write(`ok: ${dir} is complete: ${files} files match the manifest (dump ${manifest.dumpId}, ${manifest.finishedAt})\n`);
        if (manifest.subset) process.stdout.write(`${describeSubset(manifest.subset)}\n`);
        return EXIT_CODES.ok;
      }
      for (const p of problems) process.stdout.write(`${p.kind}: ${p.file}: ${p.detail}\n`);
      throw new TsError({ code: 'verify', message: `${problems.length} problem(s) in ${dir}`, suggestion: 'do not restore from this copy; take the dump again or use another copy' });
    });
  });

/** The flags as a DumpInput: only what was given; the defaults come from dumpOptions (shared with the API). */
function dumpOptionsOf(f: DumpFlags, connection: DumpOptions['connection']): DumpOptions {
  if (!f.outputdir) throw usageError('no output directory', 'pass -o DIR');
  const tables = parseTableList(f.tables, '-T');
  const where: WhereFilter[] = [];
  for (const w of f.where) {
    const i = indexOutsideQuotes(w, ':');
    if (i < 0) throw usageError(`--where '${w}' is not db.table:condition`);
    const filter = { table: parseTableRef(w.slice(0, i), '--where'), condition: w.slice(i + 1) };
    if (filter.condition.trim() === '') throw usageError(`--where '${w}' has no condition`);
    if (where.some((x) => x.table.database === filter.table.database && x.table.table === filter.table.table)) {
      throw usageError(`--where is given twice for ${filter.table.database}.${filter.table.table}`, 'give one --where per table: join the conditions with AND (or OR) in one');
    }
    where.push(filter);
  }
  // The database of --url means -B (unless -B or -T say which): a URL names what to dump.
  const urlDatabase = f.url !== undefined ? parseConnectionUrl(f.url).database : undefined;
  const databases = f.database.length === 0 && tables.length === 0 && urlDatabase !== undefined ? [urlDatabase] : f.database;
  return dumpOptions({
    connection,
    output: storeLocation(f.outputdir, '-o', f),
    databases,
    tables,
    ignoreTables: f.ignoreTable.map((s) => parseTableRef(s, '--ignore-table')),
    include: parseRegex(f.regex, '--regex'),
    exclude: parseRegex(f.excludeRegex, '--exclude-regex'),
    where,
    threads: f.threads,
    format: f.format,
    compression: f.compress,
    compressLevel: f.compressLevel,
    chunkBytes: f.chunkSize === undefined ? undefined : parseSize(f.chunkSize, '--chunk-size'),
    chunkRows: f.rows,
    statementSize: f.statementSize === undefined ? undefined : parseSize(f.statementSize, '--statement-size'),
    checksum: f.checksum,
    noData: !f.data,
    noSchema: !f.schema,
    users: f.users,
    replicaData: f.replicaData,
    lockMode: f.lockMode,
    lockWaitTimeoutMs: f.lockWaitTimeout === undefined ? undefined : f.lockWaitTimeout * 1000,
    lockNonTransactional: f.lockNonTransactional,
    allowInconsistent: f.allowInconsistent,
    coordinates: f.coordinates,
    overwrite: f.overwrite,
    dryRun: f.dryRun,
    toolVersion: toolVersion(),
  });
}

addBenchCommand(program, 'tsdump');

parseAndRun(program);
