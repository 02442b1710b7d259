import { EXIT_CODES, TsError, formatError, messageOf } from '../core/errors.js';
import { packageVersion } from '../storage/local-files.js';

/** The package version, read from package.json next to dist/. */
export const toolVersion = packageVersion;

/**
 * Runs a command body with the one error funnel: every failure prints a message naming the object and
 * a hint, and sets the documented exit code. SIGINT/SIGTERM abort the signal (a second one exits now).
 * The only place that ends the process.
 */
export async function runCommand(body: (signal: AbortSignal) => Promise<number>): Promise<never> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(EXIT_CODES.interrupted);
    process.stderr.write(`\n${name} received: stopping (again to exit at once, without cleaning up)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A promise nobody awaited that failed is a bug of ours, but the user still gets a message
  // through the funnel and the exit code, not Node's raw stack.
  process.on('unhandledRejection', (e) => process.exit(reportError(e, controller.signal.aborted)));
  let code: number;
  try {
    code = await body(controller.signal);
  } catch (e) {
    code = reportError(e, controller.signal.aborted);
  }
  process.exit(code);
}

export function reportError(e: unknown, aborted = false): number {
  if (e instanceof TsError) {
    const err = aborted && e.code !== 'interrupted' ? new TsError({ code: 'interrupted', message: `interrupted: ${e.message}`, object: e.object, suggestion: e.suggestion, cause: e }) : e;
    process.stderr.write(formatError(err) + '\n');
    return err.exitCode;
  }
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' && (e as { code: string }).code.startsWith('commander.')) {
    const exit = (e as { exitCode?: number }).exitCode ?? EXIT_CODES.usage;
    return exit === 0 ? 0 : EXIT_CODES.usage;
  }
  process.stderr.write(`error: ${messageOf(e)}\n${e instanceof Error && e.stack ? e.stack.split('\n').slice(1, 4).join('\n') + '\n' : ''}`);
  return aborted ? EXIT_CODES.interrupted : EXIT_CODES.failed;
}

export function usageError(message: string, suggestion?: string): TsError {
  return new TsError({ code: 'usage', message, suggestion });
}
