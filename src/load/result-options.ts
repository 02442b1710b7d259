import { TsError } from '../core/errors.js';
import { PROGRESS_DB } from '../format/naming.js';
import type { LoadOptions } from './load-options.js';

/**
 * The options that change what a load produces, recorded with its run (tsload_progress.runs):
 * a resume must finish the load the first run started, so a rerun that asks for another value is
 * refused, naming the option (tables already created without their deferred indexes, or with
 * another engine or charset, cannot become what the new value asks; rows already merged by
 * REPLACE cannot become rows an IGNORE kept, so a merge resumed with another --on-duplicate would
 * be neither). Options that only change objects created after the data (--skip-definer) are
 * honoured instead: those objects are created again (step-runner.ts fingerprints). A script
 * import records the same: there --on-duplicate also decides whether the UNIQUE keys are built
 * with the rows or after them (import-schema.ts splitCreateTable).
 */
export const RESULT_OPTIONS = ['--defer-indexes', '--engine', '--convert-utf8mb4', '--on-duplicate'] as const;
export type ResultOption = (typeof RESULT_OPTIONS)[number];

export function resultOptions(opts: Pick<LoadOptions, 'deferIndexes' | 'engine' | 'convertUtf8mb4' | 'restore'>): Record<ResultOption, string> {
  return {
    '--defer-indexes': opts.deferIndexes ? 'on' : 'off',
    '--engine': opts.engine ?? '(the dump\'s engines)',
    '--convert-utf8mb4': opts.convertUtf8mb4 ? 'on' : 'off',
    '--on-duplicate': opts.restore.onDuplicate,
  };
}

/**
 * The first option of `now` whose recorded value differs (engine names compare case-insensitively);
 * an option the run did not record (a run of an older version) is not compared.
 */
export function differingOption<K extends string>(recorded: Readonly<Record<string, string>> | null | undefined, now: Record<K, string>): { option: K; first: string; now: string } | null {
  if (!recorded) return null;
  for (const option of Object.keys(now) as K[]) {
    const first = recorded[option];
    if (first !== undefined && first.toLowerCase() !== now[option].toLowerCase()) return { option, first, now: now[option] };
  }
  return null;
}

export function optionsDiffer(targetDb: string, d: { option: string; first: string; now: string }, finished = false): TsError {
  const given = (v: string): string => (v.startsWith('(') ? `no ${d.option} (${v.slice(1, -1)})` : `${d.option} ${v}`);
  return new TsError({
    code: 'usage',
    message: finished
      ? `database ${targetDb} was loaded completely from this dump with ${given(d.first)}; this run asks for ${given(d.now)}`
      : `database ${targetDb} holds an unfinished load that ran with ${given(d.first)}; this run asks for ${given(d.now)}, which would give another result than the tables that load already created`,
    object: { database: targetDb },
    suggestion: `${finished ? `pass --drop-table drop to load it again with ${given(d.now)}` : `rerun with ${given(d.first)} to finish that load`}; to load with ${given(d.now)} instead, drop database ${targetDb} and delete its rows from ${PROGRESS_DB}.runs/progress/steps, then load again. Nothing was changed`,
  });
}
