import { describe, expect, it } from 'vitest';
import { createsFromSelect, INSERT_SELECT } from '../../src/format/dump-script-shapes.js';
import { insertQualifier } from '../../src/format/insert-verb.js';
import { ScriptPlanner, type ScriptPlan } from '../../src/format/script-plan.js';
import { SessionStateTracker } from '../../src/format/session-state-tracker.js';
import { SqlModeTracker } from '../../src/format/sql-mode-tracker.js';
import { splitStatements } from '../../src/format/sql-splitter.js';

function plan(text: string): ScriptPlan {
  const p = new ScriptPlanner({ limits: { statements: 2, bytes: 1 << 20 }, footer: false });
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += 7) p.push(b.subarray(i, i + 7));
  return p.finish();
}

/** The qualifier insertQualifier finds, as text. */
function qualifier(sql: string): string | null {
  const b = Buffer.from(sql, 'latin1');
  const q = insertQualifier(b, 0, b.length);
  return q === null ? null : sql.slice(q.from, q.to);
}

describe('the database an INSERT names', () => {
  it('is found quoted or bare, with blanks around the dot, after any verb', () => {
    expect(qualifier('INSERT INTO `shop`.`t` VALUES (1)')).toBe('`shop`');
    expect(qualifier('INSERT INTO `a``b`.`t` VALUES (1)')).toBe('`a``b`');
    expect(qualifier('insert ignore into shop . t (a) VALUES (1)')).toBe('shop');
    expect(qualifier('REPLACE shop.t VALUES (1)')).toBe('shop');
    expect(qualifier('INSERT INTO `t` VALUES (1)')).toBeNull();
    expect(qualifier('INSERT INTO t VALUES (1.5)')).toBeNull();
  });

  const TABLE = 'CREATE TABLE t (id int primary key);\n';

  it("of a one-database file is the header comment's database, else the first one named; another one is refused with its line", () => {
    expect(plan(`-- Host: h    Database: shop\n${TABLE}INSERT INTO \`shop\`.\`t\` VALUES (1);\n`).outOfOrder).toBeNull();
    expect(plan(`${TABLE}INSERT INTO a.t VALUES (1);\nINSERT INTO t VALUES (2);\nINSERT INTO a.t VALUES (3);\n`).outOfOrder).toBeNull();
    expect(plan(`-- Host: h    Database: shop\n${TABLE}INSERT INTO \`other\`.\`t\` VALUES (1);\n`).outOfOrder?.line).toBe(3);
    expect(plan(`${TABLE}INSERT INTO a.t VALUES (1);\nINSERT INTO b.t VALUES (3);\n`).outOfOrder?.message).toContain('the INSERT at line 3 names database b');
  });

  it('of a file with USE is the database the table is in', () => {
    expect(plan(`USE shop;\n${TABLE}INSERT INTO shop.t VALUES (1);\n`).outOfOrder).toBeNull();
    expect(plan(`USE shop;\n${TABLE}INSERT INTO other.t VALUES (1);\n`).outOfOrder?.message).toContain('other is not a database the file creates');
    expect(plan(`USE a;\n${TABLE}USE b;\n${TABLE}INSERT INTO a.t VALUES (1);\n`).outOfOrder).toBeNull();
  });
});

describe('CREATE TABLE … SELECT', () => {
  it('is told by a SELECT outside strings, quoted names and comments', () => {
    expect(createsFromSelect('CREATE TABLE b AS SELECT * FROM a')).toBe(true);
    expect(createsFromSelect('CREATE TABLE c SELECT id FROM a WHERE id>1')).toBe(true);
    expect(createsFromSelect('CREATE TABLE c (id int primary key) ENGINE=InnoDB IGNORE (select id from a)')).toBe(true);
    expect(createsFromSelect('/*!40101 CREATE TABLE c AS WITH x AS (SELECT 1) SELECT * FROM x */')).toBe(true);
    expect(createsFromSelect("CREATE TABLE t (`select` int COMMENT 'select it', s varchar(9) DEFAULT 'SELECT') /* select */")).toBe(false);
    expect(createsFromSelect('CREATE TABLE t LIKE a')).toBe(false);
    // under NO_BACKSLASH_ESCAPES a backslash ends nothing: 'C:\' is a whole string
    const nbe = "CREATE TABLE t (a int COMMENT 'C:\\', b int COMMENT 'select one')";
    expect(createsFromSelect(nbe, true)).toBe(false);
    expect(createsFromSelect("CREATE TABLE t (a text COMMENT 'line\\\nselect')")).toBe(false);
  });

  it('is refused with its line: the load creates tables before any rows', () => {
    const p = plan('CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCREATE TABLE b AS SELECT * FROM a;\n');
    expect(p.outOfOrder?.line).toBe(3);
    expect(p.outOfOrder?.message).toContain('the CREATE TABLE b … SELECT at line 3');
  });
});

