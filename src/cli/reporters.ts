/**
 * Reporters turn RunEvents into output for people or machines:
 * - tty:   a live view per phase (log-update redraws it; log lines print above it, never through it);
 * - plain: timestamped log lines, plus a progress line every few seconds (for logs and pipes);
 * - json:  versioned JSON lines on stdout, one per event ({v, t, tool, kind, ...});
 * - none / --quiet: warnings only (errors come from the CLI's error funnel);
 * and with --log-file, the plain log lines (full timestamps, the outcome too) appended to a file;
 * with --metrics-file, a Prometheus text file (metrics-file.ts).
 */
import { TsError, messageOf } from '../core/errors.js';
import type { Reporter, RunEvent } from '../core/events.js';
import { formatBytes, formatCount } from '../core/sizes.js';
import { openLogFile } from '../storage/log-file.js';
import { metricsReporter } from './metrics-file.js';
import { ProgressModel } from './progress-view.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

export interface ReporterOptions {
  readonly mode: ProgressMode;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly tool: 'tsdump' | 'tsload';
  readonly stream?: NodeJS.WriteStream;
  /** Plain mode: seconds between progress lines (default 5). */
  readonly intervalSeconds?: number;
  /** --log-file: plain, timestamped log lines appended to this file as well, whatever the mode. */
  readonly logFile?: string;
  /** Never written to the log file (the password): replaced by '***'. */
  readonly secrets?: readonly string[];
  /** --metrics-file: a Prometheus text file for node_exporter, replaced atomically (metrics-file.ts). */
  readonly metricsFile?: string;
}

export interface ClosableReporter extends Reporter {
  /**
   * Stops timers and leaves the final frame on screen. Given the failure that ended the run, first
   * emits it as an 'error' event (so `--progress json` consumers see it); the human-readable message
   * still comes from the CLI's error funnel.
   */
  close(failure?: unknown): void;
}

export const EVENT_SCHEMA_VERSION = 1;

/** How often the live view redraws (events arrive far more often than a terminal can show). */
const FRAME_MS = 100;

/** Builds the reporter for the chosen progress mode (and the log and metrics files, if asked for). */
export async function createReporter(opts: ReporterOptions): Promise<ClosableReporter> {
  const all = [await displayReporter(opts)];
  if (opts.logFile !== undefined) {
    const file = openLogFile(opts.logFile);
    file.writeLine(`${new Date().toISOString()} ${opts.tool} started (pid ${process.pid})`);
    const secrets = (opts.secrets ?? []).filter((x) => x !== '');
    const redact = (text: string): string => secrets.reduce((t, x) => t.split(x).join('***'), text);
    all.push(plainReporter({ write: (text: string) => file.writeLine(redact(text.replace(/\n$/, ''))) }, { ...opts, stamp: () => new Date().toISOString(), outcome: true }));
  }
  if (opts.metricsFile !== undefined) all.push(metricsReporter(opts.tool, opts.metricsFile));
  if (all.length === 1) return all[0]!;
  return {
    emit: (e: RunEvent) => {
      for (const r of all) r.emit(e);
    },
    close: (failure?: unknown) => {
      for (const r of all) r.close(failure);
    },
  };
}

async function displayReporter(opts: ReporterOptions): Promise<ClosableReporter> {
  const out = opts.stream ?? process.stderr;
  if (opts.mode === 'json') return jsonReporter(opts.tool);
  if (opts.mode === 'none' || opts.quiet) return quietReporter(out);
  if (opts.mode === 'tty' || (opts.mode === 'auto' && out.isTTY === true)) {
    // loaded only for a terminal: log-update's string-width makes an Intl.Segmenter when imported,
    // which pages in ICU (≈ 9 MiB of RSS) that a run logging to a file or pipe never uses
    const { createLogUpdate } = await import('log-update');
    return ttyReporter(out, opts, createLogUpdate);
  }
  return plainReporter(out, { ...opts, stamp, outcome: false });
}

/** The 'error' event for a failure (a TsError keeps its code and suggestion). */
export function errorEvent(failure: unknown): Extract<RunEvent, { kind: 'error' }> {
  if (failure instanceof TsError) {
    return { kind: 'error', message: failure.message, code: failure.code, ...(failure.suggestion ? { suggestion: failure.suggestion } : {}) };
  }
  return { kind: 'error', message: messageOf(failure), code: 'internal' };
}

function jsonReporter(tool: 'tsdump' | 'tsload'): ClosableReporter {
  const emit = (e: RunEvent): void => {
    process.stdout.write(JSON.stringify({ v: EVENT_SCHEMA_VERSION, t: new Date().toISOString(), tool, ...e }) + '\n');
  };
  return {
    emit,
    close: (failure?: unknown) => {
      if (failure !== undefined) emit(errorEvent(failure));
    },
  };
}

function quietReporter(out: NodeJS.WritableStream): ClosableReporter {
  return {
    emit: (e: RunEvent) => {
      if (e.kind === 'warning') out.write(`${logLine(e, false) ?? ''}\n`);
    },
    close: () => undefined,
  };
}

const stamp = (): string => new Date().toISOString().slice(11, 19);

