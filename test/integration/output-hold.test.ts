/**
 * The hold of a dump's output (src/dump/output.ts, the stores' claim and refresh) where the file
 * system or another run misbehaves: file systems without hard links, a link(2) that reports EEXIST
 * although it was made (NFS retransmits), a claim that fails once written (disk full), a marker of
 * another host with our pid, a marker taken over or swapped for a symbolic link while we hold it,
 * and a refresh that never ends. A file system's failures are made by the child process patching
 * node:fs/promises before the store loads (nothing of the store is mocked: it runs as shipped).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareOutput, finishOutput } from '../../src/dump/output.js';
import type { DumpStore } from '../../src/storage/dump-store.js';
import { localStore } from '../../src/storage/local-store.js';
import { REPO_ROOT } from '../support/cli.js';
import { listFiles, markerJson, overriding, removeTemps, tempDir } from '../support/faults.js';

const MARKER = '.tsdump-in-progress';

/** The pid of a process that has ended (not seen here, as another PID namespace's is not). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/**
 * Runs prepareOutput (of the built dist/) on `dir` in a child process whose node:fs/promises was
 * patched by `patch` (JavaScript with `fsp` in scope) first; what it printed: 'claimed' or the error.
 */
function claimWithFs(dir: string, patch: string): { result: string; suggestion?: string } {
  const script = `
    import fsp from 'node:fs/promises';
    import { syncBuiltinESMExports } from 'node:module';
    const fail = (code) => Object.assign(new Error(code + ': injected by the test'), { code });
    ${patch}
    syncBuiltinESMExports();
    const { prepareOutput } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'dump', 'output.js'))});
    const { localStore } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'storage', 'local-store.js'))});
    try {
      await (await prepareOutput(await localStore(process.argv[1], { create: true }), false, 'child')).release();
      console.log(JSON.stringify({ result: 'claimed' }));
    } catch (e) {
      console.log(JSON.stringify({ result: e.message, suggestion: e.suggestion }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as { result: string; suggestion?: string };
}

describe('the hold of the output', () => {
  afterAll(() => removeTemps());

  it.each(['ENOSYS', 'EACCES', 'EPERM'])('a file system whose link(2) fails %s (FUSE without a link op, SMB, FAT) still takes the dump, claimed exclusively', (code) => {
    const dir = path.join(tempDir('hold-nolink'), 'dump');
    const patch = `fsp.link = async () => { throw fail(${JSON.stringify(code)}); };`;
    expect(claimWithFs(dir, patch).result).toBe('claimed');
    expect(listFiles(dir)).toEqual([MARKER]);
    // and exclusively: a second run is refused, naming the first
    expect(claimWithFs(dir, patch).result).toContain('is not empty');
  });

  it('a link(2) that reports EEXIST although it was made (NFS: the retransmitted request of a lost reply) is a claim won', () => {
    const dir = path.join(tempDir('hold-nfs'), 'dump');
    const r = claimWithFs(dir, `const link = fsp.link; fsp.link = async (a, b) => { await link(a, b); throw fail('EEXIST'); };`);
    expect(r.result).toBe('claimed');
    expect(listFiles(dir)).toEqual([MARKER]);
  });

  it('a claim that fails once written (no hard links, then the disk fills) is removed: the next run is not refused as "being claimed"', () => {
    const dir = path.join(tempDir('hold-enospc'), 'dump');
    const r = claimWithFs(
      dir,
      `fsp.link = async () => { throw fail('ENOSYS'); };
       const open = fsp.open;
       fsp.open = async (p, ...rest) => {
         const fh = await open(p, ...rest);
         if (String(p).endsWith('${MARKER}.partial')) fh.writeFile = async () => { throw fail('ENOSPC'); };
         return fh;
       };`,
    );
    expect(r.result).toContain(`cannot write ${MARKER}.partial: disk full`);
    expect(listFiles(dir)).toEqual([]);
    expect(claimWithFs(dir, '').result).toBe('claimed');
  });

  it('a fresh marker of another host whose pid is ours (PID 1 in containers) is a dump still running: --overwrite refuses it, nothing is deleted', async () => {
    const dir = path.join(tempDir('hold-pid'), 'dump');
    mkdirSync(path.join(dir, 'db'), { recursive: true });
    writeFileSync(path.join(dir, MARKER), markerJson('other-node', process.pid));
    writeFileSync(path.join(dir, 'db', 'a.000001.csv'), '1,"live"\n');
    const err = await prepareOutput(await localStore(dir), true, 'test').then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toContain(`is being written by another tsdump (pid ${process.pid} on other-node`);
    expect(listFiles(dir)).toEqual([MARKER, 'db/a.000001.csv']);
    expect(readFileSync(path.join(dir, 'db', 'a.000001.csv'), 'utf8')).toBe('1,"live"\n');
  });

  it.each([
    ['our pid (every container runs tsdump as PID 1)', () => process.pid],
    ['a pid not seen here (another PID namespace)', () => deadPid()],
  ])('a marker of our host name, %s, and another run\'s runId is judged by its age: fresh, --overwrite refuses it; old, it replaces it', async (_, pid) => {
    const dir = path.join(tempDir('hold-container'), 'dump');
    mkdirSync(path.join(dir, 'db'), { recursive: true });
    writeFileSync(path.join(dir, MARKER), markerJson(os.hostname(), pid()));
    writeFileSync(path.join(dir, 'db', 'a.000001.csv'), '1,"live"\n');
    const err = await prepareOutput(await localStore(dir), true, 'test').then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(new RegExp(`is being written by another tsdump \\(pid \\d+ on ${os.hostname()}, started .*; its marker was refreshed \\d+ s ago\\); nothing was deleted`));
    expect(listFiles(dir)).toEqual([MARKER, 'db/a.000001.csv']);
    // the same marker, last refreshed ten minutes ago: a killed run's
    const then = new Date(Date.now() - 10 * 60_000);
    utimesSync(path.join(dir, MARKER), then, then);
    await (await prepareOutput(await localStore(dir), true, 'test')).release();
    expect(listFiles(dir)).toEqual([MARKER]);
  });

  it('a marker of a process of our PID namespace that has ended is replaced at once', async () => {
    const dir = path.join(tempDir('hold-ended'), 'dump');
    // a run of a child process, which then exits: its marker is left, just refreshed
    const script = `
      const { prepareOutput } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'dump', 'output.js'))});
      const { localStore } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'storage', 'local-store.js'))});
      await (await prepareOutput(await localStore(process.argv[1], { create: true }), false, 'child')).release();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8'))).toMatchObject({ host: os.hostname(), version: 'child' });
    await (await prepareOutput(await localStore(dir), true, 'test')).release();
    expect(JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8'))).toMatchObject({ version: 'test', pid: process.pid });
  });

  it('a run whose output another tsdump took over (its marker replaced) is told, and removes nothing of the new run', async () => {
    const dir = path.join(tempDir('hold-takeover'), 'dump');
    const a = await prepareOutput(await localStore(dir, { create: true }), false, 'a', undefined, 20);
    // b stands for another host's --overwrite that judged a's marker stale (in one process the pid says "not running")
    const b = await prepareOutput(await localStore(dir), true, 'b', undefined, 1e9);
    try {
      await new Promise<void>((resolve) => (a.lost.aborted ? resolve() : a.lost.addEventListener('abort', () => resolve(), { once: true })));
      expect(String((a.lost.reason as Error).message)).toMatch(/is no longer this dump's: its in-progress marker is now another tsdump's \(pid \d+ on .+\); stopped without writing the manifest/);
      await expect(finishOutput(await localStore(dir), a)).rejects.toThrow("is no longer this dump's");
      expect(JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8'))).toMatchObject({ version: 'b' });
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });

  it('a run whose marker was removed under it is told before it writes its manifest', async () => {
    const dir = path.join(tempDir('hold-gone'), 'dump');
    const a = await prepareOutput(await localStore(dir, { create: true }), false, 'a', undefined, 1e9);
    try {
      unlinkSync(path.join(dir, MARKER));
      await expect(a.confirm()).rejects.toThrow("is no longer this dump's: its in-progress marker was removed");
      expect(listFiles(dir)).toEqual([]);
    } finally {
      await a.release();
    }
  });

  it('a marker swapped for a symbolic link is not followed by the refresh (the file outside keeps its mtime) and the run is told', async () => {
    const dir = path.join(tempDir('hold-symlink'), 'dump');
    const outside = path.join(tempDir('hold-outside'), 'notes.txt');
    writeFileSync(outside, 'not ours\n');
    utimesSync(outside, new Date(0), new Date(0));
    const hold = await prepareOutput(await localStore(dir, { create: true }), false, 'test', undefined, 20);
    try {
      unlinkSync(path.join(dir, MARKER));
      symlinkSync(outside, path.join(dir, MARKER));
      await new Promise<void>((resolve) => (hold.lost.aborted ? resolve() : hold.lost.addEventListener('abort', () => resolve(), { once: true })));
      expect(String((hold.lost.reason as Error).message)).toContain("is no longer this dump's");
      expect(statSync(outside).mtimeMs).toBe(0);
      expect(readFileSync(outside, 'utf8')).toBe('not ours\n');
    } finally {
      await hold.release();
    }
  });

  it('a store that cannot refresh the marker just before the manifest does not fail the run: only a marker lost does', async () => {
    const dir = path.join(tempDir('hold-failing'), 'dump');
    const real = await localStore(dir, { create: true });
    // a store whose refresh fails (an S3 server refusing the put): the data is all written, the marker still ours
    const failing = overriding<DumpStore>(real, { refresh: () => Promise.reject(new Error('NotImplemented, HTTP 501')) });
    const hold = await prepareOutput(failing, false, 'test', undefined, 1e9);
    try {
      await hold.confirm();
      expect(hold.lost.aborted).toBe(false);
      await finishOutput(failing, hold);
      expect(listFiles(dir)).toEqual([]);
    } finally {
      await hold.release();
    }
  });

  it('a refresh that never ends does not hold up the end of the run', async () => {
    const dir = path.join(tempDir('hold-hung'), 'dump');
    const real = await localStore(dir, { create: true });
    let refreshing!: () => void;
    const started = new Promise<void>((r) => (refreshing = r));
    // a store whose refresh hangs (an S3 put retried for minutes)
    const hung = overriding<DumpStore>(real, { refresh: () => (refreshing(), new Promise<never>(() => undefined)) });
    const hold = await prepareOutput(hung, false, 'test', undefined, 10);
    await started;
    await hold.release();
    expect(listFiles(dir)).toEqual([MARKER]);
  }, 60_000);
});
