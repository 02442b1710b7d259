import { describe, expect, it } from 'vitest';
import { parseVersion } from '../../src/db/flavor.js';
import type { AccountEntry } from '../../src/format/users-file.js';
import { redact, redactReason } from '../../src/core/sql-secrets.js';
import { accountStatements, isSystemAccount, matchesAny } from '../../src/load/users-plan.js';

const role: AccountEntry = { kind: 'role', user: 'r', host: '', plugin: null, create: 'CREATE ROLE `r`', grants: ['GRANT USAGE ON *.* TO `r`', 'GRANT SELECT ON `shop`.* TO `r`'] };
const user: AccountEntry = {
  kind: 'user',
  user: 'app',
  host: '%',
  plugin: 'mysql_native_password',
  create: "CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*ABC' WITH MAX_QUERIES_PER_HOUR 10",
  grants: [
    "GRANT RELOAD ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC' WITH MAX_QUERIES_PER_HOUR 10",
    'GRANT `r` TO `app`@`%`',
    'GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `app`@`%` WITH GRANT OPTION',
    'SET DEFAULT ROLE `r` FOR `app`@`%`',
  ],
};

describe('users plan (tsload --load-users)', () => {
  it('MariaDB to MariaDB: roles first, IF NOT EXISTS, auth and limits out of GRANT, USAGE dropped, renames, default roles last', () => {
    const s = accountStatements([user, role], 'mariadb', parseVersion('10.11.6-MariaDB'), new Map([['shop', 'shop2']]));
    expect(s.map((x) => `${x.phase} ${x.sql}`)).toEqual([
      'create CREATE ROLE IF NOT EXISTS `r`',
      "create CREATE USER IF NOT EXISTS `app`@`%` IDENTIFIED BY PASSWORD '*ABC' WITH MAX_QUERIES_PER_HOUR 10",
      'grant GRANT SELECT ON `shop2`.* TO `r`',
      'grant GRANT RELOAD ON *.* TO `app`@`%`',
      'grant GRANT `r` TO `app`@`%`',
      'grant GRANT EXECUTE ON PROCEDURE `shop2`.`p` TO `app`@`%` WITH GRANT OPTION',
      'default-role SET DEFAULT ROLE `r` FOR `app`@`%`',
    ]);
  });
  it('MariaDB to MySQL 8 (unverified against a server): the hash clause and SET DEFAULT ROLE in MySQL spelling', () => {
    const s = accountStatements([user, role], 'mariadb', parseVersion('8.4.3'), new Map());
    expect(s.find((x) => x.phase === 'create' && x.account === 'app@%')!.sql).toBe("CREATE USER IF NOT EXISTS `app`@`%` IDENTIFIED WITH mysql_native_password AS '*ABC' WITH MAX_QUERIES_PER_HOUR 10");
    expect(s.find((x) => x.phase === 'create' && x.account === 'r')!.sql).toBe("CREATE ROLE IF NOT EXISTS `r`@'%'");
    expect(s.at(-1)!.sql).toBe('SET DEFAULT ROLE `r` TO `app`@`%`');
  });
  it('MySQL to MariaDB (unverified): MySQL-only password options dropped', () => {
    const my: AccountEntry = { ...user, create: "CREATE USER `app`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*ABC' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT", grants: [] };
    expect(accountStatements([my], 'mysql', parseVersion('10.11.6-MariaDB'), new Map())[0]!.sql).toBe("CREATE USER IF NOT EXISTS `app`@`%` IDENTIFIED BY PASSWORD '*ABC' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK");
  });
  // vitest's default timeout: as a regular expression, eight `*` backtrack for about a minute
  it('a pattern with many * against a long label', { timeout: 5_000 }, () => {
    expect(matchesAny(`${'a'.repeat(64)}@%`, ['a*a*a*a*a*a*a*a*b'])).toBe(false);
    expect(matchesAny(`${'a'.repeat(64)}@b`, ['a*a*a*a*a*a*a*a*b'])).toBe(true);
  });
  // vitest's default timeout: a leading `\s+` retried from every blank of a long run is quadratic
  // (~25 s per regex here), and so are `(.*) TO (.*)$` with many ' TO ' before a line break
  it('account statements with long runs of blanks', { timeout: 5_000 }, () => {
    const blanks = ' '.repeat(160_000);
    const long: AccountEntry = {
      ...user,
      create: `CREATE USER \`app\`@\`%\`${blanks}PASSWORD HISTORY 5${blanks}ACCOUNT LOCK`,
      grants: [`GRANT SELECT ON *.* TO \`app\`@\`%\`${blanks}x`, `SET DEFAULT ROLE ${' TO '.repeat(80_000)}\n`],
    };
    const toMaria = accountStatements([long], 'mysql', parseVersion('10.11.6-MariaDB'), new Map());
    expect(toMaria.map((x) => x.sql)).toEqual([`CREATE USER IF NOT EXISTS \`app\`@\`%\`${blanks}ACCOUNT LOCK`, long.grants[0], long.grants[1]]);
    const forRole = `SET DEFAULT ROLE ${' FOR '.repeat(80_000)}\n`;
    expect(accountStatements([{ ...user, grants: [forRole] }], 'mariadb', parseVersion('8.4.3'), new Map()).at(-1)!.sql).toBe(forRole);
    expect(accountStatements([{ ...user, grants: ['SET DEFAULT ROLE `r` FOR `a` FOR `app`@`%`'] }], 'mariadb', parseVersion('8.4.3'), new Map()).at(-1)!.sql).toBe('SET DEFAULT ROLE `r` FOR `a` TO `app`@`%`');
  });
  it('patterns, system accounts, redaction', () => {
    expect(matchesAny('app@%', ['app@*'])).toBe(true);
    expect(matchesAny('app@10.0.0.1', ['app@10.0.0.?'])).toBe(true);
    expect(matchesAny('apple@%', ['app@*'])).toBe(false);
    expect(['root', 'mariadb.sys', 'mysql.session', 'PUBLIC', ''].every((u) => isSystemAccount({ user: u }))).toBe(true);
    expect(isSystemAccount({ user: 'rooted' })).toBe(false);
    expect(redact("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING 'abc' OR mysql_native_password AS '*X'")).toBe("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING '<hidden>' OR mysql_native_password AS '<hidden>'");
    expect(redact("CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x2441243030352400 REQUIRE NONE")).toBe("CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS <hidden> REQUIRE NONE");
    expect(redact("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING PASSWORD('clear pw')")).toBe("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING PASSWORD('<hidden>')");
    expect(redact("SET PASSWORD FOR `a`@`%` = PASSWORD('clear pw')")).toBe("SET PASSWORD FOR `a`@`%` = PASSWORD('<hidden>')");
    expect(redact("SET PASSWORD FOR `a`@`%` = '*8DA5DE5CEA68C00F438D7375D068B911F354CA90'")).toBe("SET PASSWORD FOR `a`@`%` = '<hidden>'");
    // double quotes (strings in the default sql_mode) and character set introducers
    expect(redact('CREATE USER x IDENTIFIED BY "s3cret"')).toBe('CREATE USER x IDENTIFIED BY "<hidden>"');
    expect(redact("CREATE USER x IDENTIFIED WITH caching_sha2_password AS _binary'$A$005$abcdefgh'")).toBe("CREATE USER x IDENTIFIED WITH caching_sha2_password AS '<hidden>'");
    expect(redact("ALTER USER x IDENTIFIED BY N'pässwörd'")).toBe("ALTER USER x IDENTIFIED BY '<hidden>'");
    expect(redact("CREATE USER x IDENTIFIED VIA ed25519 USING x'aabbcc'")).toBe('CREATE USER x IDENTIFIED VIA ed25519 USING <hidden>');
  });
  it('a server message about an account statement: its secrets hidden, whole or cut', () => {
    const sql = "CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x244124303035241A2B3C4D5E6F707172 REQUIRE NONE";
    expect(redactReason("You have an error in your SQL syntax; ... near '0x244124303035241A2B3C...' at line 1", sql)).toBe("You have an error in your SQL syntax; ... near '0x<hidden>...' at line 1");
    expect(redactReason("near ''*8DA5DE5CEA68C00F438D7375D068B911F354CA90' REQUIRE' at line 1", "CREATE USER x IDENTIFIED BY PASSWORD '*8DA5DE5CEA68C00F438D7375D068B911F354CA90' REQUIRE SSL")).toBe("near ''<hidden>' REQUIRE' at line 1");
    expect(redactReason("Plugin 'ed25519' is not loaded", "CREATE USER x IDENTIFIED VIA ed25519 USING 'abcdefghijk'")).toBe("Plugin 'ed25519' is not loaded");
    // a cleartext password (a hand-written statement), quoted by the server from just before it
    expect(redactReason("near 'BY 'Summer2026!' REQUIRE SSL' at line 1", "CREATE USER x IDENTIFIED BY 'Summer2026!' REQUIRE SSL")).toBe("near 'BY '<hidden>' REQUIRE SSL' at line 1");
    expect(redactReason(`near 'Summer2026!" REQUIRE SSL' at line 1`, 'CREATE USER x IDENTIFIED BY "Summer2026!" REQUIRE SSL')).toBe(`near '<hidden>" REQUIRE SSL' at line 1`);
  });
});
