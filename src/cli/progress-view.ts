/**
 * The progress model behind every human-facing reporter: folds RunEvents into per-phase counters and
 * renders them as text (the live TTY frame, or one plain log line). Pure: no timers, no streams, the
 * clock is passed in, so it is unit-testable and the reporters stay thin.
 *
 * Contracts:
 * - never above 100%: a dump's totals are estimates (row estimate, data length), so a total grows to
 *   whatever is already done, and a finished phase's totals become its done counts;
 * - correct after a resume: a 'resumed' event counts work a previous run already did as done, and the
 *   rate and ETA are computed from this run's work only;
 * - one unit per tool: a dump's bytes are data before compression (chunk-done's dataBytes), a load's
 *   the dump's file bytes, so the bar never goes backwards with -c gzip;
 * - the ETA is the whole run's (run-eta.ts), marked "~" while uncertain, "estimating…" before any
 *   rate is measured; phases announced by 'totals' (a load's indexes and verify) show their real
 *   totals before they start.
 */
import type { Phase, RunEvent, Totals } from '../core/events.js';
import { PHASES } from '../core/events.js';
import { formatBytes, formatCount, formatDuration } from '../core/sizes.js';
import { MIN_SAMPLE_SECONDS, runEta, type PhaseWork, type RunEta } from './run-eta.js';

interface Counts {
  tables: number;
  chunks: number;
  rows: number;
  bytes: number;
}

interface PhaseState {
  readonly phase: Phase;
  startedAt: number;
  /** A phase-start was seen (otherwise the phase exists only through its table/chunk events). */
  started: boolean;
  /** Work began (phase-start, or its first chunk/table event): a phase only announced has not. */
  begun: boolean;
  /** false while the totals are estimates (a dump's). */
  exact: boolean;
  /** Chunk-level events were seen: table-done then adds no rows/bytes (they came by chunk). */
  chunked: boolean;
  total: Counts;
  /** Finished chunks and tables (including work resumed from an earlier run). */
  done: Counts;
  /** Rows/bytes of chunks still in flight, per chunk (from 'progress' events). */
  readonly partial: Map<string, { rows: number; bytes: number }>;
  /** Chunks in flight per table, in start order: the "now:" line. */
  readonly active: Map<string, number>;
  resumed: { rows: number; bytes: number };
  finishedSeconds: number | null;
  /** The highest fraction shown so far: a raised estimate slows the bar, never moves it back. */
  floor: number;
}

export interface PhaseSnapshot {
  readonly phase: Phase;
  readonly finished: boolean;
  readonly seconds: number;
  readonly done: Totals;
  readonly total: Totals;
  /** 0..1 on the most precise measure available (bytes, then rows, chunks, tables). */
  readonly fraction: number;
  /** Bytes per second of this run's work (resumed work excluded). */
  readonly bytesPerSecond: number;
  readonly rowsPerSecond: number;
  /** Seconds left at the current rate; null when unknown. */
  readonly etaSeconds: number | null;
  /** The ETA rests on estimated totals or few samples. */
  readonly uncertain: boolean;
  readonly begun: boolean;
  readonly exact: boolean;
  readonly runBytes: number;
  readonly current: readonly string[];
}

const zero = (): Counts => ({ tables: 0, chunks: 0, rows: 0, bytes: 0 });
const key = (database: string, table: string): string => `${database}.${table}`;
const chunkKey = (database: string, table: string, chunk: number): string => `${key(database, table)}#${chunk}`;
/** Phases that move no rows of their own: one line, tables and time. */
const ONE_LINE: ReadonlySet<Phase> = new Set(['schema', 'indexes', 'post-data']);

export class ProgressModel {
  private readonly phases = new Map<Phase, PhaseState>();
  private header = '';
  private runStartedAt: number | null = null;
  /** Bytes the run will move (the start event's totals): until its data phase appears, no ETA. */
  private runBytes = 0;

  constructor(private readonly tool: 'tsdump' | 'tsload') {}

  apply(e: RunEvent, now: number): void {
    this.fold(e, now);
    if ('phase' in e) {
      const p = this.phases.get(e.phase);
      if (p && p.finishedSeconds === null) p.floor = this.snapshot(p, now).fraction;
    }
  }

