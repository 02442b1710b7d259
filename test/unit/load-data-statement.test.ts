import { describe, expect, it } from 'vitest';
import { loadDataText, parseLoadData, textFormSpec } from '../../src/format/load-data-statement.js';

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

  it('reads UUID / INET6 / INET4 columns as text (CONVERT … USING latin1), hex or not', () => {
    const ddl = 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `u` uuid DEFAULT NULL,\n  `a``6` inet6 DEFAULT NULL,\n  `v` varchar(10) DEFAULT NULL\n)';
    const plain = parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` (`id`,`u`,`a``6`,`v`);").spec!;
    expect(loadDataText(textFormSpec(plain, ddl), '`x`.`t`', 'f', 'binary')).toMatch(/\(`id`, @`u`, @`a``6`, `v`\) SET `u` = CONVERT\(@`u` USING latin1\), `a``6` = CONVERT\(@`a``6` USING latin1\)$/);
    const hex = parseLoadData("LOAD DATA LOCAL INFILE 'f' INTO TABLE `t` (`id`,@u,`a``6`,@v) SET `u`=UNHEX(@u),`v`=UNHEX(@v);").spec!;
    expect(loadDataText(textFormSpec(hex, ddl), '`x`.`t`', 'f', 'binary')).toMatch(/SET `u` = CONVERT\(UNHEX\(@`u`\) USING latin1\), `v` = UNHEX\(@`v`\), `a``6` = CONVERT\(@`a``6` USING latin1\)$/);
    expect(textFormSpec(plain, 'CREATE TABLE `t` (`id` int)')).toBe(plain);
  });
});
