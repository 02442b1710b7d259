import type { Phase } from '../core/events.js';

/**
 * The time left for the whole run, not only the phase in progress: a load's index builds and
 * verification take about as long as its data (the demo: 7 s data, 3 s indexes, 4 s verify), so an
 * ETA from the data phase alone says "nearly done" with most of the run ahead.
 *
 * Each phase with work left (in bytes: a dump's data; a load's data, the bytes of the tables whose
 * indexes are still to build, and the bytes to verify) takes remaining / rate, where the rate is
 * the phase's own once measured (MIN_SAMPLE_SECONDS of this run's work), else the data phase's rate
 * times a prior speed measured on the demo. Phases overlap (index builds run beside the data), so
 * the sum errs on the long side. Uncertain (shown with "~") while any prior or estimated total is
 * used; unknown ("estimating…") until the data rate is measured.
 */
export interface PhaseWork {
  readonly phase: Phase;
  readonly begun: boolean;
  readonly finished: boolean;
  /** Seconds since the phase's work began (0 when it has not). */
  readonly seconds: number;
  readonly totalBytes: number;
  readonly doneBytes: number;
  /** Bytes done by this run (resumed work excluded): the rate's numerator. */
  readonly runBytes: number;
  /** false when the totals are estimates (a dump's). */
  readonly exact: boolean;
}

export interface RunEta {
  /** null: not enough measured yet. */
  readonly seconds: number | null;
  readonly uncertain: boolean;
}

export const MIN_SAMPLE_SECONDS = 2;

/** Bytes per second of a phase relative to the data phase, before its own rate is measured. */
const PRIOR_SPEED: Partial<Record<Phase, number>> = { indexes: 2, verify: 1.5 };

/** A phase's own rate: once it ran MIN_SAMPLE_SECONDS (or finished, however short). */
export function measuredRate(w: PhaseWork): number | null {
  if (!w.begun || w.runBytes <= 0 || w.seconds <= 0) return null;
  if (!w.finished && w.seconds < MIN_SAMPLE_SECONDS) return null;
  return w.runBytes / w.seconds;
}

export function runEta(phases: readonly PhaseWork[]): RunEta {
  const data = phases.find((w) => w.phase === 'data');
  const dataRate = data ? measuredRate(data) : null;
  let seconds = 0;
  let uncertain = false;
  for (const w of phases) {
    if (w.finished || w.totalBytes <= 0) continue;
    const left = Math.max(0, w.totalBytes - w.doneBytes);
    if (left === 0) continue;
    let rate = measuredRate(w);
    if (rate === null) {
      const prior = PRIOR_SPEED[w.phase];
      if (dataRate === null || prior === undefined) return { seconds: null, uncertain: true };
      rate = dataRate * prior;
      uncertain = true;
    }
    if (!w.exact) uncertain = true;
    seconds += left / rate;
  }
  return { seconds, uncertain };
}
