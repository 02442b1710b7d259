/**
 * tsload --load-users into a target where accounts exist already, or some are left out: an
 * existing account keeps its password and TLS requirement even when its dumped GRANT line carries
 * `IDENTIFIED BY PASSWORD … REQUIRE SSL` (MariaDB prints both in the line of a global privilege),
 * and a role left out with --users-exclude gets nothing — MariaDB's SHOW GRANTS FOR a role also
 * lists the grants of the roles granted to it, and run for the other role such a line created the
 * left-out role as a user with no password.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload --load-users: existing accounts and left-out roles', () => {
  const db = uniqueDb('usrx');
  const p = db.replace(/^usrx_/, 'x');
  const inner = `${p}_inner`;
  const outer = `${p}_outer`;
  const tls = `\`${p}_tls\`@\`%\``;
  const cert = `\`${p}_cert\`@\`%\``;
  const targets: string[] = [];
  let admin: AdminSession;
  let dump: string;

  const first = async (sql: string): Promise<string> => Object.values((await admin.query<Record<string, string>>(sql))[0]!)[0]!;
  const grants = async (name: string): Promise<string[]> => (await admin.query<Record<string, string>>(`SHOW GRANTS FOR ${name}`)).map((g) => Object.values(g)[0]!);
  const dropAccounts = (): Promise<unknown> => admin.query(`DROP USER IF EXISTS ${tls}, ${cert}, \`${inner}\`@\`%\`; DROP ROLE IF EXISTS \`${inner}\`; DROP ROLE IF EXISTS \`${outer}\``);

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE t (id INT PRIMARY KEY);
      CREATE ROLE \`${inner}\`; CREATE ROLE \`${outer}\`;
      GRANT SELECT ON \`${db}\`.* TO \`${inner}\`;
      GRANT \`${inner}\` TO \`${outer}\`;
      GRANT INSERT ON \`${db}\`.t TO \`${outer}\`;
      CREATE USER ${tls} IDENTIFIED BY 'dump-pw' REQUIRE SSL;
      GRANT RELOAD ON *.* TO ${tls};
      CREATE USER ${cert} REQUIRE SUBJECT '/CN=x' AND ISSUER '/CN=ca';
      GRANT PROCESS ON *.* TO ${cert} WITH GRANT OPTION MAX_QUERIES_PER_HOUR 5;`);
    dump = path.join(tempDir('usrx'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '--users', '-o', dump, '-q']);
    expect(d.code, d.stderr).toBe(0);
  });

  afterAll(async () => {
    await dropAccounts().catch(() => undefined);
    await cleanupLoads(db, targets, []);
    await admin?.close();
    removeTemps();
  });

  it('an existing account keeps its password and TLS requirement, is named as kept; a left-out role gets nothing', async () => {
    await dropAccounts();
    await admin.query(`CREATE USER ${tls} IDENTIFIED BY 'target-pw'; CREATE USER ${cert} REQUIRE X509`);
    const tlsBefore = await first(`SHOW CREATE USER ${tls}`);
    const target = `${db}_t`;
    targets.push(target);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', target, '--load-users', '--users-include', `${p}_*`, '--users-exclude', inner]);
    // the outer role's own grant of the left-out role is refused by the target (reported, exit 1)
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`users: ${outer}: Invalid role specification`));
    expect(r.stderr).toMatch(/1 account statement\(s\) the target could not take/);
    expect(r.stderr).toMatch(new RegExp(`users: kept as they are on the target \\(password, limits and TLS requirement not changed\\): .*${p}_tls@%`));
    // the password and the (absent) REQUIRE SSL are the target's, the dump's privilege was added
    expect(await first(`SHOW CREATE USER ${tls}`)).toBe(tlsBefore);
    expect(await grants(tls)).toContain(`GRANT RELOAD ON *.* TO ${tls} IDENTIFIED BY PASSWORD '${/'(\*[0-9A-F]{40})'/.exec(tlsBefore)![1]}'`);
    expect(await first(`SHOW CREATE USER ${cert}`)).toBe(`CREATE USER ${cert} REQUIRE X509`);
    expect(await grants(cert)).toContain(`GRANT PROCESS ON *.* TO ${cert} REQUIRE X509 WITH GRANT OPTION`);
    // the left-out role is not on the target in any form: no role, no password-less user
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM mysql.user WHERE User = ?', [inner]))).toBe(0);
    expect((await grants(`\`${outer}\``)).sort()).toEqual([`GRANT INSERT ON \`${target}\`.\`t\` TO \`${outer}\``, `GRANT USAGE ON *.* TO \`${outer}\``]);
  });
});
