import { describe, expect, it } from 'vitest';
import { csvFields, dataLines, sqlRows } from '../../src/format/data-fields.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('data fields read back from data lines', () => {
  it('splits a CSV line at the commas outside quoted values, keeping values as written', () => {
    expect(csvFields(b('1,"a,b\\"c\\\\",\\N,,0a0b,"",7\n'))).toEqual(['1', '"a,b\\"c\\\\"', '\\N', '', '0a0b', '""', '7']);
    expect(csvFields(b('0'))).toEqual(['0']);
  });

  it('numbers the lines of a block from 1', () => {
    expect(dataLines(b('a\nb\nc')).map((l) => l.toString())).toEqual(['a\n', 'b\n', 'c']);
  });

  it('reads the rows of an INSERT line, whatever the identifiers and strings hold', () => {
    const line = b("INSERT INTO `t``(x` (`a`,`b),(`,`c`) VALUES (1,'x\\'),(y',NULL),(0,'',0x00ff);\n");
    expect(sqlRows(line)).toEqual([
      ['1', "'x\\'),(y'", 'NULL'],
      ['0', "''", '0x00ff'],
    ]);
    expect(sqlRows(b('SELECT 1'))).toBeNull();
  });
});
