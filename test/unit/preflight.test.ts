/** The pure parts of the preflights: SHOW GRANTS parsing, the load's and the dump's rules. */
import { describe, expect, it } from 'vitest';
import { parseVersion } from '../../src/db/flavor.js';
import { allows, parseGrantLine, parseGrants } from '../../src/db/privileges.js';
import { preflightDump, type DumpFacts } from '../../src/dump/preflight.js';
import type { Selection } from '../../src/dump/table-selection.js';
import type { Manifest, TableEntry } from '../../src/format/manifest.js';
import { FULL_RESTORE } from '../../src/load/load-options.js';
import { preflightLoad, type LoadFacts } from '../../src/load/preflight.js';

const ACCOUNT = "'u'@'%'";

describe('SHOW GRANTS parsing', () => {
  it('reads global, database, pattern and table grants; column and routine grants grant nothing table-wide', () => {
    const set = parseGrants(
      [
        "GRANT RELOAD, BINLOG MONITOR ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'",
        'GRANT SELECT, INSERT ON `shop`.* TO `u`@`%`',
        'GRANT ALL PRIVILEGES ON `tmp\\_%`.* TO `u`@`%` WITH GRANT OPTION',
        'GRANT SELECT ON `crm`.`a``b` TO `u`@`%`',
        'GRANT SELECT (`id`, `name`), INSERT ON `crm`.`people` TO `u`@`%`',
        'GRANT EXECUTE ON PROCEDURE `crm`.`p` TO `u`@`%`',
        'GRANT PROXY ON ``@`%` TO `u`@`%`',
      ],
      ACCOUNT,
    );
    expect(set.complete).toBe(true);
    expect(allows(set, 'RELOAD', null)).toBe(true);
    expect(allows(set, 'binlog monitor', null)).toBe(true);
    expect(allows(set, 'SELECT', 'shop')).toBe(true);
    expect(allows(set, 'CREATE', 'shop')).toBe(false);
    expect(allows(set, 'CREATE', 'tmp_1')).toBe(true);
    expect(allows(set, 'CREATE', 'tmpx1'), 'an escaped _ is literal').toBe(false);
    expect(allows(set, 'SELECT', 'crm', 'a`b')).toBe(true);
    expect(allows(set, 'SELECT', 'crm'), 'a table grant is not a database grant').toBe(false);
    expect(allows(set, 'SELECT', 'crm', 'people'), 'a column grant').toBe(false);
    expect(allows(set, 'INSERT', 'crm', 'people')).toBe(true);
    expect(parseGrantLine('GRANT EXECUTE ON PROCEDURE `crm`.`p` TO `u`@`%`')).toEqual({ privileges: ['EXECUTE'], database: 'crm', table: null });
  });

  it("database names compare as the server compares them: in their exact case where lower_case_table_names = 0; a table grant's name is no pattern", () => {
    const lines = ['GRANT ALL PRIVILEGES ON `Up\\_%`.* TO `u`@`%`', 'GRANT SELECT ON `my_db`.`t` TO `u`@`%`'];
    const exact = { ...parseGrants(lines, ACCOUNT), exactCase: true };
    expect(allows(exact, 'CREATE', 'Up_1')).toBe(true);
    expect(allows(exact, 'CREATE', 'up_1'), 'another case').toBe(false);
    expect(allows(exact, 'SELECT', 'my_db', 't')).toBe(true);
    expect(allows(exact, 'SELECT', 'myxdb', 't'), "a table grant's _ is literal").toBe(false);
    const folded = parseGrants(lines, ACCOUNT);
    expect(allows(folded, 'CREATE', 'up_1')).toBe(true);
  });

  it('a role whose grants are not listed makes the set incomplete; a listed one does not', () => {
    expect(parseGrants(['GRANT `dba` TO `u`@`%`', 'GRANT USAGE ON *.* TO `u`@`%`'], ACCOUNT).complete).toBe(false);
    const withRole = parseGrants(['GRANT `dba` TO `u`@`%`', 'GRANT USAGE ON *.* TO `u`@`%`', 'GRANT ALL PRIVILEGES ON *.* TO `dba`'], ACCOUNT);
    expect(withRole.complete).toBe(true);
    expect(allows(withRole, 'DROP', 'x')).toBe(true);
  });

  // vitest's default timeout: the grantee's `\s+(?:IDENTIFIED|WITH|REQUIRE)` retried from every blank (~25 s)
  it('a grant line with a long run of blanks', { timeout: 5_000 }, () => {
    const blanks = ' '.repeat(160_000);
    const set = parseGrants([`GRANT \`dba\` TO \`u\`@\`%\``, `GRANT ALL PRIVILEGES ON *.* TO \`dba\`${blanks}x`, `GRANT USAGE ON *.* TO \`dba\`${blanks}WITH GRANT OPTION`], ACCOUNT);
    expect(set.complete).toBe(true);
  });

  // vitest's default timeout: as a regular expression, eight `%` backtrack for about a minute
  it('a database pattern with many % against a long name', { timeout: 5_000 }, () => {
    const set = parseGrants(['GRANT SELECT ON `a%a%a%a%a%a%a%a%b`.* TO `u`@`%`'], ACCOUNT);
    expect(allows(set, 'SELECT', 'a'.repeat(64))).toBe(false);
    expect(allows(set, 'SELECT', `${'a'.repeat(63)}B`)).toBe(true);
  });
});

