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
  readonly seconds: number;
}

export type RunEvent =
  | { readonly kind: 'start'; readonly tool: 'tsdump' | 'tsload'; readonly dumpId: string; readonly totals: Totals; readonly threads: number }
  | { readonly kind: 'phase-start'; readonly phase: Phase; readonly total: Totals }
  /** Work already done before a resume: counted so progress is right after a restart. */
  | { readonly kind: 'resumed'; readonly phase: Phase; readonly rows: number; readonly bytes: number; readonly chunks: number }
  | { readonly kind: 'chunk-start'; readonly phase: Phase; readonly database: string; readonly table: string; readonly chunk: number }
  /** Partial progress inside a chunk (bytes/rows since the previous progress event of this chunk). */
  | { readonly kind: 'progress'; readonly phase: Phase; readonly database: string; readonly table: string; readonly rows: number; readonly bytes: number }
  | { readonly kind: 'chunk-done'; readonly phase: Phase; readonly database: string; readonly table: string; readonly chunk: number; readonly rows: number; readonly bytes: number; readonly seconds: number }
  | { readonly kind: 'table-done'; readonly phase: Phase; readonly database: string; readonly table: string; readonly rows: number; readonly bytes: number; readonly seconds: number }
  | { readonly kind: 'phase-done'; readonly phase: Phase; readonly seconds: number }
  | { readonly kind: 'info'; readonly message: string }
  | { readonly kind: 'warning'; readonly message: string; readonly database?: string; readonly table?: string }
  | { readonly kind: 'error'; readonly message: string; readonly code: string; readonly suggestion?: string }
  | { readonly kind: 'summary'; readonly ok: boolean; readonly seconds: number; readonly tables: readonly TableSummary[]; readonly rows: number; readonly bytes: number };

export type RunEventKind = RunEvent['kind'];

export interface Reporter {
  emit(event: RunEvent): void;
}

export const silentReporter: Reporter = { emit: () => undefined };
