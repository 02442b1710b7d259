/**
 * `--metrics-file PATH`: the run's progress as a Prometheus text file for node_exporter's textfile
 * collector (as mydumper's --pmm-path offers), replaced atomically every few seconds, at each phase
 * change and at the end. Metric names start with the tool (`tsdump_`, `tsload_`); docs/EVENTS.md
 * lists them. Pure text from the same ProgressModel as the display, so the numbers agree.
 */
import type { Reporter, RunEvent } from '../core/events.js';
import { replaceTextFile } from '../storage/log-file.js';
import { ProgressModel } from './progress-view.js';

interface RunState {
  dumpId: string;
  startedAt: number | null;
  warnings: number;
  finished: boolean;
  succeeded: boolean;
}

const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The text file's content at `now` (unix milliseconds). */
export function metricsText(tool: 'tsdump' | 'tsload', model: ProgressModel, run: RunState, now: number): string {
  const out: string[] = [];
  const metric = (name: string, help: string, type: 'gauge' | 'counter', samples: readonly [string, number][]): void => {
    out.push(`# HELP ${tool}_${name} ${help}`, `# TYPE ${tool}_${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${tool}_${name}${labels} ${Number.isFinite(value) ? String(value) : 'NaN'}`);
  };
  const id = `{dump_id="${label(run.dumpId)}"}`;
  metric('start_time_seconds', 'When the run started (unix time).', 'gauge', [[id, (run.startedAt ?? now) / 1000]]);
  metric('last_update_time_seconds', 'When this file was written (unix time).', 'gauge', [[id, now / 1000]]);
  metric('finished', '1 once the run ended (see succeeded).', 'gauge', [[id, run.finished ? 1 : 0]]);
  metric('succeeded', '1 when the run ended with everything done and verified.', 'gauge', [[id, run.succeeded ? 1 : 0]]);
  metric('warnings_total', 'Warnings so far.', 'counter', [[id, run.warnings]]);
  const eta = model.runEta(now);
  metric('eta_seconds', 'Estimated seconds left for the whole run (NaN while estimating).', 'gauge', [[id, run.finished ? 0 : (eta.seconds ?? Number.NaN)]]);
  metric('eta_uncertain', '1 while the estimate rests on estimated totals or prior rates.', 'gauge', [[id, !run.finished && eta.uncertain ? 1 : 0]]);
  const snaps = model.snapshots(now);
  const per = (pick: (s: (typeof snaps)[number]) => number): [string, number][] => snaps.map((s) => [`{dump_id="${label(run.dumpId)}",phase="${s.phase}"}`, pick(s)]);
  metric('phase_finished', '1 once the phase is done.', 'gauge', per((s) => (s.finished ? 1 : 0)));
  metric('phase_seconds', 'Seconds the phase has run.', 'gauge', per((s) => s.seconds));
  metric('phase_tables_done', 'Tables done in the phase.', 'gauge', per((s) => s.done.tables));
  metric('phase_tables_total', 'Tables the phase will do.', 'gauge', per((s) => s.total.tables));
  metric('phase_rows_done', 'Rows done in the phase.', 'gauge', per((s) => s.done.rows));
  metric('phase_rows_total', 'Rows the phase will do (a dump: estimated until it ends).', 'gauge', per((s) => s.total.rows));
  metric('phase_bytes_done', 'Bytes done in the phase (tsdump: data before compression; tsload: dump file bytes).', 'gauge', per((s) => s.done.bytes));
  metric('phase_bytes_total', 'Bytes the phase will do (a dump: estimated until it ends).', 'gauge', per((s) => s.total.bytes));
  return `${out.join('\n')}\n`;
}

const EVERY_MS = 5000;

export function metricsReporter(tool: 'tsdump' | 'tsload', file: string): Reporter & { close(failure?: unknown): void } {
  const model = new ProgressModel(tool);
  const run: RunState = { dumpId: '', startedAt: null, warnings: 0, finished: false, succeeded: false };
  const write = (): void => {
    // a failing write must not stop the run (the first one, below, showed the file can be written)
    try {
      replaceTextFile(file, metricsText(tool, model, run, Date.now()));
    } catch {
      // the next write tries again
    }
  };
  replaceTextFile(file, metricsText(tool, model, run, Date.now()));
  let timer: NodeJS.Timeout | null = null;
  return {
    emit: (e: RunEvent) => {
      model.apply(e, Date.now());
      switch (e.kind) {
        case 'start':
          run.dumpId = e.dumpId;
          run.startedAt = Date.now();
          timer ??= setInterval(write, EVERY_MS);
          timer.unref();
          write();
          return;
        case 'warning':
          run.warnings++;
          return;
        case 'summary':
          run.finished = true;
          run.succeeded = e.ok;
          model.finishImplicit(Date.now());
          write();
          return;
        case 'phase-start':
        case 'phase-done':
          write();
          return;
        default:
      }
    },
    close: (failure?: unknown) => {
      if (timer) clearInterval(timer);
      timer = null;
      if (failure !== undefined) {
        run.finished = true;
        run.succeeded = false;
        write();
      }
    },
  };
}
