import type { Command } from 'commander';
import { TsError } from '../core/errors.js';
import { normalizeKey, type OptionEntry } from './option-files.js';

/**
 * Like the mysql client for its own groups: a key in [tsdump]/[tsload] that is no option of the
 * command is an error naming the file and line (a typo like `threds=4` must not be ignored); with a
 * `loose-` prefix it is skipped. Keys in [client] are for every program and are not checked.
 */
export function refuseUnknownKeys(command: Command, entries: readonly OptionEntry[]): void {
  const known = new Set<string>();
  for (const o of command.options) {
    const long = normalizeKey((o.long ?? '').replace(/^--/, ''));
    known.add(o.negate ? long.replace(/^no-/, '') : long);
  }
  for (const e of entries) {
    if (e.loose) continue;
    const base = e.key.replace(/^(skip|disable|enable|no)-/, '');
    if (known.has(e.key) || known.has(base)) continue;
    const near = [...known].find((k) => editDistance(k, e.key) <= 2);
    throw new TsError({
      code: 'usage',
      message: `unknown option '${e.key}' in group [${e.group}] at line ${e.line}`,
      object: { file: e.file },
      suggestion: `${near ? `did you mean '${near}'? ` : ''}options in [${e.group}] are ${command.name()}'s own (see ${command.name()} --help); prefix a key with loose- to have it ignored where it is unknown`,
    });
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}
