/**
 * The experiment loop shared by the dump and load benchmarks: optional warm-up runs (not counted), then
 * every trial in the interleaved order, timing each with a monotonic clock. What a trial does is the
 * caller's; the loop only orders, times, checks consistency and stops on abort.
 */
import { TsError } from '../core/errors.js';
import type { BenchSetting, Trial } from './grid.js';
import { trialOrder } from './grid.js';
import type { CellResult } from './stats.js';
import { rank, summarize } from './stats.js';

/** What one run moved. */
export interface TrialOutcome {
  readonly bytes: number;
  readonly rows: number;
}

export interface BenchPlan {
  readonly cells: readonly BenchSetting[];
  readonly repeat: number;
  readonly warmup: number;
  readonly seed: number;
}

export interface TrialProgress {
  readonly index: number;
  readonly total: number;
  readonly setting: BenchSetting;
  readonly warmup: boolean;
  readonly seconds: number;
}

export type RunTrial = (setting: BenchSetting, signal?: AbortSignal) => Promise<TrialOutcome>;

/** A trial with an untimed step before each run (e.g. emptying the scratch database of a load). */
export interface TrialRunner {
  readonly reset: (setting: BenchSetting) => Promise<void>;
  readonly run: RunTrial;
}

/** Runs the plan; results ranked best first. */
export async function runTrials(plan: BenchPlan, trial: RunTrial | TrialRunner, onTrial: (p: TrialProgress) => void = () => undefined, signal?: AbortSignal, clock: () => number = monotonicSeconds): Promise<CellResult[]> {
  const order: Trial[] = trialOrder(plan.cells.length, plan.repeat, plan.seed);
  const warmups = Array.from({ length: plan.cells.length > 0 ? plan.warmup : 0 }, () => plan.cells[order[0]?.cell ?? 0]!);
  const total = warmups.length + order.length;
  const seconds: number[][] = plan.cells.map(() => []);
  const moved: (TrialOutcome | null)[] = plan.cells.map(() => null);
  let index = 0;
  const runner: TrialRunner = typeof trial === 'function' ? { reset: async () => undefined, run: trial } : trial;
  const timed = async (setting: BenchSetting): Promise<{ outcome: TrialOutcome; seconds: number }> => {
    if (signal?.aborted) throw new TsError({ code: 'interrupted', message: 'benchmark interrupted' });
    await runner.reset(setting);
    if (signal?.aborted) throw new TsError({ code: 'interrupted', message: 'benchmark interrupted' });
    const t0 = clock();
    const outcome = await runner.run(setting, signal);
    return { outcome, seconds: clock() - t0 };
  };
  for (const setting of warmups) {
    const r = await timed(setting);
    onTrial({ index: ++index, total, setting, warmup: true, seconds: r.seconds });
  }
  for (const t of order) {
    const setting = plan.cells[t.cell]!;
    const r = await timed(setting);
    seconds[t.cell]!.push(r.seconds);
    // Bytes differ between cells (statement size changes the SQL text) but not between repetitions of one.
    moved[t.cell] ??= r.outcome;
    onTrial({ index: ++index, total, setting, warmup: false, seconds: r.seconds });
  }
  return rank(plan.cells.map((setting, i) => summarize({ setting, seconds: seconds[i]!, bytes: moved[i]?.bytes ?? 0, rows: moved[i]?.rows ?? 0 })));
}

function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}