  private fold(e: RunEvent, now: number): void {
    switch (e.kind) {
      case 'start':
        this.runStartedAt = now;
        this.runBytes = e.totals.bytes;
        this.header = `${this.tool}: ${e.totals.tables} tables, ${e.totals.chunks > 0 ? `${e.totals.chunks} chunks, ` : ''}${this.tool === 'tsdump' ? `~${formatBytes(e.totals.bytes)} of data` : formatBytes(e.totals.bytes)}, ${e.threads} threads`;
        break;
      case 'phase-start': {
        this.finishImplicitBefore(e.phase, now);
        const p = this.state(e.phase, now);
        p.startedAt = now;
        p.started = true;
        p.begun = true;
        p.total = { ...e.total };
        p.exact = e.exact ?? this.tool === 'tsload';
        break;
      }
      case 'totals': {
        const p = this.state(e.phase, now);
        if (p.finishedSeconds !== null) break;
        p.total = { ...e.total };
        p.exact = e.exact;
        break;
      }
      case 'resumed': {
        const p = this.state(e.phase, now);
        p.chunked = true;
        p.done.rows += e.rows;
        p.done.bytes += e.bytes;
        p.done.chunks += e.chunks;
        p.resumed.rows += e.rows;
        p.resumed.bytes += e.bytes;
        break;
      }
      case 'chunk-start': {
        const p = this.begin(e.phase, now);
        p.chunked = true;
        const k = key(e.database, e.table);
        p.active.set(k, (p.active.get(k) ?? 0) + 1);
        break;
      }
      case 'progress': {
        const p = this.begin(e.phase, now);
        p.chunked = true;
        const part = this.partialOf(p, chunkKey(e.database, e.table, e.chunk));
        part.rows += e.rows;
        part.bytes += e.bytes;
        break;
      }
      case 'chunk-done': {
        const p = this.begin(e.phase, now);
        p.chunked = true;
        const k = key(e.database, e.table);
        p.done.chunks++;
        p.done.rows += e.rows;
        p.done.bytes += e.dataBytes ?? e.bytes;
        p.partial.delete(chunkKey(e.database, e.table, e.chunk));
        const n = (p.active.get(k) ?? 1) - 1;
        if (n > 0) p.active.set(k, n);
        else p.active.delete(k);
        break;
      }
      case 'table-done': {
        const p = this.begin(e.phase, now);
        p.done.tables++;
        // A phase without chunks (index builds) measures its work by its tables' rows and bytes.
        if (!p.chunked) {
          p.done.rows += e.rows;
          p.done.bytes += e.bytes;
        }
        break;
      }
      case 'phase-done': {
        const p = this.state(e.phase, now);
        p.finishedSeconds = e.seconds;
        p.active.clear();
        p.partial.clear();
        // Finished: whatever was done is the real total (dump totals were estimates).
        p.done.tables = Math.max(p.done.tables, p.total.tables);
        p.total = { ...p.done };
        break;
      }
      case 'info':
      case 'warning':
      case 'error':
      case 'summary':
        break;
    }
  }

  snapshots(now: number): PhaseSnapshot[] {
    return PHASES.filter((ph) => this.phases.has(ph)).map((ph) => this.snapshot(this.phases.get(ph)!, now));
  }

  /** The whole run's time left (run-eta.ts). */
  runEta(now: number): RunEta {
    if (this.runBytes > 0 && !this.phases.has('data')) return { seconds: null, uncertain: true };
    return runEta(this.snapshots(now).map((s): PhaseWork => ({ phase: s.phase, begun: s.begun, finished: s.finished, seconds: s.seconds, totalBytes: s.total.bytes, doneBytes: s.done.bytes, runBytes: s.runBytes, exact: s.exact })));
  }

  /** The live view: a header, the run's elapsed time and time left, and one block per phase seen so far. */
  frame(now: number): string {
    const lines = this.header ? [this.header] : [];
    const snaps = this.snapshots(now);
    if (this.runStartedAt !== null && snaps.some((s) => !s.finished)) {
      lines.push(`  elapsed ${formatDuration((now - this.runStartedAt) / 1000)}, ${runLeft(this.runEta(now))}`);
    }
    for (const s of snaps) lines.push(...renderPhase(s));
    return lines.join('\n');
  }

