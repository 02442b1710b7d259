import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionOptionValues, ResolveIo } from '../../src/cli/connection-options.js';
import { addConnectionOptions, applyFileDefaults, resolveConnection } from '../../src/cli/connection-options.js';
import { collect } from '../../src/cli/option-parsers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-repeat-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const io: ResolveIo = { env: {}, stdinIsTTY: false, prompt: async () => '', homeDir: tmp };

/** tsdump's repeatable and scalar options as its command defines them, with a file and a command line. */
async function run(cnf: string, args: string[] = []): Promise<Command> {
  const file = path.join(tmp, `t${Math.random().toString(36).slice(2)}.cnf`);
  writeFileSync(file, cnf);
  const cmd = addConnectionOptions(new Command('tsdump'))
    .option('-B, --database <db>', 'db', collect, [])
    .option('--ignore-table <db.t>', 'skip', collect, [])
    .option('--where <db.t:condition>', 'rows', collect, [])
    .option('-t, --threads <n>', 'threads', (v: string) => Number.parseInt(v, 10), 4);
  cmd.exitOverride();
  cmd.parse(['--defaults-file', file, ...args], { from: 'user' });
  const r = await resolveConnection(cmd.opts<ConnectionOptionValues>(), 'tsdump', io);
  applyFileDefaults(cmd, r.fileOptions);
  return cmd;
}

describe('repeatable options in option files (mysqldump accumulates them; the command line names what to dump)', () => {
  it('keeps every line of a repeated option, in the order read', async () => {
    const cmd = await run('[tsdump]\nignore-table=db.t1\nignore-table=db.t2\nwhere=db.t1:id>1\n[tsdump]\nignore-table=db.t3\n');
    expect(cmd.opts()).toMatchObject({ ignoreTable: ['db.t1', 'db.t2', 'db.t3'], where: ['db.t1:id>1'] });
    expect(cmd.getOptionValueSource('ignoreTable')).toBe('config');
  });

  it("adds the command line's exclusions after the files'; its -B, --where replace the files'", async () => {
    const cmd = await run('[tsdump]\nignore-table=db.t1\ndatabase=a\nwhere=db.t:id>1\n', ['--ignore-table', 'db.t9', '-B', 'b', '-B', 'c', '--where', 'db.t:id>2']);
    expect(cmd.opts()).toMatchObject({ ignoreTable: ['db.t1', 'db.t9'], database: ['b', 'c'], where: ['db.t:id>2'] });
    expect(cmd.getOptionValueSource('database')).toBe('cli');
  });

  it('a skip- form empties what the files gave before it; a scalar option keeps the command line or the last line', async () => {
    let cmd = await run('[tsdump]\nignore-table=db.t1\nskip-ignore-table\nignore-table=db.t2\nthreads=2\nthreads=3\n');
    expect(cmd.opts()).toMatchObject({ ignoreTable: ['db.t2'], threads: 3 });
    cmd = await run('[tsdump]\nthreads=2\nthreads=3\n', ['-t', '8']);
    expect(cmd.opts().threads).toBe(8);
    cmd = await run('[client]\nhost=h\n');
    expect(cmd.opts()).toMatchObject({ ignoreTable: [], database: [] });
  });
});
