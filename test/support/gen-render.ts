/**
 * SQL text of a generated case: the statements that create and fill it (run by the harness, printed as
 * the reproduction of a failing case), and the option combinations rendered as tsdump/tsload arguments.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { GenCase, GenColumn, GenIndex, GenTable } from './gen-schema.js';
import { insertable, isLoose } from './gen-schema.js';
import { quoteId } from './gen-values.js';

/** Session settings every table is created and filled under (its sql_mode is per table). */
export const FILL_TIME_ZONE = '+00:00';

function columnSql(c: GenColumn): string {
  const g = c.generated;
  if (g) return `${quoteId(c.name)} ${c.type} GENERATED ALWAYS AS (${g.expr}) ${g.stored ? 'STORED' : 'VIRTUAL'}`;
  return `${quoteId(c.name)} ${c.type} ${c.nullable ? 'NULL' : 'NOT NULL'}${c.attrs ? ` ${c.attrs}` : ''}`;
}

function indexSql(i: GenIndex): string {
  const parts = i.parts.map((p) => `${quoteId(p.column)}${p.prefix ? `(${p.prefix})` : ''}`).join(', ');
  if (i.kind === 'PRIMARY') return `PRIMARY KEY (${parts})`;
  return `${i.kind === 'UNIQUE' ? 'UNIQUE KEY' : 'KEY'} ${quoteId(i.name)} (${parts})`;
}

export function createTableSql(db: string, t: GenTable): string {
  const defs = [...t.columns.map(columnSql), ...t.indexes.map(indexSql)];
  const options = [...t.options, ...(t.versioned ? ['WITH SYSTEM VERSIONING'] : [])];
  const partitions = t.partitions !== undefined ? `\nPARTITION BY KEY() PARTITIONS ${t.partitions}` : '';
  return `CREATE TABLE ${quoteId(db)}.${quoteId(t.name)} (\n  ${defs.join(',\n  ')}\n) ${options.join(' ')}${partitions}`;
}

/** Multi-row INSERTs of at most `batch` rows (a huge value gets a statement of its own). */
export function insertSql(db: string, t: GenTable, batch = 50): string[] {
  const cols = insertable(t).map((c) => quoteId(c.name)).join(', ');
  const out: string[] = [];
  let pending: string[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (pending.length > 0) out.push(`INSERT INTO ${quoteId(db)}.${quoteId(t.name)} (${cols}) VALUES\n  ${pending.join(',\n  ')}`);
    pending = [];
    bytes = 0;
  };
  for (const r of t.rows) {
    const tuple = `(${r.map((v) => v.sql).join(', ')})`;
    pending.push(tuple);
    bytes += tuple.length;
    if (pending.length >= batch || bytes > 64 * 1024) flush();
  }
  flush();
  return out;
}

/** Every statement that builds table `t` in `db`, session settings first. */
export function tableStatements(db: string, t: GenTable): string[] {
  return [
    `SET SESSION sql_mode = ${isLoose(t) ? "''" : 'DEFAULT'}`,
    `SET SESSION time_zone = '${FILL_TIME_ZONE}'`,
    createTableSql(db, t),
    ...insertSql(db, t),
    ...t.after.map((s) => s.replace('{table}', `${quoteId(db)}.${quoteId(t.name)}`)),
  ];
}

export function createDatabaseSql(db: string, c: GenCase): string {
  return `CREATE DATABASE ${quoteId(db)} CHARACTER SET ${c.dbCharset} COLLATE ${c.dbCollation}`;
}

// ---------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------

export interface GenOptions {
  readonly format: 'csv' | 'sql';
  readonly compress: 'none' | 'gzip' | 'zstd';
  readonly chunking: { readonly kind: 'rows'; readonly n: number } | { readonly kind: 'bytes'; readonly size: string };
  readonly dumpThreads: number;
  readonly checksum: boolean;
  readonly statementSize?: string;
  /** Index into the case's tables of one table to leave out with --ignore-table (only with 2+ tables). */
  readonly ignore?: number;
  readonly rename: 'B' | 'rename';
  readonly loadThreads: number;
  readonly rowsPerTransaction?: number;
  readonly bytesPerTransaction?: string;
  readonly deferIndexes: 'on' | 'off';
  /** tsload --insert-method (CSV rows: LOAD DATA LOCAL or MariaDB's bulk INSERT). */
  readonly insertMethod: 'auto' | 'load-data' | 'bulk';
  /**
   * The first tsload is interrupted once it has printed `at` progress lines (--progress json): killed
   * with SIGKILL, or its server session running a statement on the target is killed (a lost
   * connection); then the same command runs again and must finish.
   */
  readonly interrupt?: Interrupt;
}

