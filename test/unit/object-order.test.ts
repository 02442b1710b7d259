import { describe, expect, it } from 'vitest';
import type { DatabaseEntry, ObjectEntry } from '../../src/format/manifest.js';
import { absentDefiners, blockingViews, invokerView, parseDefiner } from '../../src/load/absent-definers.js';
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

describe('absentDefiners', () => {
  const nobody = '`nobody`@`%`';
  const d = database('src', [obj('view', 'v1', { definer: nobody }), obj('view', 'v0', { dependsOn: ['v1'] }), obj('procedure', 'p', { definer: nobody })]);
  const targets = [{ name: 'dst', source: d }];
  const present = new Map([[nobody, false]]);

  it('refuses a view other views read, warns for the rest', () => {
    const r = absentDefiners({ targets, accounts: null, skipDefiner: false }, present);
    expect(r.problems.map((p) => [p.code, p.object.table])).toEqual([['definer-absent', 'v1']]);
    expect(r.problems[0]!.fix).toContain('--load-users');
    expect(r.warnings.map((w) => w.name)).toEqual(['p']);
  });

  it('an SQL SECURITY INVOKER view read by others is only warned about: a view over it is created', () => {
    expect(blockingViews({ targets, accounts: null, skipDefiner: false }, present).map((b) => [b.sourceDb, b.view.name])).toEqual([['src', 'v1']]);
    const r = absentDefiners({ targets, accounts: null, skipDefiner: false, invokerViews: new Set(['src\0v1']) }, present);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => w.name)).toEqual(['v1', 'p']);
    expect(invokerView('CREATE ALGORITHM=UNDEFINED DEFINER=`g`@`%` SQL SECURITY INVOKER VIEW `v1` AS select 1')).toBe(true);
    expect(invokerView("CREATE ALGORITHM=UNDEFINED DEFINER=`g`@`%` SQL SECURITY DEFINER VIEW `v1` AS select 'SQL SECURITY INVOKER'")).toBe(false);
    // a DEFINER holding the word view is read whole
    expect(invokerView('CREATE ALGORITHM=UNDEFINED DEFINER=`rvz_def`@`view.example.com` SQL SECURITY INVOKER VIEW `vi` AS select 1')).toBe(true);
    expect(invokerView("CREATE DEFINER='view'@'view' SQL SECURITY INVOKER VIEW vi AS select 1")).toBe(true);
    expect(invokerView('CREATE ALGORITHM=UNDEFINED DEFINER=`view`@`%` SQL SECURITY DEFINER VIEW `vi` AS select 1')).toBe(false);
  });

  it('nothing when the load creates the account, rewrites DEFINERs, or cannot read the accounts', () => {
    expect(absentDefiners({ targets, accounts: [{ user: 'nobody', host: '%' }], skipDefiner: false }, present)).toEqual({ problems: [], warnings: [] });
    expect(absentDefiners({ targets, accounts: null, skipDefiner: true }, present)).toEqual({ problems: [], warnings: [] });
    expect(absentDefiners({ targets, accounts: null, skipDefiner: false }, null)).toEqual({ problems: [], warnings: [] });
    expect(absentDefiners({ targets, accounts: null, skipDefiner: false }, new Map([[nobody, true]]))).toEqual({ problems: [], warnings: [] });
  });

  it('reads DEFINERs as the server prints them', () => {
    expect(parseDefiner('`a``b`@`%`')).toEqual({ user: 'a`b', host: '%' });
    expect(parseDefiner("'u'@'localhost'")).toEqual({ user: 'u', host: 'localhost' });
    expect(parseDefiner('u@10.0.0.1')).toEqual({ user: 'u', host: '10.0.0.1' });
    expect(parseDefiner('CURRENT_USER')).toBeNull();
  });
});
