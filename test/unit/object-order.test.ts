import { describe, expect, it } from 'vitest';
import type { DatabaseEntry, ObjectEntry } from '../../src/format/manifest.js';
import { objectOrder, type PlacedObject } from '../../src/load/object-order.js';

const file = { path: 'x', bytes: 0, sha256: '' };
const obj = (kind: ObjectEntry['kind'], name: string, more: Partial<ObjectEntry> = {}): ObjectEntry => ({ kind, name, file, definer: null, context: null, ...more });
const database = (name: string, objects: ObjectEntry[]): DatabaseEntry => ({ name, objects, tables: [] }) as unknown as DatabaseEntry;

function placed(dbs: DatabaseEntry[], text: (o: ObjectEntry) => string = () => ''): PlacedObject<{ source: DatabaseEntry }>[] {
  return dbs.flatMap((d) => d.objects.map((o) => ({ target: { source: d }, entry: o, text: text(o) })));
}
const names = (ps: PlacedObject<{ source: DatabaseEntry }>[]): string[] => ps.map((p) => `${p.target.source.name}.${p.entry.name}`);

describe('objectOrder', () => {
  it('creates the routines of every database first, then views in one order across the databases', () => {
    const a = database('a', [obj('view', 'v', { reads: [{ kind: 'table', database: 'b', name: 'w' }, { kind: 'function', database: 'b', name: 'f' }] }), obj('trigger', 'tr'), obj('event', 'e')]);
    const b = database('b', [obj('view', 'ww', { reads: [{ kind: 'table', database: 'a', name: 'v' }] }), obj('view', 'w', { reads: [{ kind: 'table', database: 'b', name: 't' }] }), obj('function', 'f')]);
    expect(names(objectOrder(placed([a, b])))).toEqual(['b.f', 'b.w', 'a.v', 'b.ww', 'a.tr', 'a.e']);
  });

  it('a dump without reads: same-database dependsOn, and the qualified names of the text for others', () => {
    const a = database('a', [obj('view', 'v')]);
    const b = database('b', [obj('view', 'x', { dependsOn: ['w'] }), obj('view', 'w')]);
    const order = objectOrder(placed([a, b], (o) => (o.name === 'v' ? 'CREATE VIEW `v` AS select `w`.`id` AS `id` from `b`.`w`' : '')));
    expect(names(order)).toEqual(['b.w', 'a.v', 'b.x']);
  });
});
