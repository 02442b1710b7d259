import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mydumperLayout, parseMydumperMetadata } from '../../src/format/mydumper-layout.js';
import { detectInput, looksLikeMydumper } from '../../src/load/input-detect.js';

describe('mydumper layout', () => {
  const names = ['metadata', 'shop-schema-create.sql', 'shop-schema-post.sql', 'shop.t-schema.sql', 'shop.t.00002.sql.gz', 'shop.t.00010.sql.gz', 'shop.t.00001.sql.gz', 'shop.v-schema.sql', 'shop.v-schema-view.sql', 'shop.t-schema-triggers.sql', 'shop.x.y-schema.sql', 'shop.x.y.sql', 'shop.c.00000.dat', 'shop.x-schema-create.sql', 'shop.x.z-schema.sql'];
  it('groups files by database and table, chunks in number order', () => {
    const l = mydumperLayout(names);
    expect(l.finished).toBe(true);
    const shop = l.databases.find((d) => d.name === 'shop')!;
    expect(shop.post).toEqual(['shop-schema-post.sql']);
    const t = shop.tables.get('t')!;
    expect(t.data).toEqual(['shop.t.00001.sql.gz', 'shop.t.00002.sql.gz', 'shop.t.00010.sql.gz']);
    expect(t.triggers).toBe('shop.t-schema-triggers.sql');
    expect(shop.tables.get('v')!.view).toBe('shop.v-schema-view.sql');
    // database `shop.x` owns the files named after it (the longest database name wins)
    expect([...l.databases.find((d) => d.name === 'shop.x')!.tables.keys()].sort()).toEqual(['y', 'z']);
    expect(l.databases.find((d) => d.name === 'shop.x')!.tables.get('y')!.data).toEqual(['shop.x.y.sql']);
    expect(l.unsupported).toEqual(['shop.c.00000.dat']);
  });

  it('pairs 1.0 LOAD DATA chunks with their .dat files and reads the database-wide triggers file', () => {
    const l = mydumperLayout(['metadata', 'db-schema-create.sql.zst', 'db-schema-triggers.sql.zst', 'db.t-schema.sql.zst', 'db.t.00000.sql.zst', 'db.t.00000.dat.zst', 'db.t.00001.sql', 'db.t.00001.dat', 'db.u.00000.dat']);
    const db = l.databases[0]!;
    expect(db.triggers).toEqual(['db-schema-triggers.sql.zst']);
    const t = db.tables.get('t')!;
    expect(t.data).toEqual(['db.t.00000.sql.zst', 'db.t.00001.sql']);
    expect([...t.infiles]).toEqual([['db.t.00000.sql.zst', 'db.t.00000.dat.zst'], ['db.t.00001.sql', 'db.t.00001.dat']]);
    expect(l.unsupported).toEqual(['db.u.00000.dat']);
  });

  it('reads the coordinates of the 0.10 and the 1.0 metadata', () => {
    const old = parseMydumperMetadata('Started dump at: 2026-12-02 18:54:25\nSHOW MASTER STATUS:\n\tLog: bin.000001\n\tPos: 164631269\n\tGTID:0-1-2524\n\nFinished dump at: 2026-12-02 18:54:25\n');
    expect(old.binlog).toEqual({ file: 'bin.000001', position: 164631269 });
    expect(old.gtid).toBe('0-1-2524');
    const v1 = parseMydumperMetadata('[config]\nquote-character = BACKTICK\n\n[source]\nFile = mysql-bin.000004\nPosition = 1234\nExecuted_Gtid_Set = 3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5\n\n[`shop`.`t`]\nreal_table_name=t\nrows = 42\n');
    expect(v1.binlog).toEqual({ file: 'mysql-bin.000004', position: 1234 });
    expect(v1.rows.get('`shop`.`t`')).toBe(42);
    const sums = parseMydumperMetadata('# Started dump at: 2026-12-03 06:14:40\n[`shop`.`t`]\nrows = 4\ndata_checksum = 3688055958\nschema_checksum = 64c828d9\n\n[`shop`]\nschema_checksum = 25644127\n# Finished dump at: 2026-12-03 06:14:41\n');
    expect([...sums.checksums]).toEqual([['`shop`.`t`', '3688055958']]);
    expect(sums.started).toBe('2026-12-03 06:14:40');
  });

  it('keys a table whose files are DB.mydumper_N by its real_table_name, and reads 1.0.1\'s commented [source]', () => {
    const m = parseMydumperMetadata('[source]\n# executed_gtid_set = "0-1-29"\n# SOURCE_LOG_FILE = "binlog.000001"\n# SOURCE_LOG_POS = 8080\n\n[`d`.`mydumper_0`]\nreal_table_name=we``ird name.x\nrows = 2\ndata_checksum = 77\n\n[`d`.`mydumper_1`]\nreal_table_name=ünï\nrows = 3\n');
    expect([...m.rows]).toEqual([['`d`.`we`ird name.x`', 2], ['`d`.`ünï`', 3]]);
    expect([...m.checksums]).toEqual([['`d`.`we`ird name.x`', '77']]);
    expect(m.binlog).toEqual({ file: 'binlog.000001', position: 8080 });
    expect(m.gtid).toBe('0-1-29');
  });

  it('finds a field after blank lines and blanks as the former `^\\s*` did', () => {
    expect(parseMydumperMetadata('SHOW MASTER STATUS:\n\n \r\n\tLog: bin.000002\n  \n\tPos: 7\n').binlog).toEqual({ file: 'bin.000002', position: 7 });
    expect(parseMydumperMetadata('#\n\n SOURCE_LOG_FILE = b.1\n# \t SOURCE_LOG_POS = 9\n').binlog).toEqual({ file: 'b.1', position: 9 });
    expect(parseMydumperMetadata('x Log: bin.1\nPos: 7\n').binlog).toBeNull();
    // the former regexes, on every short text of these pieces
    const get = (re: RegExp, t: string): string | null => re.exec(t)?.[1]?.trim() ?? null;
    const former = (t: string): { file: string; position: number } | null => {
      const file = get(/^\s*Log:\s*(\S+)/m, t) ?? get(/^#?\s*SOURCE_LOG_FILE\s*=\s*(\S+)/m, t);
      const pos = get(/^\s*Pos:\s*(\d+)/m, t) ?? get(/^#?\s*SOURCE_LOG_POS\s*=\s*(\d+)/m, t);
      return file && pos ? { file, position: Number(pos) } : null;
    };
    const pieces = ['\n', '\r', '\u2028', ' ', '#', 'x', 'Log: a', 'Pos: 1', 'SOURCE_LOG_FILE = b', 'SOURCE_LOG_POS = 2'];
    let texts = [''];
    for (let n = 0; n < 4; n++) texts = [...texts, ...texts.flatMap((t) => pieces.map((p) => t + p))];
    const texts2 = texts.flatMap((a) => ['Pos: 3\n' + a, a + '\nLog: c']);
    expect([...texts, ...texts2].filter((t) => JSON.stringify(parseMydumperMetadata(t).binlog) !== JSON.stringify(former(t)))).toEqual([]);
  });

  // vitest's default timeout: `^\s*` under the m flag rescans a run of line breaks from each of its line starts (~30 s here)
  it('a metadata file of many blank lines', { timeout: 5_000 }, () => {
    expect(parseMydumperMetadata(`[config]\n${'\n'.repeat(60_000)}x`).binlog).toBeNull();
    expect(parseMydumperMetadata(`[config]\n${'\r'.repeat(60_000)}File = f.1\nPosition = 4`).binlog).toEqual({ file: 'f.1', position: 4 });
  });

  it('detects what -d points at', () => {
    expect(looksLikeMydumper(names)).toBe(true);
    expect(looksLikeMydumper(['manifest.json', 'shop'])).toBe(false);
    expect(detectInput({ kind: 's3', bucket: 'b', prefix: 'p' }, 'auto', () => [])).toEqual({ kind: 'tsdump' });
    expect(detectInput({ kind: 's3', bucket: 'b', prefix: 'backups/shop.sql.gz' }, 'auto', () => [])).toEqual({ kind: 'mysqldump', dir: { kind: 's3', bucket: 'b', prefix: 'backups' }, file: 'shop.sql.gz', display: 's3://b/backups/shop.sql.gz' });
  });

  it('refuses a folder of mysqldump files (MySQL Workbench\'s Dump Project Folder) instead of taking it for an unfinished tsdump', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-detect-'));
    try {
      const local = { kind: 'local', dir } as const;
      expect(() => detectInput(local, 'auto', () => ['shop_orders.sql', 'shop_routines.sql'])).toThrow(/holds 2 SQL files \(shop_orders\.sql, shop_routines\.sql\) but no tsdump manifest\.json nor mydumper metadata/);
      // a tsdump keeps its .sql files a directory down
      expect(detectInput(local, 'auto', () => ['manifest.json', 'shop'])).toEqual({ kind: 'tsdump' });
      expect(detectInput(local, 'auto', () => ['shop'])).toEqual({ kind: 'tsdump' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
