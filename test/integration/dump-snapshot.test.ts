import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

const ACCOUNTS = 20_000;
const START_BALANCE = 1000;

/** Rows of a table as read back from its CSV chunk files (numeric columns only). */
function csvRows(dir: string, manifest: Manifest, table: string): number[][] {
  const t = manifest.databases[0]!.tables.find((x) => x.name === table)!;
  const rows: number[][] = [];
  for (const c of t.chunks) {
    const text = readFileSync(path.join(dir, c.path), 'utf8');
    for (const line of text.split('\n')) if (line) rows.push(line.split(',').map(Number));
  }
  return rows;
}

/**
 * A writer moves money between accounts during the dump; each transfer updates two accounts, adds two
 * ledger rows (FK to accounts) and bumps a counter, in one transaction. A consistent dump keeps the
 * invariants across tables written by different workers, and its binlog coordinates are exactly the
 * point after which the remaining transfers were committed.
 */
describe.each(['ftwrl', 'no-lock'] as const)('tsdump snapshot consistency under concurrent writes (--lock-mode %s)', (lockMode) => {
  const db = uniqueDb(`snap_${lockMode.replace('-', '')}`);
  const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-snap-'));
  let admin: AdminSession;
  let writer: AdminSession;
  let manifest: Manifest;
  let finalCounter = 0;
  let dumpExit: number | null = null;
  let dumpErr = '';

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}`);
    await admin.query(`USE ${quoteIdent(db)};
      CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
      INSERT INTO accounts SELECT seq, ${START_BALANCE} FROM seq_1_to_${ACCOUNTS};
      CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, amount BIGINT NOT NULL,
        FOREIGN KEY (account_id) REFERENCES accounts (id)) ENGINE=InnoDB;
      INSERT INTO ledger (account_id, amount) SELECT 1 + seq % ${ACCOUNTS}, IF(seq % 2, 5, -5) FROM seq_1_to_60000;
      CREATE TABLE counter (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB;
      INSERT INTO counter VALUES (1, 0);
      ANALYZE TABLE accounts, ledger;`);
    writer = await adminSession(db);
    let stop = false;
    const writes = (async () => {
      let i = 0;
      while (!stop) {
        i++;
        const a = 1 + ((i * 7919) % ACCOUNTS);
        const b = 1 + ((i * 104729) % ACCOUNTS);
        const x = 1 + (i % 13);
        await writer.query(`START TRANSACTION;
          UPDATE accounts SET balance = balance - ${x} WHERE id = ${a};
          UPDATE accounts SET balance = balance + ${x} WHERE id = ${b};
          INSERT INTO ledger (account_id, amount) VALUES (${a}, ${-x}), (${b}, ${x});
          UPDATE counter SET n = n + 1 WHERE id = 1;
          COMMIT;`);
        // The lock-free mode needs short quiet gaps to prove its snapshots identical.
        if (lockMode === 'no-lock') await new Promise((r) => setTimeout(r, 30));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--rows', '2000', '-t', '4', '--lock-mode', lockMode, '-q']);
    dumpExit = r.code;
    dumpErr = r.stderr;
    await new Promise((r2) => setTimeout(r2, 300));
    stop = true;
    await writes;
    finalCounter = Number(await admin.scalar(`SELECT n FROM ${quoteIdent(db)}.counter`));
    if (r.code === 0) manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  });

  afterAll(async () => {
    await writer?.close();
    await dropDbs(db);
    await admin?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('completes with exact coordinates recorded', () => {
    // The lock-free path may retry (a warning each time) until the sessions' snapshots coincide.
    expect(dumpErr.split('\n').filter((l) => l && !/writes landed while the snapshots opened/.test(l))).toEqual([]);
    expect(dumpExit).toBe(0);
    expect(manifest.snapshot).toMatchObject({ mode: lockMode, exact: true });
    expect(manifest.snapshot.binlog?.file).toBeTruthy();
    expect(readdirSync(out)).not.toContain('.tsdump-in-progress');
  });

  it('keeps every invariant across tables written by different workers', () => {
    const accounts = csvRows(out, manifest, 'accounts');
    const ledger = csvRows(out, manifest, 'ledger');
    const [[, n]] = csvRows(out, manifest, 'counter') as [[number, number]];
    expect(accounts).toHaveLength(ACCOUNTS);
    expect(accounts.reduce((s, r) => s + r[1]!, 0)).toBe(ACCOUNTS * START_BALANCE);
    expect(ledger).toHaveLength(60_000 + 2 * n);
    expect(ledger.reduce((s, r) => s + r[2]!, 0)).toBe(0);
    const ids = new Set(accounts.map((r) => r[0]));
    expect(ledger.every((r) => ids.has(r[1]))).toBe(true);
    expect(n).toBeGreaterThan(0);
    expect(finalCounter).toBeGreaterThan(n);
  });

  it('records the binlog position after which exactly the remaining transfers were committed', async () => {
    const [[, dumped]] = csvRows(out, manifest, 'counter') as [[number, number]];
    const start = manifest.snapshot.binlog!;
    const logs = (await admin.query<{ Log_name: string }>('SHOW BINARY LOGS')).map((r) => r.Log_name).filter((f) => f >= start.file);
    let later = 0;
    for (const file of logs) {
      const events = await admin.query<{ Event_type: string; Info: string }>(
        `SHOW BINLOG EVENTS IN '${file}'${file === start.file ? ` FROM ${start.position}` : ''}`,
      );
      later += events.filter((e) => e.Event_type === 'Table_map' && e.Info.includes(`(${db}.counter)`)).length;
    }
    expect(later).toBe(finalCounter - dumped);
  });
});
