import { describe, expect, it } from 'vitest';
import { DUPLICATE_VERBS, insertVerbLength } from '../../src/format/insert-verb.js';

/** The statement with its verb swapped as the import does it (the length found, then the new verb). */
function swapped(sql: string, mode: keyof typeof DUPLICATE_VERBS): string | null {
  const b = Buffer.from(sql, 'latin1');
  const n = insertVerbLength(b, 0, b.length);
  return n === 0 ? null : DUPLICATE_VERBS[mode].toString('latin1') + sql.slice(n);
}

describe('the verb of an INSERT statement (--on-duplicate on imports)', () => {
  it('swaps every verb mysqldump, mariadb-dump and mydumper write', () => {
    expect(swapped('INSERT INTO `t` VALUES (1),(2)', 'ignore')).toBe('INSERT IGNORE INTO `t` VALUES (1),(2)');
    expect(swapped('INSERT INTO `t` VALUES (1),(2)', 'replace')).toBe('REPLACE INTO `t` VALUES (1),(2)');
    expect(swapped('INSERT IGNORE INTO `t` VALUES (1)', 'replace')).toBe('REPLACE INTO `t` VALUES (1)');
    expect(swapped('INSERT  IGNORE  INTO `t` VALUES (1)', 'ignore')).toBe('INSERT IGNORE INTO `t` VALUES (1)');
    expect(swapped('REPLACE INTO `t` VALUES (1)', 'ignore')).toBe('INSERT IGNORE INTO `t` VALUES (1)');
    expect(swapped('insert into t (`a`, `b`) VALUES (1,2)', 'ignore')).toBe('INSERT IGNORE INTO t (`a`, `b`) VALUES (1,2)');
    expect(swapped('INSERT DELAYED IGNORE INTO `t` VALUES (1)', 'replace')).toBe('REPLACE INTO `t` VALUES (1)');
    expect(swapped('INSERT `t` VALUES (1)', 'ignore')).toBe('INSERT IGNORE INTO `t` VALUES (1)');
    expect(swapped('INSERT\nINTO\t`db`.`t` VALUES (1)', 'replace')).toBe('REPLACE INTO `db`.`t` VALUES (1)');
    expect(swapped('INSERT INTO _t VALUES (1)', 'replace')).toBe('REPLACE INTO _t VALUES (1)');
  });

  it('finds no verb it could swap safely', () => {
    for (const sql of ['INSERT /*!40000 IGNORE */ INTO `t` VALUES (1)', 'INSERTINTO `t`', 'SELECT 1', 'INSERT INTO', '/*!40000 INSERT INTO `t` VALUES (1) */', 'INSERT INTO (1)']) {
      expect(swapped(sql, 'ignore'), sql).toBeNull();
    }
  });

  it('reads only the range it is given', () => {
    const b = Buffer.from('xxINSERT INTO `t` VALUES (1)', 'latin1');
    expect(insertVerbLength(b, 2, b.length)).toBe('INSERT INTO '.length);
    expect(insertVerbLength(b, 2, 8)).toBe(0);
  });
});