function table(name: string, longest = 100): TableEntry {
  return {
    name,
    engine: 'InnoDB',
    schema: { path: `${name}.sql`, bytes: 1, sha256: '' },
    columns: [],
    key: { kind: 'none', columns: [] },
    rows: 10,
    bytes: 1000,
    autoIncrement: null,
    chunks: [{ index: 1, path: `${name}.00001.csv`, bytes: 1000, sha256: '', rows: 10, lower: null, upper: null, longestLine: { bytes: longest, line: 7 } }],
  } as unknown as TableEntry;
}

const manifest = {
  dumpId: 'd1',
  options: { format: 'csv' },
  session: { sqlMode: '', timeZone: 'SYSTEM', innodbDefaultRowFormat: 'dynamic' },
  databases: [{ name: 'shop', tables: [table('orders', 5_000_000), table('items')], objects: [{ kind: 'view', name: 'v' }] }],
} as unknown as Manifest;

function facts(over: Partial<LoadFacts> = {}): LoadFacts {
  return {
    localInfile: true,
    maxAllowedPacket: 64 * 1024 * 1024,
    readOnly: false,
    creatorsUntrusted: true,
    grants: parseGrants(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%`'], ACCOUNT),
    existingTables: new Map(),
    existingObjects: new Map(),
    caseInsensitive: false,
    explicitDefaultsOff: false,
    statementBinlog: false,
    innodbDefaultRowFormat: null,
    definers: new Map(),
    runs: new Map(),
    autoincLockMode: 2,
    bulkOperations: false,
    ...over,
  };
}

const plan = { manifest, targets: [{ name: 'copy', source: manifest.databases[0]! }], opts: { dropTable: 'fail' as const, deferIndexes: true, verify: true, restore: FULL_RESTORE, insertMethod: 'auto' as const, skipDefiner: false, engine: null } };

describe('load preflight', () => {
  it('no problems on a willing target', () => {
    expect(preflightLoad(plan, facts())).toEqual([]);
  });

  it('lists every problem at once, each with its fix', () => {
    const problems = preflightLoad(
      plan,
      facts({
        localInfile: false,
        maxAllowedPacket: 1024 * 1024,
        grants: parseGrants(['GRANT SELECT, INSERT ON `copy`.* TO `u`@`%`'], ACCOUNT),
        existingTables: new Map([['copy', new Set(['orders', 'items'])]]),
      }),
    );
    expect(problems.map((p) => p.code).sort()).toEqual(['local-infile-off', 'packet-too-small', 'privilege', 'privilege', 'table-exists', 'table-exists']);
    const priv = problems.find((p) => p.code === 'privilege' && p.object.database === 'copy')!;
    expect(priv.message).toContain('CREATE, ALTER, CREATE VIEW');
    expect(priv.fix).toBe("GRANT CREATE, ALTER, CREATE VIEW ON `copy`.* TO 'u'@'%';");
    expect(problems.find((p) => p.object.database === 'tsload_progress')!.fix).toBe("GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON tsload_progress.* TO 'u'@'%';");
    const packet = problems.find((p) => p.code === 'packet-too-small')!;
    expect(packet.object).toMatchObject({ database: 'copy', table: 'orders', chunk: 1 });
    expect(packet.message).toMatch(/^line 7 of orders\.00001\.csv is 4\.8 MiB, more than the target's max_allowed_packet \(1\.0 MiB\)/);
    expect(packet.fix).toMatch(/^SET GLOBAL max_allowed_packet = 8388608;/);
  });

  it('existing tables are no problem on a resume of this dump, or with --drop-table (which needs DROP)', () => {
    const existing = new Map([['copy', new Set(['orders'])]]);
    const resume = facts({ existingTables: existing, runs: new Map([['copy', { targetDb: 'copy', dumpId: 'd1', sourceDb: 'shop', rowsPerTransaction: 1, bytesPerTransaction: 1, completedAt: null }]]) });
    expect(preflightLoad(plan, resume)).toEqual([]);
    const other = facts({ existingTables: existing, runs: new Map([['copy', { targetDb: 'copy', dumpId: 'd0', sourceDb: 'shop', rowsPerTransaction: 1, bytesPerTransaction: 1, completedAt: null }]]) });
    expect(preflightLoad(plan, other).map((p) => p.code)).toEqual(['target-changed']);
    const noDrop = facts({ existingTables: existing, grants: parseGrants(['GRANT CREATE, INSERT, SELECT, ALTER, CREATE VIEW, UPDATE, DELETE ON *.* TO `u`@`%`'], ACCOUNT) });
    const dropping = preflightLoad({ ...plan, opts: { ...plan.opts, dropTable: 'drop' } }, noDrop);
    expect(dropping.map((p) => p.message)).toEqual(["the account 'u'@'%' lacks DROP on database copy"]);
  });

  it('--drop-table append and --no-schema load into existing tables: no refusal, no DROP; --no-data needs no local_infile', () => {
    const existing = facts({ existingTables: new Map([['copy', new Set(['orders'])]]), localInfile: false, maxAllowedPacket: 1024 * 1024 });
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, dropTable: 'append' } }, existing).map((p) => p.code).sort()).toEqual(['local-infile-off', 'packet-too-small']);
    const both = facts({ existingTables: new Map([['copy', new Set(['orders', 'items'])]]), localInfile: false, maxAllowedPacket: 1024 * 1024 });
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, restore: { ...FULL_RESTORE, noSchema: true } } }, both).map((p) => p.code).sort()).toEqual(['local-infile-off', 'packet-too-small']);
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, restore: { ...FULL_RESTORE, noData: true } } }, existing).map((p) => p.code)).toEqual(['table-exists']);
  });

  it('--no-schema: tables of the dump missing from the target are a problem of a fresh load, named', () => {
    const some = facts({ existingTables: new Map([['copy', new Set(['orders'])]]) });
    const problems = preflightLoad({ ...plan, opts: { ...plan.opts, restore: { ...FULL_RESTORE, noSchema: true } } }, some);
    expect(problems.map((p) => [p.code, p.message])).toEqual([['table-missing', '--no-schema loads rows into existing tables, but 1 of database copy do not exist: items']]);
    expect(problems[0]!.fix).toMatch(/^create them first/);
  });

  it('--convert-utf8mb4 judges the tables the load creates: not one --drop-table append or truncate keeps, all of a finished load --drop-table drop replaces', () => {
    const col = { name: 's', dataType: 'varchar', columnType: 'varchar(1000)', charset: 'utf8mb3', nullable: true, generated: false, invisible: false, dumped: true, codec: 'text' };
    const long = { ...table('orders'), columns: [col] } as unknown as TableEntry;
    const source = { ...manifest.databases[0]!, tables: [long] };
    const definitions = new Map([[long, 'CREATE TABLE `orders` (\n  `s` varchar(1000),\n  KEY `ks` (`s`)\n) ENGINE=InnoDB ROW_FORMAT=COMPACT']]);
    const converting = (dropTable: 'fail' | 'append' | 'truncate' | 'drop') => ({ ...plan, targets: [{ name: 'copy', source }], definitions, opts: { ...plan.opts, dropTable, convertUtf8mb4: true } });
    const keyProblems = (p: ReturnType<typeof converting>, f: LoadFacts): string[] => preflightLoad(p, f).filter((x) => /index ks/.test(x.message)).map((x) => x.object.table ?? '');
    const charset = { collations: new Set<string>(), charsetWidths: new Map([['utf8mb4', 4]]) };
    expect(keyProblems(converting('fail'), facts(charset))).toEqual(['orders']);
    const there = facts({ ...charset, existingTables: new Map([['copy', new Set(['orders'])]]) });
    expect(keyProblems(converting('append'), there)).toEqual([]);
    expect(keyProblems(converting('truncate'), there)).toEqual([]);
    expect(keyProblems(converting('drop'), there)).toEqual(['orders']);
    const finished = { targetDb: 'copy', dumpId: 'd1', sourceDb: 'shop', rowsPerTransaction: 1, bytesPerTransaction: 1, completedAt: '2026-12-08 04:00:00' };
    const loaded = facts({ ...charset, existingTables: new Map([['copy', new Set(['orders'])]]), runs: new Map([['copy', finished]]) });
    expect(keyProblems(converting('drop'), loaded)).toEqual(['orders']);
    expect(keyProblems(converting('append'), loaded)).toEqual([]);
  });

  it("an object of the dump whose name is taken is refused on a fresh load (a trigger's name is per database), not on a resume or with --drop-table drop", () => {
    const objects = new Map([['copy', [{ kind: 'view' as const, name: 'v' }, { kind: 'trigger' as const, name: 'v', table: 'users' }, { kind: 'view' as const, name: 'other' }]]]);
    const clash = preflightLoad(plan, facts({ existingObjects: objects }));
    expect(clash.map((p) => p.message)).toEqual(['view copy.v already exists in the target, and the dump creates a view of that name; this load did not create it and would replace it']);
    expect(clash[0]!.fix).toMatch(/--drop-table drop/);
    const resume = facts({ existingObjects: objects, runs: new Map([['copy', { targetDb: 'copy', dumpId: 'd1', sourceDb: 'shop', rowsPerTransaction: 1, bytesPerTransaction: 1, completedAt: null }]]) });
    expect(preflightLoad(plan, resume)).toEqual([]);
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, dropTable: 'drop' } }, facts({ existingObjects: objects }))).toEqual([]);
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, dropTable: 'append' } }, facts({ existingObjects: objects })).map((p) => p.code)).toEqual(['object-exists']);
  });

  it("local_infile OFF is no problem where MariaDB's bulk INSERT sends the rows (--insert-method auto or bulk); bulk on a server without it is", () => {
    const off = facts({ localInfile: false, bulkOperations: true });
    expect(preflightLoad(plan, off)).toEqual([]);
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, insertMethod: 'bulk' } }, off)).toEqual([]);
    const forced = preflightLoad({ ...plan, opts: { ...plan.opts, insertMethod: 'load-data' } }, off);
    expect(forced.map((p) => p.code)).toEqual(['local-infile-off']);
    expect(forced[0]!.message).toContain('(--insert-method load-data)');
    expect(forced[0]!.fix).toContain('--insert-method auto');
    const none = preflightLoad({ ...plan, opts: { ...plan.opts, insertMethod: 'bulk' } }, facts());
    expect(none.map((p) => p.code)).toEqual(['unsupported']);
    expect(none[0]!.message).toMatch(/COM_STMT_BULK_EXECUTE/);
    expect(none[0]!.fix).toBe('--insert-method load-data (or auto)');
  });

  it("a target whose innodb_default_row_format is tighter than the source's is refused, unless no InnoDB table is created; a roomier one is taken", () => {
    const compact = facts({ innodbDefaultRowFormat: 'compact' });
    const [p] = preflightLoad(plan, compact);
    expect(p?.code).toBe('setting-differs');
    expect(p?.message).toContain("the source's innodb_default_row_format is dynamic, the target's compact: InnoDB tables whose definition names no ROW_FORMAT (copy.orders, copy.items)");
    expect(p?.fix).toContain('SET GLOBAL innodb_default_row_format = dynamic;');
    expect(preflightLoad(plan, facts({ innodbDefaultRowFormat: 'dynamic' }))).toEqual([]);
    // a COMPACT source (MySQL 5.6/5.7 defaults) into a DYNAMIC target: every row and key still fits
    const compactSource = { ...plan, manifest: { ...plan.manifest, session: { ...plan.manifest.session, innodbDefaultRowFormat: 'compact' } } };
    expect(preflightLoad(compactSource, facts({ innodbDefaultRowFormat: 'dynamic' }))).toEqual([]);
    expect(preflightLoad(compactSource, facts({ innodbDefaultRowFormat: 'redundant' }))[0]?.code).toBe('setting-differs');
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, engine: 'Aria' } }, compact)).toEqual([]);
    expect(preflightLoad({ ...plan, opts: { ...plan.opts, restore: { ...FULL_RESTORE, noSchema: true } } }, compact).map((x) => x.code)).not.toContain('setting-differs');
  });

  it('privileges behind a role SHOW GRANTS does not expand are not judged', () => {
    const grants = parseGrants(['GRANT `loader` TO `u`@`%`', 'GRANT USAGE ON *.* TO `u`@`%`'], ACCOUNT);
    expect(preflightLoad(plan, facts({ grants }))).toEqual([]);
  });
});

describe('dump preflight', () => {
  const flavor = parseVersion('10.11.6-MariaDB');
  const selection = {
    databases: [{ name: 'shop' }],
    tables: [{ database: 'shop', name: 'orders' }, { database: 'shop', name: 'items' }],
    objects: [{ database: 'shop', kind: 'view', name: 'v' }, { database: 'shop', kind: 'trigger', name: 't', table: 'orders' }],
    leftOut: [],
  } as unknown as Selection;
  const dumpFacts = (lines: string[], over: Partial<DumpFacts> = {}): DumpFacts => ({ flavor, grants: parseGrants(lines, ACCOUNT), binlogOn: true, selection, where: [], output: null, compressionAvailable: true, ...over });
  const opts = { lockMode: 'auto' as const, compression: 'none' as const, noData: false, allowInconsistent: false, coordinates: true };

  it('no problems for an account with the usual backup grants', () => {
    expect(preflightDump(opts, dumpFacts(['GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON `shop`.* TO `u`@`%`', 'GRANT BINLOG MONITOR ON *.* TO `u`@`%`']))).toEqual([]);
  });

  it('every missing privilege, per table and per database, with the GRANT; RELOAD only when a locking mode is asked for', () => {
    const facts = dumpFacts(['GRANT SELECT ON `shop`.`items` TO `u`@`%`']);
    const auto = preflightDump(opts, facts);
    expect(auto.map((p) => p.fix)).toEqual([
      "GRANT SELECT ON `shop`.`orders` TO 'u'@'%'; or leave it out with --ignore-table shop.orders",
      "GRANT SHOW VIEW, TRIGGER ON `shop`.* TO 'u'@'%';",
    ]);
    // MariaDB: the snapshot's own coordinates need no privilege; MySQL needs one unless asked not to record them
    const mysql = { ...facts, flavor: parseVersion('8.4.0') };
    expect(preflightDump(opts, mysql).map((p) => p.fix)).toContain("GRANT REPLICATION CLIENT ON *.* TO 'u'@'%'; or dump without coordinates: --no-coordinates (under the lock) or --allow-inconsistent (lock-free)");
    expect(preflightDump({ ...opts, allowInconsistent: true }, mysql).map((p) => p.code)).not.toContain('privilege-binlog');
    const ftwrl = preflightDump({ ...opts, lockMode: 'ftwrl' }, facts);
    expect(ftwrl.map((p) => p.message)).toContain("cannot take the global read lock (--lock-mode ftwrl): the account 'u'@'%' lacks RELOAD");
    expect(preflightDump(opts, dumpFacts(['GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`', 'GRANT RELOAD ON *.* TO `u`@`%`'], { binlogOn: false }))).toEqual([]);
    // no lock and no binary log: the snapshots cannot be proven identical
    const unproven = preflightDump(opts, dumpFacts(['GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], { binlogOn: false }));
    expect(unproven.map((p) => p.code)).toEqual(['snapshot-unverifiable']);
    expect(preflightDump({ ...opts, allowInconsistent: true }, dumpFacts(['GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`'], { binlogOn: false }))).toEqual([]);
  });

  it('--lock-mode backup-stage on a server without BACKUP STAGE (MySQL) is refused up front', () => {
    const mysql = dumpFacts(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%`'], { flavor: parseVersion('8.4.3') });
    expect(preflightDump({ ...opts, lockMode: 'backup-stage' }, mysql).map((p) => p.code)).toEqual(['unsupported']);
    expect(preflightDump({ ...opts, lockMode: 'backup-stage' }, dumpFacts(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%`']))).toEqual([]);
  });

  it('the selection problem, the output and the compression are listed beside the privileges', () => {
    const nothing = { code: 'nothing-selected', object: {}, message: '-x ^x: matches no table', fix: 'check -x' } as const;
    const output = { code: 'output-not-empty', object: {}, message: 'output /d is not empty', fix: 'choose another -o' } as const;
    const problems = preflightDump({ ...opts, compression: 'zstd' }, dumpFacts(['GRANT USAGE ON *.* TO `u`@`%`'], { selection: nothing, output, compressionAvailable: false, flavor: parseVersion('8.4.0') }));
    expect(problems.map((p) => p.code)).toEqual(['nothing-selected', 'privilege', 'compression-unavailable', 'output-not-empty']);
  });
});
