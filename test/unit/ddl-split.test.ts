import { describe, expect, it } from 'vitest';
import { alterStatements, commentForSqlMode, deferredDefinitions, deferredKey, definitionSignature, convertUtf8mb4, convertUtf8mb4Table, dependencyOrder, isSequenceTable, renameDatabases, rewriteEngine, splitCreateTable, splitSequenceFile, stripDefiner } from '../../src/load/ddl.js';
import { createTableCounter } from '../../src/format/create-table.js';

const T = `CREATE TABLE \`t\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`a\` varchar(10) DEFAULT 'x, KEY (y)',
  \`p\` int(11) DEFAULT NULL,
  \`doc\` text,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`u_a\` (\`a\`),
  KEY \`k_p\` (\`p\`),
  FULLTEXT KEY \`ft\` (\`doc\`),
  CONSTRAINT \`fk_p\` FOREIGN KEY (\`p\`) REFERENCES \`other\`.\`parent\` (\`id\`),
  CONSTRAINT \`chk\` CHECK (\`p\` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci`;

describe('splitCreateTable', () => {
  it('keeps the primary key and checks, defers secondary indexes and foreign keys', () => {
    const s = splitCreateTable(T, true);
    expect(s.create).toContain('PRIMARY KEY (`id`)');
    expect(s.create).toContain('CONSTRAINT `chk` CHECK');
    expect(s.create).toContain("DEFAULT 'x, KEY (y)'");
    expect(s.create).not.toMatch(/UNIQUE KEY|KEY `k_p`|FULLTEXT|FOREIGN KEY/);
    expect(s.create).toMatch(/\) ENGINE=InnoDB/);
    expect(s.indexes.map((i) => i.name)).toEqual(['u_a', 'k_p', 'ft']);
    expect(s.foreignKeys.map((i) => i.name)).toEqual(['fk_p']);
    expect(alterStatements('`d`.`t`', s.indexes)).toEqual([
      'ALTER TABLE `d`.`t` ADD UNIQUE KEY `u_a` (`a`), ADD KEY `k_p` (`p`)',
      'ALTER TABLE `d`.`t` ADD FULLTEXT KEY `ft` (`doc`)',
    ]);
  });

  it('keeps the index an AUTO_INCREMENT column needs when it is not the primary key', () => {
    const s = splitCreateTable('CREATE TABLE `t` (\n  `a` int NOT NULL,\n  `n` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`a`),\n  KEY `k_n` (`n`),\n  KEY `k_a` (`a`)\n) ENGINE=InnoDB', true);
    expect(s.create).toContain('KEY `k_n` (`n`)');
    expect(s.indexes.map((i) => i.name)).toEqual(['k_a']);
  });

  it('keeps every index listed before that one, so the server keeps their order', () => {
    const s = splitCreateTable('CREATE TABLE `t` (\n  `k` int NOT NULL,\n  `id` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`k`),\n  UNIQUE KEY `u` (`k`),\n  KEY `k2` (`k`),\n  KEY `id` (`id`),\n  KEY `k3` (`k`),\n  FULLTEXT KEY `f` (`k`)\n) ENGINE=InnoDB', true);
    expect(s.create).toMatch(/UNIQUE KEY `u` \(`k`\),\n  KEY `k2` \(`k`\),\n  KEY `id` \(`id`\)\n\)/);
    expect(s.indexes.map((i) => i.name)).toEqual(['k3', 'f']);
  });

  it('keeps the UNIQUE keys of a table without a primary key partitioned by KEY () (its partitioning key)', () => {
    const t = (tail: string): string => `CREATE TABLE \`t\` (\n  \`u\` int NOT NULL,\n  \`v\` int DEFAULT NULL,\n  UNIQUE KEY \`uq\` (\`u\`),\n  KEY \`kv\` (\`v\`)\n) ENGINE=InnoDB${tail}`;
    // MariaDB's form, and MySQL's (the ALGORITHM in a version comment of its own)
    for (const tail of ['\n PARTITION BY KEY ()\nPARTITIONS 3', '\n/*!50100 PARTITION BY LINEAR KEY ()\nPARTITIONS 2 */', '\n/*!50100 PARTITION BY KEY */ /*!50611 ALGORITHM = 1 */ /*!50100 ()\nPARTITIONS 3 */']) {
      const s = splitCreateTable(t(tail), true);
      expect(s.create, tail).toContain('UNIQUE KEY `uq` (`u`)');
      expect(s.indexes.map((i) => i.name)).toEqual(['kv']);
    }
    // partitioned by named columns, or by KEY () over a primary key: the UNIQUE key is deferred as usual
    expect(splitCreateTable(t('\n PARTITION BY KEY (`u`)\nPARTITIONS 3'), true).indexes.map((i) => i.name)).toEqual(['uq', 'kv']);
    expect(splitCreateTable(t(' PARTITION BY HASH (`u`)'), true).indexes.map((i) => i.name)).toEqual(['uq', 'kv']);
    expect(splitCreateTable(t(" COMMENT='PARTITION BY KEY ()'"), true).indexes.map((i) => i.name)).toEqual(['uq', 'kv']);
  });

  it('leaves everything in place without deferral', () => {
    expect(splitCreateTable(T, false).create).toBe(T);
  });
});

