import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlSplitter, type SqlStatement } from '../../src/format/sql-splitter.js';

/** Splits `input` pushed in pieces cut at `cuts` (byte offsets), keeping every text. */
function split(input: Buffer | string, cuts: readonly number[] = []): SqlStatement[] {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const s = new SqlSplitter({ keep: () => true });
  const out: SqlStatement[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].filter((x) => x > 0 && x < buf.length).sort((a, b) => a - b)) {
    out.push(...s.push(buf.subarray(at, c)));
    at = c;
  }
  out.push(...s.push(buf.subarray(at)));
  out.push(...s.finish());
  return out;
}

const texts = (st: readonly SqlStatement[]): string[] => st.map((s) => s.text!.toString('utf8'));

describe('SqlSplitter', () => {
  it('splits on the delimiter outside quotes and comments', () => {
    const sql = "INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`);\n-- x; y\n# z;\n/* c; */ SELECT 1 ; SELECT 'it''s;', 'b\\';c';";
    expect(texts(split(sql))).toEqual(["INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`)", 'SELECT 1', "SELECT 'it''s;', 'b\\';c'"]);
  });

  it('skips a UTF-8 byte order mark at the start of the input only, at any cut', () => {
    const sql = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("/*!40101 SET NAMES utf8mb4 */;\nINSERT INTO t VALUES ('\u00ef\u00bb');\n", 'utf8')]);
    for (const cut of [0, 1, 2, 3, 4]) {
      const st = split(sql, [cut]);
      expect(texts(st)).toEqual(['/*!40101 SET NAMES utf8mb4 */', "INSERT INTO t VALUES ('\u00ef\u00bb')"]);
      expect(st[0]!.start).toBe(3);
      expect(st[0]!.bodyStart).toBe(3);
    }
    expect(texts(split(Buffer.concat([Buffer.from('SELECT 1;'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SELECT 2;')])))).toEqual(['SELECT 1', '\ufeffSELECT 2']);
  });

  it('reports offsets, lines and groups', () => {
    const sql = 'SET NAMES utf8mb4;\n\n-- note\nINSERT INTO `t` VALUES (1,(2)),(3);\n';
    const st = split(sql);
    expect(st.map((s) => [s.start, s.bodyStart, s.end, s.line, s.groups])).toEqual([
      [0, 0, 18, 1, 0],
      [18, 28, 63, 4, 2],
    ]);
    expect(sql.slice(st[1]!.bodyStart, st[1]!.end)).toBe('INSERT INTO `t` VALUES (1,(2)),(3);');
  });

  it('counts the row groups of an INSERT up to ON DUPLICATE KEY UPDATE, at any cut', () => {
    const sql = [
      'INSERT INTO o (id,v) VALUES (1,1),(2,2) ON DUPLICATE KEY UPDATE v=VALUES(v);',
      "INSERT INTO o VALUES (3,'on (x)'),(4,(4))\non\tduplicate key update v=(v+1), w=VALUES(w);",
      'INSERT INTO `on` (`on`, `o`) VALUES (5,5) /* ON (c) */;',
      'INSERT INTO o (nono) VALUES (6),(7);',
      'INSERT INTO o SET id=(8), v=9;',
    ].join('\n');
    const want = [[3, true], [2, true], [2, false], [3, false], [1, false]];
    for (let cut = 0; cut < sql.length; cut++) {
      expect(split(sql, [cut]).map((st) => [st.groups, st.onDuplicate]), `cut at ${cut}`).toEqual(want);
    }
  });

  it('treats conditional comments as SQL and the sandbox line as a comment', () => {
    const sql = '/*M!999999\\- enable the sandbox mode */ \n/*!40101 SET NAMES utf8mb4 */;\n/*!50001 CREATE VIEW v AS SELECT \';\' AS x */;';
    const st = split(sql);
    expect(texts(st)).toEqual(['/*!40101 SET NAMES utf8mb4 */', "/*!50001 CREATE VIEW v AS SELECT ';' AS x */"]);
    expect(st[0]!.line).toBe(2);
  });

  it('follows DELIMITER blocks', () => {
    const sql = 'DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; SET @b = 2; END */;;\nDELIMITER ;\nSELECT 2;';
    const st = split(sql);
    expect(texts(st)).toEqual(['/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; SET @b = 2; END */', 'SELECT 2']);
    expect(st.map((s) => s.delimiter)).toEqual([';;', ';']);
  });

  it('follows the script\'s sql_mode: under NO_BACKSLASH_ESCAPES a backslash ends nothing', () => {
    const sql = [
      "/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;",
      "/*!50003 SET sql_mode              = 'NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES' */ ;",
      'DELIMITER ;;',
      "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.n = CONCAT(NEW.n, '\\') */;;",
      'DELIMITER ;',
      '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
      "INSERT INTO x VALUES ('a\\';b');",
    ].join('\n');
    const st = split(sql);
    expect(st).toHaveLength(5);
    expect(st[2]!.text!.toString()).toContain("'\\') */");
    expect(st[4]!.text!.toString()).toBe("INSERT INTO x VALUES ('a\\';b')");
  });

  it('keeps binary strings, hex literals and escapes byte for byte', () => {
    const bin = Buffer.concat([Buffer.from("INSERT INTO b VALUES (_binary '"), Buffer.from([0x00, 0xff, 0x5c, 0x27, 0x3b, 0x80, 0x0a]), Buffer.from("', 0xDEAD3B, X'3B');SELECT 1;")]);
    const st = split(bin);
    expect(st).toHaveLength(2);
    expect(st[0]!.text!.equals(bin.subarray(0, bin.indexOf("');SELECT") + 2))).toBe(true);
  });

  it('returns an unterminated last statement and says what it ended in', () => {
    const s = new SqlSplitter({ keep: () => true });
    expect(s.push(Buffer.from("SELECT 1; INSERT INTO t VALUES ('abc"))).toHaveLength(1);
    const last = s.finish();
    expect(last).toHaveLength(1);
    expect(last[0]!.terminated).toBe(false);
    expect(s.open).toBe('string');
  });

  it('keeps only the head of statements it is told not to keep', () => {
    const s = new SqlSplitter({ keep: (h) => !h.startsWith('INSERT') });
    const big = `INSERT INTO t VALUES ${Array.from({ length: 2000 }, (_, i) => `(${i},'x')`).join(',')}`;
    const st = [...s.push(Buffer.from(`${big};CREATE TABLE x (a int);`)), ...s.finish()];
    expect(st[0]!.text).toBeNull();
    expect(st[0]!.groups).toBe(2000);
    expect(st[0]!.head.length).toBe(512);
    expect(st[1]!.text!.toString()).toBe('CREATE TABLE x (a int)');
  });

  // ---------------------------------------------------------------- property: join, cut anywhere, split back
  const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
  const anyText = fc.string({ unit: fc.constantFrom('a', ';', "'", '"', '`', '\\', '\n', '*', '/', '-', '#', ' ', 'é', '(', ')', '$') , maxLength: 12 });
  const single = anyText.map((t) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
  const double = anyText.map((t) => `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  const ident = anyText.map((t) => '`' + t.replace(/`/g, '``') + '`');
  const block = anyText.map((t) => `/* ${t.replace(/\*/g, 'x')} */`);
  const cond = fc.tuple(fc.constantFrom('/*!40101 ', '/*!50003 ', '/*M!100100 ', '/*!'), fc.array(fc.oneof(word, single, ident), { maxLength: 3 })).map(([o, ws]) => `${o}${ws.join(' ')} */`);
  const token = fc.oneof(word, single, double, ident, block, cond, fc.constantFrom('(', ')', ',', '0xAB', '1.5e3', '-1', '@a', '='));
  const statement = fc.array(token, { minLength: 1, maxLength: 8 }).map((ts) => `${ts.join(' ')}`).filter((s) => !/^(\/\*(?![!M])[^]*?\*\/\s*)+$/.test(s) && !/^\s*$/.test(s) && !/^delimiter\s/i.test(s));
  const gap = fc.constantFrom('\n', ' ', '\n-- comment; with it\n', '\n# hash; comment\n', ' /* ;; */ ', '\r\n');

  it('splits random scripts back into their statements wherever the input is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(statement, gap, fc.boolean()), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (parts, cutSeeds) => {
        let script = '';
        const expected: string[] = [];
        let delim = ';';
        for (const [s, g, switchDelim] of parts) {
          if (switchDelim) {
            delim = delim === ';' ? ';;' : ';';
            script += `\nDELIMITER ${delim}\n`;
          }
          // a statement that starts with a plain comment is returned without it
          const body = s.replace(/^(\/\*(?![!M])[^]*?\*\/\s*)+/, '');
          if (delim === ';;' && /;$/.test(body)) continue;
          expected.push(body);
          script += `${s}${delim}${g}`;
        }
        const bytes = Buffer.from(script, 'utf8');
        const cuts = cutSeeds.map((c) => c % (bytes.length + 1));
        const got = split(bytes, cuts);
        expect(texts(got)).toEqual(expected);
        for (const st of got) expect(bytes.subarray(st.end - st.delimiter.length, st.end).toString('latin1')).toBe(st.delimiter);
      }),
      { numRuns: 400 },
    );
  });

  // values longer than the splitter reads byte by byte (then it searches with indexOf)
  const longText = fc.string({ unit: fc.constantFrom('a', 'a', 'a', 'a', ';', "'", '"', '\\', '\n', ' '), minLength: 40, maxLength: 400 });
  const longValue = fc.tuple(longText, fc.boolean()).map(([t, dq]) => (dq ? `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`));

  it('splits INSERTs with long quoted values back wherever the input is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.array(longValue, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (rows, cutSeeds) => {
        const expected = rows.map((vs) => `INSERT INTO \`t\` VALUES (${vs.join(',')})`);
        const bytes = Buffer.from(expected.map((e) => `${e};\n`).join(''), 'utf8');
        const got = split(bytes, cutSeeds.map((c) => c % (bytes.length + 1)));
        expect(texts(got)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