/** The text of an event that is a log line in both tty and plain modes; null for progress events. */
function logLine(e: RunEvent, verbose: boolean): string | null {
  switch (e.kind) {
    case 'warning': {
      // named by its object first, unless the message already names it
      const where = e.database ? `${e.database}${e.table ? `.${e.table}` : ''}` : '';
      return `warning: ${where && !e.message.includes(where) ? `${where}: ` : ''}${e.message}`;
    }
    case 'info':
      return e.message;
    case 'chunk-done':
      return verbose ? `${e.database}.${e.table} chunk ${e.chunk}: ${formatCount(e.rows)} rows, ${formatBytes(e.bytes)} in ${e.seconds.toFixed(1)}s` : null;
    case 'table-done':
      return verbose ? tableDoneLine(e) : null;
    default:
      return null;
  }
}

function ttyReporter(out: NodeJS.WriteStream, opts: ReporterOptions, createLogUpdate: typeof import('log-update').createLogUpdate): ClosableReporter {
  const model = new ProgressModel(opts.tool);
  const view = createLogUpdate(sizedTerminal(out), { showCursor: false });
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  let closed = false;
  const draw = (): void => {
    dirty = false;
    view(model.frame(Date.now()));
  };
  const schedule = (): void => {
    dirty = true;
    if (timer) return;
    timer = setInterval(() => {
      if (dirty) draw();
    }, FRAME_MS);
    timer.unref();
  };
  return {
    emit: (e: RunEvent) => {
      if (closed) return;
      model.apply(e, Date.now());
      const line = logLine(e, opts.verbose);
      if (line !== null) {
        // Above the view: erase it, print the line, draw it again below.
        view.clear();
        out.write(`${line}\n`);
        draw();
        return;
      }
      if (e.kind === 'start' || e.kind === 'phase-start' || e.kind === 'phase-done') draw();
      else schedule();
    },
    close: (failure?: unknown) => {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      if (failure === undefined) model.finishImplicit(Date.now());
      draw();
      view.done();
    },
  };
}

/**
 * log-update sizes the frame from the stream's rows/columns; a pseudo-terminal with no size set
 * (`script`, CI runners, some containers) reports 0 rows, which would cut every line. Fall back to a
 * common size there. log-update only calls write() and reads columns/rows.
 */
function sizedTerminal(out: NodeJS.WriteStream): NodeJS.WritableStream {
  const terminal = {
    write: (chunk: string): boolean => out.write(chunk),
    get columns(): number {
      return out.columns > 0 ? out.columns : 120;
    },
    get rows(): number {
      return out.rows > 0 ? out.rows : 40;
    },
  };
  return terminal as unknown as NodeJS.WritableStream;
}

interface PlainStyle {
  readonly stamp: () => string;
  /** Also log the end of the run: the summary and the failure (a log file; on stderr the CLI prints them). */
  readonly outcome: boolean;
}

function plainReporter(out: { write(text: string): unknown }, opts: ReporterOptions & PlainStyle): ClosableReporter {
  const model = new ProgressModel(opts.tool);
  const intervalMs = (opts.intervalSeconds ?? 5) * 1000;
  let timer: NodeJS.Timeout | null = null;
  const write = (text: string): void => {
    out.write(`${opts.stamp()} ${text}\n`);
  };
  const tick = (): void => {
    const line = model.line(Date.now());
    if (line) write(line);
  };
  return {
    emit: (e: RunEvent) => {
      model.apply(e, Date.now());
      switch (e.kind) {
        case 'start':
          write(`${e.tool}: ${e.totals.tables} tables, ${opts.tool === 'tsdump' ? `~${formatBytes(e.totals.bytes)} of data` : formatBytes(e.totals.bytes)}, ${e.threads} threads`);
          if (!timer) {
            timer = setInterval(tick, intervalMs);
            timer.unref();
          }
          return;
        case 'phase-start':
          write(`${e.phase}: ${e.total.tables} tables${e.total.bytes > 0 ? `, ${opts.tool === 'tsdump' ? '~' : ''}${formatBytes(e.total.bytes)}` : ''}`);
          return;
        case 'phase-done':
          write(`${e.phase} done in ${e.seconds.toFixed(1)}s`);
          return;
        case 'table-done':
          write(tableDoneLine(e));
          return;
        case 'summary':
          if (opts.outcome) write(`${opts.tool} ${e.ok ? 'finished' : 'finished with problems'}: ${e.tables.length} tables, ${formatCount(e.rows)} rows, ${formatBytes(e.bytes)} in ${e.seconds.toFixed(1)}s`);
          return;
        default: {
          const line = logLine(e, opts.verbose);
          if (line !== null) write(line);
        }
      }
    },
    close: (failure?: unknown) => {
      if (timer) clearInterval(timer);
      timer = null;
      if (failure !== undefined && opts.outcome) {
        const e = errorEvent(failure);
        write(`error [${e.code}]: ${e.message}${e.suggestion ? ` (hint: ${e.suggestion})` : ''}`);
      }
    },
  };
}

/** A finished table, worded for its phase (an index build moves no rows). */
function tableDoneLine(e: Extract<RunEvent, { kind: 'table-done' }>): string {
  if (e.phase === 'indexes') return `${e.database}.${e.table}: secondary indexes and keys added in ${e.seconds.toFixed(1)}s`;
  if (e.phase === 'verify') return `${e.database}.${e.table}: checked against the manifest (${formatCount(e.rows)} rows)`;
  return `${e.database}.${e.table}: ${formatCount(e.rows)} rows, ${formatBytes(e.bytes)} in ${e.seconds.toFixed(1)}s`;
}