  /** One log line for the phase in progress (plain, non-TTY output); null when nothing is running. */
  line(now: number): string | null {
    const running = this.snapshots(now).filter((s) => !s.finished && s.begun);
    const s = running[running.length - 1];
    if (!s) return null;
    const rate = s.bytesPerSecond > 0 ? `, ${formatBytes(s.bytesPerSecond)}/s` : '';
    return `${s.phase} ${percent(s.fraction)}: ${s.done.tables}/${s.total.tables} tables, ${num(s.done.rows)}/${approxMark(s)}${num(s.total.rows)} rows, ${formatBytes(s.done.bytes)}/${approxMark(s)}${formatBytes(s.total.bytes)}${rate}, ETA ${eta(s)}; run: ${runLeft(this.runEta(now))}`;
  }

  /**
   * A phase that only ever reported table-done events (no phase-start: e.g. a loader's index builds,
   * which overlap the data phase) is over once a later phase starts; so is every phase at the end.
   */
  private finishImplicitBefore(phase: Phase | null, now: number): void {
    const limit = phase === null ? PHASES.length : PHASES.indexOf(phase);
    for (const [ph, p] of this.phases) {
      if (PHASES.indexOf(ph) >= limit || p.finishedSeconds !== null || p.started) continue;
      this.fold({ kind: 'phase-done', phase: ph, seconds: p.begun ? Math.max(0, (now - p.startedAt) / 1000) : 0 }, now);
    }
  }

  /** Marks every phase still open without a phase-start as finished (called when the run ends). */
  finishImplicit(now: number): void {
    this.finishImplicitBefore(null, now);
  }

  private state(phase: Phase, now: number): PhaseState {
    let p = this.phases.get(phase);
    if (!p) {
      p = { phase, startedAt: now, started: false, begun: false, exact: this.tool === 'tsload', chunked: false, total: zero(), done: zero(), partial: new Map(), active: new Map(), resumed: { rows: 0, bytes: 0 }, finishedSeconds: null, floor: 0 };
      this.phases.set(phase, p);
    }
    return p;
  }

  /** The phase's state, its work begun now if it had not (a phase announced by 'totals' waits till then). */
  private begin(phase: Phase, now: number): PhaseState {
    const p = this.state(phase, now);
    if (!p.begun) {
      p.begun = true;
      p.startedAt = now;
    }
    return p;
  }

  private partialOf(p: PhaseState, k: string): { rows: number; bytes: number } {
    let part = p.partial.get(k);
    if (!part) {
      part = { rows: 0, bytes: 0 };
      p.partial.set(k, part);
    }
    return part;
  }

  private snapshot(p: PhaseState, now: number): PhaseSnapshot {
    const finished = p.finishedSeconds !== null;
    let inRows = 0;
    let inBytes = 0;
    for (const v of p.partial.values()) {
      inRows += v.rows;
      inBytes += v.bytes;
    }
    const done: Totals = { tables: p.done.tables, chunks: p.done.chunks, rows: p.done.rows + inRows, bytes: p.done.bytes + inBytes };
    const total = projectedTotal(p.total, done);
    // Only a finished phase shows 100%: an exceeded estimate must not claim the work is over.
    const fraction = finished ? 1 : Math.max(p.floor, Math.min(0.99, fractionOf(done, total)));
    const seconds = finished ? p.finishedSeconds! : p.begun ? Math.max(0, (now - p.startedAt) / 1000) : 0;
    const runBytes = Math.max(0, done.bytes - p.resumed.bytes);
    const bytesPerSecond = seconds > 0 ? runBytes / seconds : 0;
    const rowsPerSecond = seconds > 0 ? Math.max(0, done.rows - p.resumed.rows) / seconds : 0;
    // Before MIN_SAMPLE_SECONDS of work a rate says little: no ETA yet ("estimating…").
    const sampled = seconds >= MIN_SAMPLE_SECONDS;
    let etaSeconds: number | null = null;
    if (finished) etaSeconds = 0;
    else if (!sampled) etaSeconds = null;
    else if (total.bytes > 0 && bytesPerSecond > 0) etaSeconds = (total.bytes - done.bytes) / bytesPerSecond;
    else if (total.rows > 0 && rowsPerSecond > 0) etaSeconds = (total.rows - done.rows) / rowsPerSecond;
    const exact = finished || p.exact;
    return { phase: p.phase, finished, seconds, done, total, fraction, bytesPerSecond, rowsPerSecond, etaSeconds, uncertain: !exact, begun: p.begun || finished, exact, runBytes, current: [...p.active.keys()] };
  }
}

