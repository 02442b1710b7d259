/**
 * Run events: what the orchestrators (dump/, load/) tell the outside world. The CLI turns them into a
 * live TTY view, plain log lines or versioned JSON lines; orchestrators never print.
 */

export const PHASES = ['schema', 'data', 'indexes', 'post-data', 'verify'] as const;
export type Phase = (typeof PHASES)[number];

export interface Totals {
  readonly tables: number;
  readonly chunks: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface TableSummary {
  readonly database: string;
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  /** From the table's first work (its first chunk started), not from when it was queued. */
  readonly seconds: number;
}

/** The source coordinates of a dump (its manifest's `snapshot`), in the summary event. */
export interface Coordinates {
  readonly mode: string;
  readonly exact: boolean;
  readonly binlog: { readonly file: string; readonly position: number } | null;
  readonly gtid: string | null;
}

/**
 * The events, documented for consumers in docs/EVENTS.md and docs/events.schema.json (keep them in
 * step: a test validates every event of real runs against the schema). Bytes are in one unit per
 * tool: tsdump counts the data it writes before compression (the unit of its estimates), tsload the
 * bytes of the dump's files (the manifest's exact sizes).
 */
export type RunEvent =
  | { readonly kind: 'start'; readonly tool: 'tsdump' | 'tsload'; readonly dumpId: string; readonly totals: Totals; readonly threads: number }
  /** `exact`: false when the totals are estimates (a dump's, from the catalog), corrected by 'totals' events. */
  | { readonly kind: 'phase-start'; readonly phase: Phase; readonly total: Totals; readonly exact?: boolean }
  /** The work of a phase: announced before it starts (tsload's indexes and verify), or revised (a dump's estimates). */
  | { readonly kind: 'totals'; readonly phase: Phase; readonly total: Totals; readonly exact: boolean }
  /** Work already done before a resume: counted so progress is right after a restart. */
  | { readonly kind: 'resumed'; readonly phase: Phase; readonly rows: number; readonly bytes: number; readonly chunks: number }
  | { readonly kind: 'chunk-start'; readonly phase: Phase; readonly database: string; readonly table: string; readonly chunk: number }
  /** Partial progress inside a chunk (bytes/rows since the previous progress event of this chunk). */
  | { readonly kind: 'progress'; readonly phase: Phase; readonly database: string; readonly table: string; readonly chunk: number; readonly rows: number; readonly bytes: number }
  /**
   * A chunk finished (in the verify phase: a chunk checked; chunk 0 = the whole table at once). `bytes`: the
   * chunk file's size; `dataBytes` (tsdump): the bytes before compression, the unit of its progress.
   */
  | { readonly kind: 'chunk-done'; readonly phase: Phase; readonly database: string; readonly table: string; readonly chunk: number; readonly rows: number; readonly bytes: number; readonly dataBytes?: number; readonly seconds: number }
  | { readonly kind: 'table-done'; readonly phase: Phase; readonly database: string; readonly table: string; readonly rows: number; readonly bytes: number; readonly seconds: number }
  | { readonly kind: 'phase-done'; readonly phase: Phase; readonly seconds: number }
  | { readonly kind: 'info'; readonly message: string }
  | { readonly kind: 'warning'; readonly message: string; readonly database?: string; readonly table?: string }
  | { readonly kind: 'error'; readonly message: string; readonly code: string; readonly suggestion?: string }
  | { readonly kind: 'summary'; readonly ok: boolean; readonly seconds: number; readonly tables: readonly TableSummary[]; readonly rows: number; readonly bytes: number; readonly dumpId: string; readonly coordinates: Coordinates };

export type RunEventKind = RunEvent['kind'];

/** Every event kind, in the order docs/EVENTS.md lists them (a kind missing here does not compile). */
export const RUN_EVENT_KINDS = ['start', 'phase-start', 'totals', 'resumed', 'chunk-start', 'progress', 'chunk-done', 'table-done', 'phase-done', 'info', 'warning', 'error', 'summary'] as const satisfies readonly RunEventKind[];
const everyKindListed: Exclude<RunEventKind, (typeof RUN_EVENT_KINDS)[number]> extends never ? true : never = true;
void everyKindListed;

export interface Reporter {
  emit(event: RunEvent): void;
}

export const silentReporter: Reporter = { emit: () => undefined };
