/**
 * A restore drill whose account may not drop what it created (no DROP privilege): the scratch
 * database cannot be dropped, and the drill must say so, naming it with the server's reason — it
 * said "scratch database(s) dropped" and left it there. Its load stays recorded, so a later drill
 * with the privilege sweeps it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, testServer, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload --restore-test by an account without DROP', () => {
  const db = uniqueDb('drilldrop');
  const user = `${db.slice(-12)}_nd`;
  let admin: AdminSession;
  let left: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_200;
      CREATE USER \`${user}\`@\`%\` IDENTIFIED BY 'nd-pw'; GRANT ALL ON *.* TO \`${user}\`@\`%\`;
      REVOKE DROP ON *.* FROM \`${user}\`@\`%\`; GRANT DROP ON tsload_progress.* TO \`${user}\`@\`%\`;`);
  });

  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS \`${user}\`@\`%\``).catch(() => undefined);
    await cleanupLoads(db, left, []);
    await admin?.close();
    removeTemps();
  });

  it('names the scratch database it could not drop, with the reason, and never says it dropped it', async () => {
    const out = path.join(tempDir('drilldrop'), 'dump');
    expect((await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--checksum', '-q'])).code).toBe(0);
    const s = testServer();
    const r = await runCli('tsload', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, '-d', out, '--restore-test'], { env: { MYSQL_PWD: 'nd-pw' } });
    left = (await admin.query<{ n: string }>(`SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'tsdrill\\_%\\_${db}'`)).map((x) => x.n);
    expect(left).toHaveLength(1);
    expect(r.stderr).toMatch(/every chunk verified against the manifest/);
    expect(r.stderr).not.toMatch(/scratch database\(s\) dropped/);
    expect(r.stderr).toContain(`restore test: scratch database(s) left behind, not dropped: ${left[0]} (Access denied`);
    // still recorded as a drill's load: a drill that may drop sweeps it
    const sweep = await runCli('tsload', [...connArgs(), '-d', out, '--restore-test']);
    expect(sweep.code, sweep.stderr).toBe(0);
    // (a drill of another test file running meanwhile may be the one that sweeps it)
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [left[0]]))).toBe(0);
  });
});
