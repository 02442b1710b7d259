/**
 * The table filters' syntax (src/cli/filter-options.ts): db.table, names in backticks when they hold
 * '.', ',' or ':' (a backtick doubled), and the refusals. No server.
 */
import { describe, expect, it } from 'vitest';
import { indexOutsideQuotes, parseTableList, parseTableRef } from '../../src/cli/filter-options.js';

describe('table filter syntax', () => {
  it('plain db.table: the database up to the first dot', () => {
    expect(parseTableRef('shop.orders', '-T')).toEqual({ database: 'shop', table: 'orders' });
    expect(parseTableRef('shop.a.b', '-T')).toEqual({ database: 'shop', table: 'a.b' });
  });

  it('names in backticks hold dots, commas, colons and doubled backticks', () => {
    expect(parseTableRef('`my.db`.t', '-T')).toEqual({ database: 'my.db', table: 't' });
    expect(parseTableRef('`my.db`.`a``b`', '-T')).toEqual({ database: 'my.db', table: 'a`b' });
    expect(parseTableList(['`d`.`c,d`,e.f', 'g.h'], '-T')).toEqual([
      { database: 'd', table: 'c,d' },
      { database: 'e', table: 'f' },
      { database: 'g', table: 'h' },
    ]);
    expect(indexOutsideQuotes('`a:b`.t:x = 1', ':')).toBe(7);
  });

  it('refuses what is not db.table, saying how to quote', () => {
    for (const bad of ['orders', '.t', 'db.', '`my.db`', '`my.db`t', '`open.t', 'db.`t`x']) {
      expect(() => parseTableRef(bad, '-T'), bad).toThrow(`-T: '${bad}' is not db.table`);
    }
    const refusal = ((): unknown => {
      try {
        return parseTableRef('x', '--ignore-table');
      } catch (e) {
        return e;
      }
    })();
    expect((refusal as { suggestion?: string }).suggestion).toMatch(/quote a name holding '\.', ',' or ':' in backticks/);
  });
});
