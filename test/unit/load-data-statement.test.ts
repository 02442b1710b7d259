import { describe, expect, it } from 'vitest';
import { loadDataText, parseLoadData } from '../../src/format/load-data-statement.js';

describe('the LOAD DATA statement of a mydumper chunk', () => {
  it('reads the statement of --format LOAD_DATA and writes the loader\'s own', () => {
    const r = parseLoadData("LOAD DATA LOCAL INFILE 'db.t.00000.dat' INTO TABLE `t` FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES STARTING BY '' TERMINATED BY '\\n' (`id`,`who`,`at_id`);");
    expect(r.problem).toBeNull();
    const s = r.spec!;
    expect(s).toMatchObject({ file: 'db.t.00000.dat', local: true, table: 't', characterSet: null, fieldsTerminatedBy: '\t', enclosedBy: '', escapedBy: '\\', linesStartingBy: '', linesTerminatedBy: '\n', ignoreLines: 0 });
    expect(s.columns).toEqual([{ kind: 'column', name: 'id' }, { kind: 'column', name: 'who' }, { kind: 'column', name: 'at_id' }]);
    expect(loadDataText(s, '`x`.`t`', 'tsload-1.dat', 'binary')).toBe("LOAD DATA LOCAL INFILE 'tsload-1.dat' INTO TABLE `x`.`t` CHARACTER SET binary FIELDS TERMINATED BY X'09' ENCLOSED BY '' ESCAPED BY X'5c' LINES STARTING BY '' TERMINATED BY X'0a' (`id`, `who`, `at_id`)");
  });

  it('reads CSV options, a header line, a character set and the SET clauses mydumper writes', () => {
    const r = parseLoadData("LOAD DATA LOCAL INFILE 'db.t.00000.dat.zst' REPLACE INTO TABLE `t` CHARACTER SET latin1 FIELDS TERMINATED BY ';' ENCLOSED BY '\"' ESCAPED BY '\\\\' LINES STARTING BY '>>' TERMINATED BY '\\r\\n' IGNORE 1 LINES (`a`,@b,@j) SET `b`=UNHEX(@b),`j`=CONVERT(@j USING UTF8MB4);");
    expect(r.problem).toBeNull();
    expect(r.spec).toMatchObject({ duplicates: 'replace', characterSet: 'latin1', fieldsTerminatedBy: ';', enclosedBy: '"', linesStartingBy: '>>', linesTerminatedBy: '\r\n', ignoreLines: 1 });
    expect(loadDataText(r.spec!, '`x`.`t`', 'f', 'binary')).toMatch(/^LOAD DATA LOCAL INFILE 'f' REPLACE INTO TABLE `x`.`t` CHARACTER SET latin1 .* IGNORE 1 LINES \(`a`, @`b`, @`j`\) SET `b` = UNHEX\(@`b`\), `j` = CONVERT\(@`j` USING UTF8MB4\)$/);
  });

  it('refuses what it cannot honour, saying what', () => {
    expect(parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` PARTITION (p0)").problem).toMatch(/PARTITION/);
    expect(parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` (`a`, @b) SET `a` = CONCAT(@b, 'x')").problem).toMatch(/expected UNHEX or CONVERT/);
    // mydumper 1.0 writes --fields-enclosed-by "'" unquoted: the statement does not parse
    expect(parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` FIELDS TERMINATED BY ';' ENCLOSED BY ''' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`a`)").problem).not.toBeNull();
    expect(parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` CHARACTER SET 'x; DROP'").problem).toMatch(/character set/);
  });
});