export interface Interrupt {
  readonly how: 'kill-9' | 'kill-connection';
  readonly at: number;
}

/** `bulk`: the server takes MariaDB's bulk INSERT (--insert-method bulk is drawn too). */
export function optionsArb(zstd: boolean, ignoreTable: boolean, bulk = false): Arbitrary<GenOptions> {
  return fc.record(
    {
      format: fc.constantFrom('csv', 'sql'),
      compress: fc.constantFrom<GenOptions['compress'][]>('none', 'gzip', ...(zstd ? (['zstd'] as const) : [])),
      chunking: fc.oneof(
        fc.integer({ min: 1, max: 12 }).map((n) => ({ kind: 'rows' as const, n })),
        fc.constantFrom('64', '256', '1K', '4K', '64M').map((size) => ({ kind: 'bytes' as const, size })),
      ),
      dumpThreads: fc.integer({ min: 1, max: 4 }),
      checksum: fc.boolean(),
      statementSize: fc.constantFrom('256', '1K', '16K', '1M'),
      ignore: ignoreTable ? fc.nat() : fc.constant(undefined),
      rename: fc.constantFrom('B', 'rename'),
      loadThreads: fc.integer({ min: 1, max: 4 }),
      rowsPerTransaction: fc.integer({ min: 1, max: 20 }),
      bytesPerTransaction: fc.constantFrom('128', '1K', '16K'),
      deferIndexes: fc.constantFrom('on', 'off'),
      insertMethod: fc.constantFrom<GenOptions['insertMethod'][]>('auto', 'load-data', ...(bulk ? (['bulk'] as const) : [])),
      // half the cases: a kill at a random point of the load, then the same command again
      interrupt: fc.option(fc.record({ how: fc.constantFrom<Interrupt['how'][]>('kill-9', 'kill-connection'), at: fc.integer({ min: 1, max: 40 }) }), { nil: undefined, freq: 2 }),
    },
    { requiredKeys: ['format', 'compress', 'chunking', 'dumpThreads', 'checksum', 'rename', 'loadThreads', 'deferIndexes', 'insertMethod', 'interrupt'] },
  );
}

/** The table --ignore-table leaves out (of the source's `tables`), if any. */
export function ignoredTable(tables: readonly string[], o: GenOptions): string | undefined {
  return o.ignore !== undefined && tables.length > 1 ? tables[o.ignore % tables.length]! : undefined;
}

export function dumpArgs(tables: readonly string[], o: GenOptions, src: string, out: string): string[] {
  const args = ['-B', src, '-o', out, '--format', o.format, '-t', String(o.dumpThreads), '--progress', 'plain'];
  if (o.compress !== 'none') args.push('-c', o.compress);
  args.push(...(o.chunking.kind === 'rows' ? ['--rows', String(o.chunking.n)] : ['--chunk-size', o.chunking.size]));
  if (o.checksum) args.push('--checksum');
  if (o.format === 'sql' && o.statementSize) args.push('--statement-size', o.statementSize);
  const ignored = ignoredTable(tables, o);
  if (ignored !== undefined) args.push('--ignore-table', `${src}.${ignored}`);
  return args;
}

export function loadArgs(o: GenOptions, src: string, dst: string, dir: string): string[] {
  const progress = o.interrupt ? 'json' : 'plain';
  const args = ['-d', dir, ...(o.rename === 'B' ? ['-B', dst] : ['--rename', `${src}=${dst}`]), '-t', String(o.loadThreads), '--defer-indexes', o.deferIndexes, '--insert-method', o.insertMethod, '--progress', progress];
  if (o.rowsPerTransaction !== undefined) args.push('--rows-per-transaction', String(o.rowsPerTransaction));
  if (o.bytesPerTransaction !== undefined) args.push('--bytes-per-transaction', o.bytesPerTransaction);
  return args;
}

/** A shell word (for the printed reproduction). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
