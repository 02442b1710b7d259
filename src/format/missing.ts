import { OBJECT_KINDS } from '../core/table-shape.js';

/**
 * The manifest's optional `missing` (docs/FORMAT.md): objects of the dumped databases that the
 * dump does not hold because the dumping account may not see them, so nobody mistakes the dump for
 * complete. `name` is null when the privileges hide even the names (then `kind` says what may be
 * missing: 'routine' covers procedures and functions). Absent: nothing was hidden.
 */
export const MISSING_KINDS = [...OBJECT_KINDS, 'routine'] as const;
export type MissingKind = (typeof MISSING_KINDS)[number];

export interface MissingEntry {
  readonly kind: MissingKind;
  readonly database: string;
  readonly name: string | null;
  readonly reason: string;
}

/** The warning a dump prints for one missing entry. */
export function describeMissing(m: MissingEntry): string {
  if (m.name !== null) return `${m.kind} ${m.database}.${m.name} is not in the dump: ${m.reason}`;
  return `${m.kind === 'routine' ? 'routines' : `${m.kind}s`} of ${m.database} may be missing from the dump: ${m.reason}`;
}