describe('deferred definitions', () => {
  it('compares an index by kind, name and columns, not its options or spacing; a foreign key whole', () => {
    expect(definitionSignature('ADD UNIQUE KEY `u` (`a`, `b`(10)) USING BTREE')).toBe(definitionSignature('UNIQUE KEY `u` (`a`,`b`(10))'));
    expect(definitionSignature('ADD KEY `u` (`a`,`b`(10))')).not.toBe(definitionSignature('UNIQUE KEY `u` (`a`,`b`(10))'));
    expect(definitionSignature('ADD KEY `k` (`a`)')).not.toBe(definitionSignature('KEY `k` (`b`)'));
    const have = deferredDefinitions(T);
    expect([...have.keys()]).toEqual(['index u_a', 'index k_p', 'index ft', 'foreign key fk_p']);
    expect(have.get('foreign key fk_p')).toBe(definitionSignature('ADD CONSTRAINT `fk_p` FOREIGN KEY (`p`)  REFERENCES `other`.`parent` (`id`)'));
    // InnoDB names a foreign key's index after the constraint: the index there is not the foreign key
    const shared = deferredDefinitions('CREATE TABLE `s` (\n  `id` int NOT NULL,\n  `m` int,\n  PRIMARY KEY (`id`),\n  KEY `fk_m` (`m`)\n) ENGINE=InnoDB');
    expect(shared.has(deferredKey('ADD CONSTRAINT `fk_m` FOREIGN KEY (`m`) REFERENCES `s` (`id`)')!)).toBe(false);
    expect(shared.has(deferredKey('ADD KEY `fk_m` (`m`)')!)).toBe(true);
  });
});

