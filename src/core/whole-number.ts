import { TsError } from './errors.js';

/**
 * The check of a numeric option given through the API (the CLI parses its strings before): absent
 * (undefined/null) passes, anything else must be a whole number ≥ `min`. One message for all of them.
 */
export function checkWholeNumbers(entries: readonly (readonly [name: string, value: number | null | undefined])[], min: number, unit = 'number'): void {
  for (const [name, v] of entries) {
    if (v === undefined || v === null || (Number.isInteger(v) && v >= min)) continue;
    throw new TsError({ code: 'usage', message: `${name} must be a ${min > 0 ? 'positive ' : ''}whole ${unit}${min === 0 ? ' (0: no limit)' : ''}, got ${v}` });
  }
}