/**
 * Totals never below what is done. When the bytes estimate is exceeded but the rows estimate is not
 * (or the other way round), project the exceeded one from the other's progress, so the bar and the
 * ETA keep moving instead of sitting at the estimate.
 */
function projectedTotal(est: Counts, done: Totals): Totals {
  let rows = Math.max(est.rows, done.rows);
  let bytes = Math.max(est.bytes, done.bytes);
  if (done.bytes > est.bytes && done.rows > 0 && est.rows > done.rows) bytes = Math.round((done.bytes * est.rows) / done.rows);
  else if (done.rows > est.rows && done.bytes > 0 && est.bytes > done.bytes) rows = Math.round((done.rows * est.bytes) / done.bytes);
  return { tables: Math.max(est.tables, done.tables), chunks: Math.max(est.chunks, done.chunks), rows, bytes };
}

function fractionOf(done: Totals, total: Totals): number {
  const pairs: [number, number][] = [
    [done.bytes, total.bytes],
    [done.rows, total.rows],
    [done.chunks, total.chunks],
    [done.tables, total.tables],
  ];
  for (const [d, t] of pairs) if (t > 0) return Math.min(1, d / t);
  return 0;
}

const BAR_WIDTH = 24;

function renderPhase(s: PhaseSnapshot): string[] {
  const filled = Math.round(s.fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const tables = s.total.tables > 0 ? `  tables ${s.done.tables}/${s.total.tables}` : '';
  const head = `${(s.finished ? '✔ ' : '  ') + s.phase.padEnd(10)}${bar} ${percent(s.fraction).padStart(4)}${tables}`;
  if (ONE_LINE.has(s.phase) || (s.total.rows === 0 && s.total.bytes === 0)) {
    // Phases that move no rows (schema, indexes, post-data): one line.
    if (s.finished) return [`${head}  in ${formatDuration(s.seconds)}`];
    if (!s.begun) return [`${head}  waiting`];
    const now = s.current.length > 0 ? `  now: ${s.current.slice(0, 2).join(', ')}${s.current.length > 2 ? ` +${s.current.length - 2}` : ''}` : '';
    return [`${head}  ${formatDuration(s.seconds)}${now}`];
  }
  const counts = `rows ${num(s.done.rows)}/${approxMark(s)}${num(s.total.rows)}  bytes ${formatBytes(s.done.bytes)}/${approxMark(s)}${formatBytes(s.total.bytes)}`;
  const rate = s.bytesPerSecond > 0 ? `${formatBytes(s.bytesPerSecond)}/s` : s.rowsPerSecond > 0 ? `${num(Math.round(s.rowsPerSecond))} rows/s` : '';
  const timing = s.finished ? `in ${formatDuration(s.seconds)}${rate ? `, ${rate}` : ''}` : !s.begun ? 'waiting' : `${rate ? `${rate}  ` : ''}ETA ${eta(s)}`;
  const lines = [head, `            ${counts}  ${timing}`];
  if (!s.finished && s.current.length > 0) {
    const shown = s.current.slice(0, 3).join(', ');
    lines.push(`            now: ${shown}${s.current.length > 3 ? ` +${s.current.length - 3} more` : ''}`);
  }
  return lines;
}

function percent(f: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, f)) * 100)}%`;
}

function eta(s: PhaseSnapshot): string {
  if (s.etaSeconds === null) return 'estimating…';
  return `${s.uncertain && !s.finished ? '~' : ''}${formatDuration(s.etaSeconds)}`;
}

function runLeft(r: RunEta): string {
  return r.seconds === null ? 'time left: estimating…' : `${r.uncertain ? '~' : ''}${formatDuration(r.seconds)} left`;
}

/** Totals that are still estimates are marked '~'. */
function approxMark(s: PhaseSnapshot): string {
  return s.exact ? '' : '~';
}

function num(n: number): string {
  return formatCount(n);
}