describe('transforms', () => {
  it('renames qualified references outside strings only', () => {
    const sql = "CREATE VIEW `v` AS select `src`.`t`.`a` AS `a`, '`src`.x' AS s from `src`.t join `srcx`.`u`";
    expect(renameDatabases(sql, new Map([['src', 'dst']]))).toBe("CREATE VIEW `v` AS select `dst`.`t`.`a` AS `a`, '`src`.x' AS s from `dst`.t join `srcx`.`u`");
    expect(renameDatabases('DEFAULT nextval(`src`.`seq`)', new Map([['src', 'dst']]))).toBe('DEFAULT nextval(`dst`.`seq`)');
  });

  it('renames the database qualifiers of a trigger, routine or event header, bare or quoted, not a bare one in the body', () => {
    const r = new Map([['src', 'dst']]);
    expect(renameDatabases('CREATE DEFINER=`root`@`localhost` TRIGGER src.trg BEFORE INSERT ON src.t2 FOR EACH ROW INSERT INTO src.log VALUES (NEW.id)', r)).toBe(
      'CREATE DEFINER=`root`@`localhost` TRIGGER `dst`.trg BEFORE INSERT ON `dst`.t2 FOR EACH ROW INSERT INTO src.log VALUES (NEW.id)',
    );
    expect(renameDatabases('/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER "src" . trg AFTER UPDATE ON `src`.`t2` FOR EACH ROW SET @x = `src`.f() */', r)).toBe(
      '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `dst` . trg AFTER UPDATE ON `dst`.`t2` FOR EACH ROW SET @x = `dst`.f() */',
    );
    expect(renameDatabases('CREATE TRIGGER trg BEFORE DELETE ON src.t2 FOR EACH ROW SET @x = 1', r)).toBe('CREATE TRIGGER trg BEFORE DELETE ON `dst`.t2 FOR EACH ROW SET @x = 1');
    expect(renameDatabases("CREATE DEFINER='a'@'%' PROCEDURE src.p() SELECT 1", r)).toBe("CREATE DEFINER='a'@'%' PROCEDURE `dst`.p() SELECT 1");
    expect(renameDatabases('CREATE OR REPLACE AGGREGATE FUNCTION IF NOT EXISTS src.f(x INT) RETURNS INT BEGIN RETURN 1; END', r)).toBe('CREATE OR REPLACE AGGREGATE FUNCTION IF NOT EXISTS `dst`.f(x INT) RETURNS INT BEGIN RETURN 1; END');
    expect(renameDatabases('CREATE EVENT src.e ON SCHEDULE EVERY 1 DAY DO DELETE FROM src.log', r)).toBe('CREATE EVENT `dst`.e ON SCHEDULE EVERY 1 DAY DO DELETE FROM src.log');
    // database names compare exactly (case-sensitive, as on Linux); another database is left alone
    expect(renameDatabases('CREATE TRIGGER SRC.trg BEFORE INSERT ON other.t FOR EACH ROW SET @x = 1', r)).toBe('CREATE TRIGGER SRC.trg BEFORE INSERT ON other.t FOR EACH ROW SET @x = 1');
  });

  it('strips DEFINER clauses', () => {
    expect(stripDefiner('CREATE DEFINER=`root`@`localhost` PROCEDURE `p`() SELECT 1')).toBe('CREATE PROCEDURE `p`() SELECT 1');
    expect(stripDefiner("CREATE ALGORITHM=UNDEFINED DEFINER=`a``b`@`%` SQL SECURITY DEFINER VIEW `v` AS select 1")).toBe('CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1');
    expect(stripDefiner('CREATE  \n\t DEFINER = CURRENT_USER() TRIGGER t')).toBe('CREATE TRIGGER t');
    expect(stripDefiner('CREATE/**/DEFINER=a@b EVENT e')).toBe('CREATE/**/ EVENT e');
  });

  // vitest's default timeout: a leading `\s*` retried from every blank of a long run is quadratic (~25 s here)
  it('a routine body with a long run of blanks', { timeout: 5_000 }, () => {
    const body = `CREATE PROCEDURE p() BEGIN${' '.repeat(160_000)}END`;
    expect(stripDefiner(body)).toBe(body);
    expect(commentForSqlMode(body, 'NO_BACKSLASH_ESCAPES')).toBe(body);
    expect(stripDefiner(`CREATE${' '.repeat(160_000)}DEFINER=a@b PROCEDURE p() BEGIN END`)).toBe('CREATE PROCEDURE p() BEGIN END');
  });

  it('converts utf8/utf8mb3 to utf8mb4 but not inside strings or utf8mb4 itself', () => {
    expect(convertUtf8mb4("`a` varchar(5) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin DEFAULT 'utf8', `b` text CHARACTER SET utf8 ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")).toBe(
      "`a` varchar(5) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'utf8', `b` text CHARACTER SET utf8mb4 ) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    );
  });

  it('names utf8mb4_general_ci where a table or database named utf8 without a collation (MySQL 5.6), nowhere else', () => {
    const t56 = "CREATE TABLE `t` (\n  `k` varchar(20) NOT NULL COMMENT 'CHARSET=utf8',\n  `l` varchar(20) CHARACTER SET utf8 DEFAULT NULL,\n  `m` varchar(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin,\n  `b` varchar(20) COLLATE utf8_bin\n) ENGINE=InnoDB DEFAULT CHARSET=utf8";
    expect(convertUtf8mb4Table(t56)).toBe(
      "CREATE TABLE `t` (\n  `k` varchar(20) NOT NULL COMMENT 'CHARSET=utf8',\n  `l` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci DEFAULT NULL,\n  `m` varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,\n  `b` varchar(20) COLLATE utf8mb4_bin\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci",
    );
    expect(convertUtf8mb4Table('DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci')).toBe('DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
    expect(convertUtf8mb4Table('DEFAULT CHARACTER SET utf8 ')).toBe('DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ');
    expect(convertUtf8mb4Table('DEFAULT CHARSET=latin1')).toBe('DEFAULT CHARSET=latin1');
    // a collation named anywhere in the clause is kept; expressions (generated columns, CHECK) are left as they are
    expect(convertUtf8mb4Table('DEFAULT CHARACTER SET utf8 DEFAULT COLLATE utf8_bin')).toBe('DEFAULT CHARACTER SET utf8mb4 DEFAULT COLLATE utf8mb4_bin');
    expect(convertUtf8mb4Table('CREATE TABLE t (\n  a varchar(5) CHARACTER SET utf8 NOT NULL COLLATE utf8_bin,\n  b varchar(5) CHARACTER SET utf8 BINARY,\n  g varchar(9) AS (cast(a as char(9) charset utf8)) VIRTUAL,\n  CONSTRAINT c CHECK (convert(b using utf8) <> cast(a as char charset utf8mb3))\n) DEFAULT CHARSET=utf8 ROW_FORMAT=DYNAMIC COLLATE=utf8_unicode_ci')).toBe(
      'CREATE TABLE t (\n  a varchar(5) CHARACTER SET utf8mb4 NOT NULL COLLATE utf8mb4_bin,\n  b varchar(5) CHARACTER SET utf8mb4 BINARY,\n  g varchar(9) AS (cast(a as char(9) charset utf8mb4)) VIRTUAL,\n  CONSTRAINT c CHECK (convert(b using utf8mb4) <> cast(a as char charset utf8mb4))\n) DEFAULT CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC COLLATE=utf8mb4_unicode_ci',
    );
    expect(convertUtf8mb4Table('CREATE TABLE t (\n  g varchar(9) CHARACTER SET utf8 AS (cast(a as char(9) charset utf8)) VIRTUAL\n)')).toBe(
      'CREATE TABLE t (\n  g varchar(9) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci AS (cast(a as char(9) charset utf8mb4)) VIRTUAL\n)',
    );
    // views and routines keep the plain rename (a COLLATE inside CAST(… AS CHAR CHARACTER SET …) is not everywhere valid)
    expect(convertUtf8mb4('SELECT CAST(x AS CHAR CHARACTER SET utf8)')).toBe('SELECT CAST(x AS CHAR CHARACTER SET utf8mb4)');
  });

  it('rewrites the engine in table options only', () => {
    expect(rewriteEngine("CREATE TABLE `t` (\n  `e` varchar(20) DEFAULT 'ENGINE=x'\n) ENGINE=InnoDB", 'MyISAM')).toBe("CREATE TABLE `t` (\n  `e` varchar(20) DEFAULT 'ENGINE=x'\n) ENGINE=MyISAM");
  });

  it('splits a sequence file and orders views by dependency', () => {
    expect(splitSequenceFile('CREATE SEQUENCE `s` start with 1;\nDO SETVAL(`d`.`s`, 5, 0)')).toEqual({ create: 'CREATE SEQUENCE `s` start with 1', state: 'DO SETVAL(`d`.`s`, 5, 0)' });
    const order = dependencyOrder([{ name: 'c', dependsOn: ['b'] }, { name: 'b', dependsOn: ['a'] }, { name: 'a' }]);
    expect(order.map((v) => v.name)).toEqual(['a', 'b', 'c']);
  });

  it('a CREATE TABLE with SEQUENCE=1 among its table options is a sequence', () => {
    expect(isSequenceTable('CREATE TABLE `s` (`next_not_cached_value` bigint(21) NOT NULL) ENGINE=InnoDB SEQUENCE=1')).toBe(true);
    expect(isSequenceTable('CREATE TABLE s (a int) sequence = 1 x')).toBe(true);
    expect(isSequenceTable('CREATE TABLE s (a int) SEQUENCE=1 (b)')).toBe(false);
    expect(isSequenceTable('CREATE TABLE s (a int) SEQUENCE=10')).toBe(false);
    expect(isSequenceTable('CREATE TABLE s (a SEQUENCE=1 int)')).toBe(false);
    // the same answers as the former `\)[^)]*\bSEQUENCE\s*=\s*1\b[^)]*$` on every short sequence of these words
    const former = /\)[^)]*\bSEQUENCE\s*=\s*1\b[^)]*$/i;
    const words = [')', '(', 'SEQUENCE=1', 'sequence', ' ', '= 1', 'x1'];
    let texts = [''];
    for (let n = 0; n < 4; n++) texts = [...texts, ...texts.flatMap((t) => words.map((w) => t + w))];
    expect(texts.filter((t) => isSequenceTable(t) !== former.test(t))).toEqual([]);
  });

  // vitest's default timeout: the former regex rescans the rest after each SEQUENCE=1 (~50 s here)
  it('a COMMENT repeating SEQUENCE=1 before a later parenthesis', { timeout: 5_000 }, () => {
    const create = `CREATE TABLE t (a int) COMMENT='${'SEQUENCE=1 '.repeat(80_000)}' PARTITION BY HASH (a)`;
    expect(isSequenceTable(create)).toBe(false);
    expect(isSequenceTable(`${create} SEQUENCE=1`)).toBe(true);
  });
});

