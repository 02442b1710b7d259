/**
 * Preflight problems: what would make a run fail, found before it changes anything. A preflight
 * collects every problem (not just the first) so one dry run tells a user all there is to fix.
 */
import { TsError, describeObject, type ErrorObject } from './errors.js';

export const PROBLEM_CODES = [
  'table-exists',
  'table-missing',
  'name-case-clash',
  'setting-differs',
  'object-exists',
  'definer-absent',
  'target-changed',
  'local-infile-off',
  'privilege',
  'packet-too-small',
  'read-only',
  'snapshot-unverifiable',
  'nothing-selected',
  'where-invalid',
  'compression-unavailable',
  'unsupported',
  'output-not-empty',
  'output-unusable',
  'output-unreachable',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** Problems that are mistakes in the command line, not in the server or its grants. */
const USAGE_PROBLEMS: readonly ProblemCode[] = ['nothing-selected', 'where-invalid', 'compression-unavailable', 'unsupported', 'output-not-empty', 'output-unusable'];

export interface Problem {
  readonly code: ProblemCode;
  /** What it is about (database, table, chunk, file). */
  readonly object: ErrorObject;
  readonly message: string;
  /** What to do about it: a statement to run, an option to pass. */
  readonly fix: string;
}

/** A problem as lines for people: the message with its object, then the fix. */
export function formatProblem(p: Problem): string {
  const obj = describeObject(p.object);
  return `${p.message}${obj && !p.message.includes(obj) ? ` (${obj})` : ''}\n    fix: ${p.fix}`;
}

/** The failure of a run whose preflight found problems: nothing was changed. Lists every problem. */
export class PreflightError extends TsError {
  readonly problems: readonly Problem[];

  constructor(tool: 'tsdump' | 'tsload', problems: readonly Problem[]) {
    const what = tool === 'tsdump' ? 'the dump' : 'the load';
    const only = problems.length === 1 ? problems[0]! : null;
    super({
      // only mistakes in the command (filters, -o, -c): a usage error, as each of them alone is
      code: problems.every((p) => (USAGE_PROBLEMS as readonly string[]).includes(p.code)) ? 'usage' : 'preflight',
      // one problem reads as any error (its fix is the hint); several are listed, each with its fix
      message: only
        ? `${only.message} (found before changing anything)`
        : `${what} would fail: ${problems.length} problems found before changing anything:\n${problems.map((p, i) => `  ${i + 1}. ${formatProblem(p)}`).join('\n')}`,
      object: only?.object,
      suggestion: only ? only.fix : `fix the problems above and run the same command again (${tool} --dry-run checks without changing anything)`,
    });
    this.name = 'PreflightError';
    this.problems = problems;
  }
}
