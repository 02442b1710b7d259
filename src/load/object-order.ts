import { viewReferenceCandidates, type ViewReference } from '../db/view-references.js';
import type { DatabaseEntry, ObjectEntry } from '../format/manifest.js';
import { dependencyOrder } from './ddl.js';

/**
 * The order step 9 creates the post-data objects of every database of the load in: the procedures
 * and functions of all of them first (a view may call a function of another database), then the
 * views in one dependency order across the databases (a view may read a view of another one), then
 * triggers and events. Pure: each object is still its own recorded step of its database, so a
 * rerun after a kill skips what was recorded and creates the rest in the same order.
 */
export interface PlacedObject<T extends { readonly source: DatabaseEntry }> {
  readonly target: T;
  readonly entry: ObjectEntry;
  /** The definition as the dump holds it (source database names). */
  readonly text: string;
}

const key = (database: string, name: string): string => `${database}\0${name}`;

/**
 * The views a view reads, as `database\0name` keys of the source: from the manifest's `reads`; a
 * dump written before it has the same-database `dependsOn`, and the server-qualified names of the
 * view's text for the others (candidates: only those naming a view of the load matter here).
 */
function viewsRead(p: PlacedObject<{ readonly source: DatabaseEntry }>): string[] {
  const db = p.target.source.name;
  if (p.entry.reads) return p.entry.reads.filter((r) => r.kind === 'table').map((r) => key(r.database, r.name));
  return [...(p.entry.dependsOn ?? []).map((d) => key(db, d)), ...viewReferenceCandidates(p.text).filter((r) => r.kind === 'table').map((r) => key(r.database, r.name))];
}

export function objectOrder<T extends { readonly source: DatabaseEntry }>(objects: readonly PlacedObject<T>[]): PlacedObject<T>[] {
  const of = (...kinds: ObjectEntry['kind'][]): PlacedObject<T>[] => objects.filter((p) => kinds.includes(p.entry.kind));
  const views = of('view').map((p) => ({ name: key(p.target.source.name, p.entry.name), dependsOn: viewsRead(p), placed: p }));
  return [...of('procedure', 'function'), ...dependencyOrder(views).map((v) => v.placed), ...of('trigger'), ...of('event')];
}

/**
 * What a view reads in databases that are not part of the load (source names, as its definition
 * keeps them: --rename maps only the loaded ones), from the manifest's `reads`: where a view the
 * target refuses as reading a missing table or function may look. Empty for a dump without `reads`.
 */
export function readsOutsideLoad(entry: ObjectEntry, loaded: ReadonlySet<string>): ViewReference[] {
  return (entry.reads ?? []).filter((r) => !loaded.has(r.database));
}
