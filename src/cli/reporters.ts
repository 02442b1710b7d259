import type { Reporter, RunEvent } from '../core/events.js';
import { formatBytes } from '../core/sizes.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface ReporterOptions {
  readonly mode: ProgressMode;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly tool: 'tsdump' | 'tsload';
  readonly stream?: NodeJS.WriteStream;
}

export interface ClosableReporter extends Reporter {
  close(): void;
}

export const EVENT_SCHEMA_VERSION = 1;

/** Builds the reporter for the chosen progress mode. */
export function createReporter(opts: ReporterOptions): ClosableReporter {
  const out = opts.stream ?? process.stderr;
  if (opts.mode === 'json') {
    return {
      emit: (e: RunEvent) => {
        process.stdout.write(JSON.stringify({ v: EVENT_SCHEMA_VERSION, t: new Date().toISOString(), tool: opts.tool, ...e }) + '\n');
      },
      close: () => undefined,
    };
  }
  if (opts.mode === 'none' || opts.quiet) {
    return {
      emit: (e: RunEvent) => {
        if (e.kind === 'warning') out.write(`warning: ${e.message}\n`);
      },
      close: () => undefined,
    };
  }
  return plainReporter(out, opts.verbose);
}

function plainReporter(out: NodeJS.WriteStream, verbose: boolean): ClosableReporter {
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  return {
    emit: (e: RunEvent) => {
      switch (e.kind) {
        case 'start':
          out.write(`${stamp()} ${e.tool}: ${e.totals.tables} tables, ~${formatBytes(e.totals.bytes)}, ${e.threads} threads\n`);
          break;
        case 'phase-done':
          out.write(`${stamp()} ${e.phase} done in ${e.seconds.toFixed(1)}s\n`);
          break;
        case 'table-done':
          out.write(`${stamp()} ${e.database}.${e.table}: ${e.rows} rows, ${formatBytes(e.bytes)} in ${e.seconds.toFixed(1)}s\n`);
          break;
        case 'chunk-done':
          if (verbose) out.write(`${stamp()} ${e.database}.${e.table} chunk ${e.chunk}: ${e.rows} rows\n`);
          break;
        case 'warning':
          out.write(`${stamp()} warning: ${e.message}\n`);
          break;
        case 'info':
          out.write(`${stamp()} ${e.message}\n`);
          break;
        default:
          break;
      }
    },
    close: () => undefined,
  };
}
