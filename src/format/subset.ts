import { OBJECT_KINDS } from '../core/table-shape.js';

/**
 * The manifest's optional `subset` (docs/FORMAT.md): present when the dump holds less than its
 * databases do — rows filtered by --where, or tables (and what goes with them) left out by -T,
 * --ignore-table, -x or --exclude-regex — so nobody mistakes it for a full backup. Absent: every
 * dumped database is whole.
 */
export const SUBSET_KINDS = ['table', ...OBJECT_KINDS] as const;
export type SubsetKind = (typeof SUBSET_KINDS)[number];

export interface SubsetWhere {
  readonly database: string;
  readonly table: string;
  readonly condition: string;
}

export interface SubsetLeftOut {
  readonly database: string;
  readonly kind: SubsetKind;
  readonly name: string;
  readonly reason: string;
}

export interface SubsetInfo {
  /** Tables of which only the rows matching the condition were dumped. */
  readonly where: readonly SubsetWhere[];
  /** Objects of the dumped databases that the dump does not hold, with the reason. */
  readonly leftOut: readonly SubsetLeftOut[];
}

export function subsetInfo(where: readonly SubsetWhere[], leftOut: readonly SubsetLeftOut[]): SubsetInfo | undefined {
  return where.length > 0 || leftOut.length > 0 ? { where, leftOut } : undefined;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
const KIND_NAMES: Record<SubsetKind, string> = { table: 'table', view: 'view', trigger: 'trigger', procedure: 'procedure', function: 'function', event: 'event', sequence: 'sequence' };

/** One line for people: what the subset lacks. */
export function describeSubset(s: SubsetInfo): string {
  const parts: string[] = [];
  if (s.where.length > 0) {
    const shown = s.where.slice(0, 3).map((w) => `${w.database}.${w.table}: ${w.condition}`).join('; ');
    parts.push(`only some rows of ${plural(s.where.length, 'table')} (--where ${shown}${s.where.length > 3 ? '; …' : ''})`);
  }
  if (s.leftOut.length > 0) {
    const counts = SUBSET_KINDS.map((k) => [k, s.leftOut.filter((l) => l.kind === k).length] as const).filter(([, n]) => n > 0);
    parts.push(`${counts.map(([k, n]) => plural(n, KIND_NAMES[k])).join(', ')} of its databases left out by the filters`);
  }
  return `SUBSET, not a full backup: ${parts.join('; ')}`;
}
