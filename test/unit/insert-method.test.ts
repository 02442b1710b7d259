/**
 * Which way a table's CSV rows are sent (src/load/insert-method.ts): pure, from --insert-method and
 * what the target offers (bulk INSERT, local_infile, the AUTO-INC lock mode).
 */
import { describe, expect, it } from 'vitest';
import { csvMethodFor, needsLocalInfile, type InsertMethodFacts } from '../../src/load/insert-method.js';

const mariadb: InsertMethodFacts = { bulkOperations: true, localInfile: true, autoincLockMode: 1, statementBinlog: false };
const autoInc = { autoIncrement: 42 };
const plain = { autoIncrement: null };

describe('csvMethodFor', () => {
  it('auto: bulk INSERT for an AUTO_INCREMENT table under lock mode 1, LOAD DATA for the others', () => {
    expect(csvMethodFor('auto', mariadb, autoInc)).toBe('bulk');
    expect(csvMethodFor('auto', mariadb, plain)).toBe('load-data');
    expect(csvMethodFor('auto', { ...mariadb, autoincLockMode: 2 }, autoInc)).toBe('load-data');
    // mode 0 locks every INSERT too: bulk would not help
    expect(csvMethodFor('auto', { ...mariadb, autoincLockMode: 0 }, autoInc)).toBe('load-data');
  });

  it('auto: bulk INSERT everywhere when local_infile is OFF; LOAD DATA where the server has no bulk INSERT', () => {
    expect(csvMethodFor('auto', { ...mariadb, localInfile: false }, plain)).toBe('bulk');
    expect(csvMethodFor('auto', { ...mariadb, bulkOperations: false }, autoInc)).toBe('load-data');
  });

  it('auto: never bulk INSERT where the rows are logged as statements (MariaDB error 4033), whatever else says so', () => {
    expect(csvMethodFor('auto', { ...mariadb, statementBinlog: true }, autoInc)).toBe('load-data');
    expect(csvMethodFor('auto', { ...mariadb, statementBinlog: true, localInfile: false }, plain)).toBe('load-data');
    expect(needsLocalInfile('auto', { ...mariadb, statementBinlog: true })).toBe(true);
  });

  it('an explicit method is taken as it is', () => {
    expect(csvMethodFor('load-data', mariadb, autoInc)).toBe('load-data');
    expect(csvMethodFor('bulk', { ...mariadb, autoincLockMode: 2 }, plain)).toBe('bulk');
  });

  it('needsLocalInfile: only where some table would be sent by LOAD DATA', () => {
    expect(needsLocalInfile('auto', mariadb)).toBe(false);
    expect(needsLocalInfile('bulk', mariadb)).toBe(false);
    expect(needsLocalInfile('load-data', mariadb)).toBe(true);
    expect(needsLocalInfile('auto', { ...mariadb, bulkOperations: false })).toBe(true);
  });
});