describe('INSERT … SELECT', () => {
  it('is told from INSERT … VALUES, backquoted names holding anything but a backtick', () => {
    for (const yes of ['INSERT INTO t SELECT 1', 'INSERT INTO t (a,b) SELECT 1,2', 'INSERT INTO `t` (`a(`, `b)`) SELECT 1', 'INSERT INTO t (a) (SELECT 1)', 'REPLACE INTO t SELECT * FROM u', 'INSERT INTO t (`a``b`) SELECT 1']) {
      expect(INSERT_SELECT.test(yes), yes).toBe(true);
    }
    for (const no of ['INSERT INTO `t` (`a`,`select`) VALUES (1,2)', 'INSERT INTO t VALUES (1)', "INSERT INTO t (a) VALUES ('SELECT')"]) expect(INSERT_SELECT.test(no), no).toBe(false);
  });

  it('decides a head with a string of backticks after VALUES (each was a way to split the column list: the test never ended)', () => {
    const head = `INSERT INTO \`t1\` (\`c0\`,\`c1\`,\`c2\`) VALUES ("${'`x'.repeat(240)}`.slice(0, 512);
    expect(INSERT_SELECT.test(head)).toBe(false);
    expect(plan(`CREATE TABLE t1 (c0 text, c1 int, c2 int);\n${head}", 1, 2);\n`).outOfOrder ?? null).toBeNull();
  });
});

describe('SET sql_mode, as both trackers read it', () => {
  it('takes a double-quoted value (phpMyAdmin), a bare word and DEFAULT (the initial mode); an expression leaves the mode', () => {
    const m = new SqlModeTracker('STRICT_TRANS_TABLES');
    const s = new SessionStateTracker();
    const both = (head: string): [boolean, string] => {
      m.observe(head);
      s.observe(head);
      return [m.noBackslashEscapes, s.state.sql_mode];
    };
    expect(both('SET SQL_MODE = "NO_BACKSLASH_ESCAPES"')).toEqual([true, 'NO_BACKSLASH_ESCAPES']);
    expect(both('SET sql_mode = DEFAULT')).toEqual([false, '(the server default)']);
    expect(m.sqlMode).toBe('STRICT_TRANS_TABLES');
    expect(both('SET SESSION sql_mode = NO_BACKSLASH_ESCAPES')).toEqual([true, 'no_backslash_escapes']);
    expect(both("SET sql_mode = CONCAT(@@sql_mode, ',ANSI')")).toEqual([true, 'no_backslash_escapes']);
    expect(both("SET @x = 'a=b', sql_mode = ''")).toEqual([false, '']);
  });

  it("splits a phpMyAdmin file's strings under its double-quoted NO_BACKSLASH_ESCAPES", async () => {
    const text = 'SET SQL_MODE = "NO_BACKSLASH_ESCAPES";\nINSERT INTO t VALUES (1,\'a\\\'),(2,\'b;c\\\');\nSELECT 1;\n';
    const out: string[] = [];
    for await (const st of splitStatements([Buffer.from(text)])) out.push(st.head);
    expect(out).toEqual(['SET SQL_MODE = "NO_BACKSLASH_ESCAPES"', "INSERT INTO t VALUES (1,'a\\'),(2,'b;c\\')", 'SELECT 1']);
  });
});

describe('the compression of a file, by its first bytes', () => {
  it('tells the formats tsload reads from those it does not, and plain text from both', async () => {
    const { compressionByMagic } = await import('../../src/format/compression.js');
    const { gzipSync } = await import('node:zlib');
    expect(compressionByMagic(gzipSync('x'))).toBe('gzip');
    expect(compressionByMagic(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]))).toBe('xz');
    expect(compressionByMagic(Buffer.from('BZh91AY&SY'))).toBe('bzip2');
    expect(compressionByMagic(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    // pzstd's output starts with a skippable frame (here of 4 bytes), the zstd frame after it
    const skippable = [0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 0x17, 0, 0, 0];
    expect(compressionByMagic(Buffer.from(skippable.slice(0, 8)))).toBe('zstd');
    expect(compressionByMagic(Buffer.from([...skippable, 0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(compressionByMagic(Buffer.from([...skippable, 0x04, 0x22, 0x4d, 0x18]))).toBe('lz4');
    expect(compressionByMagic(Buffer.from('-- MySQL dump'))).toBeNull();
    expect(compressionByMagic(Buffer.alloc(0))).toBeNull();
  });
});

describe('whether a script header leaves FOREIGN_KEY_CHECKS on', () => {
  it('reads 0/1, ON/OFF, TRUE/FALSE and DEFAULT (the server default, on), the last one winning', async () => {
    const { checksForeignKeys } = await import('../../src/load/import-objects.js');
    expect(checksForeignKeys([])).toBe(true);
    expect(checksForeignKeys(['/*!40014 SET FOREIGN_KEY_CHECKS=0 */'])).toBe(false);
    expect(checksForeignKeys(['SET foreign_key_checks = FALSE'])).toBe(false);
    expect(checksForeignKeys(['SET FOREIGN_KEY_CHECKS = OFF', 'SET FOREIGN_KEY_CHECKS = DEFAULT'])).toBe(true);
    expect(checksForeignKeys(['SET FOREIGN_KEY_CHECKS = 0', 'SET FOREIGN_KEY_CHECKS = TRUE'])).toBe(true);
  });
});
