/**
 * When tsload says that InnoDB's AUTO-INC lock will make a table's chunks load one at a time
 * (src/load/autoinc-hint.ts): pure, from the lock mode, the dump's format, the threads and the tables.
 */
import { describe, expect, it } from 'vitest';
import type { ChunkEntry, DatabaseEntry, TableEntry } from '../../src/format/manifest.js';
import { autoincLockHint, type AutoincHintInput } from '../../src/load/autoinc-hint.js';

const file = { path: 'f', bytes: 1, sha256: '0'.repeat(64) };

function chunk(index: number): ChunkEntry {
  return { index, path: `d/t.${index}.csv`, bytes: 100, sha256: '0'.repeat(64), rows: 10, lower: null, upper: null };
}

function table(name: string, chunks: number, autoIncrement: number | null): TableEntry {
  const cs = Array.from({ length: chunks }, (_, i) => chunk(i + 1));
  return { name, engine: 'InnoDB', schema: file, columns: [], key: { kind: 'primary', index: 'PRIMARY', columns: [] }, rows: 10 * chunks, bytes: 100 * chunks, autoIncrement, chunks: cs };
}

function input(over: Partial<AutoincHintInput>, tables: TableEntry[]): AutoincHintInput {
  const source: DatabaseEntry = { name: 'src', charset: 'utf8mb4', collation: 'utf8mb4_general_ci', schema: file, tables, objects: [] };
  return { lockMode: 1, format: 'csv', threads: 2, targets: [{ name: 'dst', source }], method: () => 'load-data', ...over };
}

describe('autoincLockHint', () => {
  const tables = [table('small', 3, 7), table('big', 5, 9001), table('plain', 9, null), table('one', 1, 5)];

  it('names the AUTO_INCREMENT tables of several chunks, largest first, under lock mode 1 with CSV and several sessions', () => {
    const hint = autoincLockHint(input({}, tables));
    expect(hint).toContain('innodb_autoinc_lock_mode=1: `dst`.`big`, `dst`.`small` have an AUTO_INCREMENT column');
    expect(hint).toContain('innodb_autoinc_lock_mode=2');
    expect(hint).not.toContain('plain');
    expect(hint).not.toContain('`one`');
  });

  it('says nothing where no session waits: lock mode 2, one session, no such table, or SQL data under mode 1', () => {
    expect(autoincLockHint(input({ lockMode: 2 }, tables))).toBeNull();
    expect(autoincLockHint(input({ lockMode: null }, tables))).toBeNull();
    expect(autoincLockHint(input({ threads: 1 }, tables))).toBeNull();
    expect(autoincLockHint(input({}, [table('plain', 9, null), table('one', 1, 5)]))).toBeNull();
    expect(autoincLockHint(input({ format: 'sql' }, tables))).toBeNull();
  });

  it("names only tables that load into InnoDB: not a MyISAM or Aria one, nor any under --engine MyISAM", () => {
    const myisam = { ...table('mine', 4, 3), engine: 'MyISAM' };
    expect(autoincLockHint(input({}, [myisam]))).toBeNull();
    expect(autoincLockHint(input({ engine: 'MyISAM' }, tables))).toBeNull();
    expect(autoincLockHint(input({ engine: 'InnoDB' }, [myisam]))).toContain('`dst`.`mine`');
  });

  it('under lock mode 0 every INSERT waits too: SQL data is named', () => {
    expect(autoincLockHint(input({ lockMode: 0, format: 'sql' }, tables))).toContain('each INSERT holds');
  });

  it("says nothing of a table whose rows go by MariaDB's bulk INSERT under mode 1 (it takes only the AUTO-INC mutex), but does under mode 0", () => {
    const bulkBig = (t: TableEntry): 'bulk' | 'load-data' => (t.name === 'big' ? 'bulk' : 'load-data');
    const hint = autoincLockHint(input({ method: bulkBig }, tables));
    expect(hint).toContain('`dst`.`small` has an AUTO_INCREMENT column');
    expect(hint).not.toContain('big');
    expect(autoincLockHint(input({ method: () => 'bulk' }, tables))).toBeNull();
    expect(autoincLockHint(input({ lockMode: 0, method: () => 'bulk' }, tables))).toContain('`dst`.`big`');
  });
});
