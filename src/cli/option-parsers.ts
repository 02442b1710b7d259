import { runCommand, usageError } from './run-command.js';
import type { Command } from 'commander';

/** Commander parsers shared by the bins: each turns bad input into a usage error naming the option. */

/** Repeatable option: collects every value. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** A whole number of at least `min` (1 unless said). */
export const wholeNumber =
  (what: string, min = 1) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw usageError(min === 1 ? `${what} must be a positive whole number, got '${value}'` : `${what} must be a whole number ≥ ${min}, got '${value}'`);
    }
    return n;
  };

/** Parses argv and sends a parse failure through the one error funnel (the only exit). */
export function parseAndRun(program: Command): void {
  program.parseAsync(process.argv).catch(async (e: unknown) => {
    await runCommand(async () => {
      throw e;
    });
  });
}
