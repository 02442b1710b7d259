import { InvalidArgumentError } from 'commander';
import { TsError } from '../core/errors.js';
import { SSL_MODES, type SslMode } from '../db/session.js';

/** Values of the connection options, parsed once at the boundary. */
export function parseSslModeArg(value: string): SslMode {
  const v = value.toUpperCase();
  if (!(SSL_MODES as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${SSL_MODES.join(', ')}`);
  return v as SslMode;
}

export function parseSslMode(value: string, where: string): SslMode {
  try {
    return parseSslModeArg(value);
  } catch {
    throw new TsError({ code: 'usage', message: `${where}: '${value}' must be one of ${SSL_MODES.join(', ')}` });
  }
}

/** Drops undefined fields (so settings print and compare cleanly) and freezes. */
export function freezeDefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.freeze(out) as T;
}

/** A warning of the option parsing (a file ignored, a CA not used), before any reporter exists. */
export const warnOnStderr = (message: string): void => void process.stderr.write(`warning: ${message}\n`);
