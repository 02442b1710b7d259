import { describe, expect, it } from 'vitest';
import { viewReferenceCandidates } from '../../src/db/view-references.js';
import { parseVersion } from '../../src/db/flavor.js';

describe('viewReferenceCandidates (a view body as the server stores it)', () => {
  it('finds qualified tables, views and functions; column chains count once, by their table', () => {
    // as MariaDB 10.11 stores `SELECT t.x, a.f(y) FROM a.t JOIN b.u ON t.x = u.x`
    const body = 'select `a`.`t`.`x` AS `x`,`a`.`f`(`a`.`t`.`y`) AS `a.f(y)` from (`a`.`t` join `b`.`u` on(`a`.`t`.`x` = `b`.`u`.`x`))';
    expect(viewReferenceCandidates(body)).toEqual([
      { kind: 'table', database: 'a', name: 't' },
      { kind: 'function', database: 'a', name: 'f' },
      { kind: 'table', database: 'b', name: 'u' },
    ]);
  });

  it('skips string literals (with \\\' and \'\' escapes), comments and double-quoted strings', () => {
    const body = "select 'it\\'s `a`.`t`' AS `s`, 'x''`a`.`u`' AS `q`, \"`a`.`w`\" /* `a`.`c` */ from `a`.`real`";
    expect(viewReferenceCandidates(body)).toEqual([{ kind: 'table', database: 'a', name: 'real' }]);
  });

  it('keeps escaped backticks and dots inside names', () => {
    expect(viewReferenceCandidates('select 1 from `we``ird`.`a.b`')).toEqual([{ kind: 'table', database: 'we`ird', name: 'a.b' }]);
  });

  it('reports alias.column pairs as candidates (the catalog drops those that name nothing)', () => {
    expect(viewReferenceCandidates('select `tt`.`x` AS `x` from `a`.`t` `tt`')).toEqual([
      { kind: 'table', database: 'tt', name: 'x' },
      { kind: 'table', database: 'a', name: 't' },
    ]);
  });

  it('VIEW_TABLE_USAGE is used where it exists: MySQL 8.0.13+ only', () => {
    expect(parseVersion('8.0.13').hasViewUsage).toBe(true);
    expect(parseVersion('8.0.12').hasViewUsage).toBe(false);
    expect(parseVersion('10.11.19-MariaDB').hasViewUsage).toBe(false);
  });
});
