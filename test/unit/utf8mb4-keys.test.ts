import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../src/core/table-shape.js';
import { utf8mb4KeyProblems, type KeyedTable } from '../../src/load/utf8mb4-keys.js';
import { utf8mb4CollationProblems } from '../../src/load/utf8mb4-collations.js';

const col = (name: string, columnType: string, charset: string | null): ColumnSpec =>
  ({ name, dataType: columnType.replace(/\(.*$/, ''), columnType, charset, nullable: true, generated: false, invisible: false, dumped: true, codec: 'text' }) as unknown as ColumnSpec;

const table = (create: string, columns: ColumnSpec[], engine: string | null = 'InnoDB'): KeyedTable => ({ database: 'd', sourceDatabase: 's', table: 't', create, columns, engine });
const limits = { defaultRowFormat: 'dynamic', charsetWidths: new Map([['latin1', 1], ['utf8mb4', 4]]) };
const names = (t: KeyedTable, l = limits): string[] => utf8mb4KeyProblems([t], l).map((p) => p.message.replace(/^.*?index (\S+) .*$/, '$1'));

describe('utf8mb4KeyProblems', () => {
  const cols = [col('id', 'int(11)', null), col('s', 'varchar(769)', 'utf8mb3'), col('l', 'varchar(3000)', 'latin1'), col('n', 'bigint(20)', null), col('v', 'varchar(200)', 'utf8mb3')];
  it('judges a converted key column against 3072, or 767 under COMPACT (explicit or the target default)', () => {
    const create = 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `s` varchar(769),\n  `v` varchar(200),\n  PRIMARY KEY (`id`),\n  KEY `a` (`s`),\n  KEY `b` (`s`(768)),\n  KEY `c` (`v`)\n) ENGINE=InnoDB';
    expect(names(table(create, cols))).toEqual(['a']);
    expect(names(table(create.replace('ENGINE=InnoDB', 'ENGINE=InnoDB ROW_FORMAT=COMPACT'), cols))).toEqual(['a', 'b', 'c']);
    expect(names(table(create, cols), { ...limits, defaultRowFormat: 'redundant' })).toEqual(['a', 'b', 'c']);
    expect(names(table(create.replace('ENGINE=InnoDB', 'ENGINE=InnoDB ROW_FORMAT=DYNAMIC'), cols), { ...limits, defaultRowFormat: 'compact' })).toEqual(['a']);
  });
  it('adds the other parts to the key, judges only keys with a converted column, skips hash and fulltext keys and other engines', () => {
    const create = 'CREATE TABLE `t` (\n  `s` varchar(769),\n  KEY `total` (`s`(767),`n`),\n  KEY `fits` (`s`(766),`n`),\n  KEY `latin` (`l`),\n  UNIQUE KEY `h` (`s`) USING HASH,\n  FULLTEXT KEY `f` (`s`)\n) ENGINE=InnoDB';
    expect(names(table(create, cols))).toEqual(['total']);
    expect(names(table(create, cols, 'MyISAM'))).toEqual([]);
  });
});

describe('utf8mb4CollationProblems', () => {
  it('names the column whose collation has no utf8mb4 counterpart on the target', () => {
    const text = "CREATE TABLE `t` (\n  `a` varchar(10) COLLATE utf8mb3_general_mysql500_ci COMMENT 'utf8_bogus_ci',\n  `b` varchar(10) COLLATE utf8mb3_bin\n) DEFAULT CHARSET=utf8mb3";
    const problems = utf8mb4CollationProblems([{ database: 'd', table: 't', text }], new Set(['utf8mb4_bin', 'utf8mb4_general_ci']));
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^--convert-utf8mb4: column a of d\.t is collated utf8mb3_general_mysql500_ci/)]);
    expect(utf8mb4CollationProblems([{ database: 'd', table: 't', text }], new Set())).toEqual([]);
  });
});
