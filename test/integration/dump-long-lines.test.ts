/**
 * A row whose line in the dump is longer than the source's max_allowed_packet (escaping doubles a
 * string of quotes; hex doubles binary) cannot be restored into a server with the same setting:
 * tsdump says so when it dumps, naming the table, the chunk, the line and the max_allowed_packet the
 * restore needs, and tsload refuses it up front with the same fix.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession, ServerHandle } from '../support/server.js';
import { adminSessionOn, startPrivateServer, uniqueDb } from '../support/server.js';

describe('a line longer than the source\'s max_allowed_packet', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('long_lines');
  const conn = (): string[] => ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
  const env = (): Record<string, string | undefined> => ({ MYSQL_PWD: server.info.password || undefined });

  beforeAll(async () => {
    server = await startPrivateServer();
    // set once the server is up (its time zone tables load in bigger statements); new sessions get it
    admin = await adminSessionOn(server.info);
    await admin.query('SET GLOBAL max_allowed_packet = 2097152');
    // 1.25 MiB of quotes: fits the packet as a value, 2.5 MiB once escaped in an INSERT
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.quotes (id INT PRIMARY KEY, body LONGTEXT); CREATE TABLE \`${db}\`.plain (id INT PRIMARY KEY, body TEXT)`);
    await admin.query(`INSERT INTO \`${db}\`.quotes VALUES (1, 'small'), (2, REPEAT('''', 1280 * 1024)), (3, 'small'); INSERT INTO \`${db}\`.plain VALUES (1, 'x')`);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    removeTemps();
  });

  it('--format sql: a warning at dump time names the table, the chunk, the line and the setting the restore needs; tsload refuses it with the same fix', async () => {
    const dir = path.join(tempDir('long-lines'), 'dump');
    const d = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '--format', 'sql', '-q'], { env: env() });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toMatch(new RegExp(`${db}\\.quotes.*chunk 1 \\(${db}/quotes\\.000001\\.sql\\): line \\d+ is 2\\.5 MiB, more than this server's max_allowed_packet \\(2\\.0 MiB\\), so a server with the same setting cannot load it: restore into one with SET GLOBAL max_allowed_packet = 4194304;`));
    // one warning: the table whose rows fit says nothing
    expect(d.stderr).not.toMatch(/plain/);
    const load = await runCli('tsload', [...conn(), '-d', dir, '-B', `${db}_copy`, '--dry-run'], { env: env() });
    expect(load.code, load.stderr).toBe(1);
    expect(load.stderr).toMatch(/is 2\.5 MiB, more than the target's max_allowed_packet \(2\.0 MiB\)/);
    expect(load.stderr).toMatch(/SET GLOBAL max_allowed_packet = 4194304;/);
  }, 300_000);
});
