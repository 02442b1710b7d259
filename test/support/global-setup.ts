/**
 * Vitest global setup: one test server for the whole run.
 *
 * TSDUMP_TEST_URL=mysql://user:pass@host:port uses that server; otherwise a throwaway mariadbd/mysqld
 * is started in a temp dir (see server.ts) and shut down and removed afterwards. Connection info goes to
 * `provide('testServer')` and to TSDUMP_TEST_* env vars (for workers and child processes).
 */
import type { TestProject } from 'vitest/node';
import type { ServerHandle, TestServerInfo } from './server.js';
import { buildUrl, createServer, parseTestUrl } from './server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The tools ignore a world-writable option file, as the mysql client does (cli/option-files.ts):
  // the option files tests write must not become one under a permissive umask (002, 000) on CI.
  // Test workers and the CLIs they spawn inherit it.
  process.umask(process.umask() | 0o022);
  let handle: ServerHandle | undefined;
  let info: TestServerInfo;
  const external = process.env.TSDUMP_TEST_URL;
  if (external) {
    const c = parseTestUrl(external);
    info = { ...c, url: buildUrl(c.host, c.port, c.user, c.password), owned: false };
  } else {
    handle = await createServer();
    info = handle.info;
  }
  const env = process.env;
  env.TSDUMP_TEST_HOST = info.host;
  env.TSDUMP_TEST_PORT = String(info.port);
  env.TSDUMP_TEST_USER = info.user;
  env.TSDUMP_TEST_PASSWORD = info.password;
  env.TSDUMP_TEST_OWNED = info.owned ? '1' : '0';
  env.TSDUMP_TEST_DATADIR = info.datadir ?? '';
  env.TSDUMP_TEST_CNF = info.cnf ?? '';
  env.TSDUMP_TEST_FILES_DIR = info.filesDir ?? '';
  env.TSDUMP_TEST_PID = String(handle?.pid() ?? '');
  project.provide('testServer', info);

  return async () => {
    // a test may have restarted the server: the handle reads the current pid from the pid file
    await handle?.destroy();
  };
}
