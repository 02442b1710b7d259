/**
 * A connect error's hint names where the host/port/socket came from when it was not the command
 * line: "check -h/-P" misleads when the port was MYSQL_TCP_PORT or a line of ~/.my.cnf.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionOptionValues } from '../../src/cli/connection-options.js';
import { addConnectionOptions, resolveConnection } from '../../src/cli/connection-options.js';
import { explainConnectError } from '../../src/db/server-errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-hint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function origin(args: string[], env: Record<string, string>): Promise<string | undefined> {
  const cmd = addConnectionOptions(new Command('tsdump'));
  cmd.parse(args, { from: 'user' });
  const r = await resolveConnection(cmd.opts<ConnectionOptionValues>(), 'tsdump', { env, stdinIsTTY: false, prompt: async () => '', homeDir: tmp });
  return r.settings.endpointOrigin;
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('where the endpoint came from', () => {
  it('names the option file line or the variable that set host, port or socket; nothing for the command line', async () => {
    const file = path.join(tmp, 'h.cnf');
    writeFileSync(file, '[client]\nhost=db.example\n');
    expect(await origin(['--defaults-file', file], { MYSQL_TCP_PORT: '1' })).toBe(`host db.example from ${file}, port 1 from MYSQL_TCP_PORT`);
    expect(await origin(['--defaults-file', file, '-P', '3307'], {})).toBe(`host db.example from ${file}`);
    expect(await origin(['--no-defaults', '--url', 'mysql://u@h:3308'], {})).toBe('host h from --url, port 3308 from --url');
    expect(await origin(['--no-defaults'], { MYSQL_UNIX_PORT: '/env.sock' })).toBe('socket /env.sock from MYSQL_UNIX_PORT');
    expect(await origin(['--defaults-file', file, '-h', 'cli', '-P', '1'], { MYSQL_TCP_PORT: '2' })).toBeUndefined();
  });

  it('the hint then points at that setting instead of -h/-P', () => {
    const e = explainConnectError(refused, false, '--ssl-mode PREFERRED', '127.0.0.1:1', 'port 1 from MYSQL_TCP_PORT');
    expect(e.code).toBe('connect');
    expect(e.suggestion).toContain('(port 1 from MYSQL_TCP_PORT)');
    expect(e.suggestion).not.toMatch(/^nothing listens there: check -h\/-P/);
    expect(explainConnectError(refused, false, '--ssl-mode PREFERRED', '127.0.0.1:1').suggestion).toMatch(/check -h\/-P/);
  });
});