describe('commentForSqlMode', () => {
  const mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';
  it('unescapes a one-line event COMMENT for a NO_BACKSLASH_ESCAPES object', () => {
    const ev = "CREATE EVENT `e` ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE COMMENT 'back\\\\slash ''q'' \\n' DO SELECT 'a\\b'";
    expect(commentForSqlMode(ev, mode)).toBe("CREATE EVENT `e` ON SCHEDULE AT '2030-01-01 00:00:00' ON COMPLETION NOT PRESERVE DISABLE COMMENT 'back\\slash ''q'' \n' DO SELECT 'a\\b'");
  });
  it('unescapes a routine COMMENT on its own line and leaves other modes alone', () => {
    const proc = "CREATE PROCEDURE `p`(IN comment INT)\n    COMMENT 'x\\\\y'\nBEGIN SELECT 1; END";
    expect(commentForSqlMode(proc, mode)).toBe("CREATE PROCEDURE `p`(IN comment INT)\n    COMMENT 'x\\y'\nBEGIN SELECT 1; END");
    expect(commentForSqlMode(proc, 'STRICT_TRANS_TABLES')).toBe(proc);
    expect(commentForSqlMode("CREATE EVENT e ON SCHEDULE EVERY 1 DAY \n\t COMMENT 'a\\'''b' DO SELECT 1", mode)).toBe("CREATE EVENT e ON SCHEDULE EVERY 1 DAY \n\t COMMENT 'a''''b' DO SELECT 1");
  });
});

describe('createTableCounter', () => {
  it('reads the AUTO_INCREMENT table option, not a comment or a column saying it, nor a partition', () => {
    const cols = "CREATE TABLE `a``b` (\n  `id` int NOT NULL AUTO_INCREMENT COMMENT 'AUTO_INCREMENT=7',\n  PRIMARY KEY (`id`)\n)";
    expect(createTableCounter(`${cols} ENGINE=InnoDB AUTO_INCREMENT=18446744073709551615 DEFAULT CHARSET=latin1`)).toBe('18446744073709551615');
    expect(createTableCounter(`${cols} ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT='AUTO_INCREMENT=9'`)).toBeNull();
    expect(createTableCounter(`${cols} ENGINE=InnoDB AUTO_INCREMENT = 12 COMMENT='x'\n PARTITION BY KEY () PARTITIONS 3`)).toBe('12');
    expect(createTableCounter(`${cols} ENGINE=InnoDB\n/*!50100 PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10) COMMENT = 'AUTO_INCREMENT=3' ENGINE = InnoDB) */`)).toBeNull();
    expect(createTableCounter('CREATE TABLE t (id int)')).toBeNull();
  });
});
