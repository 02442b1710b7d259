/**
 * `tsdump --overwrite` replaces only one of our dumps and deletes only its files: a directory that
 * merely holds a file named manifest.json or .tsdump-in-progress, a dump with a user's file next to
 * it, or a dump another tsdump is still writing is refused before anything is deleted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PID_SPACE, prepareOutput } from '../../src/dump/output.js';
import type { Manifest } from '../../src/format/manifest.js';
import { localStore } from '../../src/storage/local-store.js';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import { listFiles, markerJson, overriding, removeTemps, tempDir, waitFor, whileOneHolds } from '../support/faults.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

/** Every file below `dir` with its content: what must be left exactly as it was. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(path.join(dir, f), 'latin1')]));
}

describe('tsdump --overwrite', () => {
  const db = uniqueDb('overwrite');
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10)); CREATE TABLE b (id INT PRIMARY KEY);
      INSERT INTO a SELECT seq, 'x' FROM seq_1_to_300; INSERT INTO b SELECT seq FROM seq_1_to_10;`);
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
    removeTemps();
  });

  const dump = (dir: string, extra: string[] = []) => runCli('tsdump', [...connArgs(), '-B', db, '-o', dir, '--rows', '100', '-q', ...extra]);

  /** A web project: source files and the web app manifest every such project has. */
  function webProject(): string {
    const dir = path.join(tempDir('webproject'), 'site');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>shop</title>\n');
    writeFileSync(path.join(dir, 'src', 'app.js'), 'console.log("hello");\n');
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'Shop', start_url: '/', icons: [] }));
    return dir;
  }

  it('a directory with a manifest.json that is not ours is refused; nothing is deleted', async () => {
    const dir = webProject();
    const before = snapshot(dir);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no tsdump dump');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a directory with an empty .tsdump-in-progress is refused; nothing is deleted', async () => {
    const dir = webProject();
    writeFileSync(path.join(dir, 'manifest.json'), '');
    writeFileSync(path.join(dir, '.tsdump-in-progress'), '');
    const before = snapshot(dir);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds no tsdump dump');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a directory another tsdump is claiming (its marker written, not yet in place) is refused naming that; nothing is deleted', async () => {
    const dir = path.join(tempDir('overwrite-claiming'), 'dump');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.tsdump-in-progress.partial'), '');
    const before = snapshot(dir);
    const r = await dump(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is being claimed by another tsdump');
    expect(snapshot(dir)).toEqual(before);
    // a claim left by a tsdump killed while claiming: named, with the fix
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.once('exit', r));
    const claimOf = (extra: object) => JSON.stringify({ tool: 'tsdump', version: '0', startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), pid: dead.pid, ...extra }) + '\n';
    writeFileSync(path.join(dir, '.tsdump-in-progress.partial'), claimOf({ pidSpace: PID_SPACE }));
    const stale = await dump(dir, ['--overwrite']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain(`is being claimed by another tsdump (pid ${dead.pid} on ${os.hostname()}, started 2026-01-01T00:00:00.000Z)`);
    expect(stale.stderr).toContain('that process is not running: it was killed while claiming the output; remove .tsdump-in-progress.partial');
    // one of our host name but not of our PID namespace (another container's, or of a tsdump before pidSpace): its pid says nothing here
    writeFileSync(path.join(dir, '.tsdump-in-progress.partial'), claimOf({}));
    const unknown = await dump(dir, ['--overwrite']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toContain('that process is not running');
    expect(unknown.stderr).toContain('if no tsdump runs there, one was killed while claiming it: remove .tsdump-in-progress.partial');
  });

  it('a manifest.json that is a symbolic link to a real dump\'s manifest makes nothing ours', async () => {
    const real = path.join(tempDir('overwrite-real'), 'dump');
    expect((await dump(real)).code).toBe(0);
    const dir = webProject();
    rmSync(path.join(dir, 'manifest.json'));
    symlinkSync(path.join(real, 'manifest.json'), path.join(dir, 'manifest.json'));
    const before = snapshot(dir);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('holds no tsdump dump');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a real dump with a user\'s file next to it is refused naming the file; nothing is deleted', async () => {
    const dir = path.join(tempDir('overwrite-stray'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    writeFileSync(path.join(dir, 'NOTES.txt'), 'restore with tsload -d .\n');
    mkdirSync(path.join(dir, 'keep'));
    writeFileSync(path.join(dir, 'keep', 'a.000001.csv.orig'), '1,x\n');
    const before = snapshot(dir);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/also 2 file\(s\) tsdump did not write \(NOTES\.txt, keep\/a\.000001\.csv\.orig\); nothing was deleted/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a dump another tsdump is still writing is refused; nothing is deleted', async () => {
    const dir = path.join(tempDir('overwrite-running'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    // a live process of this host stands for the other tsdump
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, '.tsdump-in-progress'), JSON.stringify({ tool: 'tsdump', version: '0', startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), pid: other.pid }) + '\n');
      const before = snapshot(dir);
      const r = await dump(dir, ['--overwrite']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`is being written by another tsdump (pid ${other.pid} on ${os.hostname()}`);
      expect(snapshot(dir)).toEqual(before);
      // without --overwrite too: not "an interrupted dump, pass --overwrite"
      const plain = await dump(dir);
      expect(plain.code).toBe(2);
      expect(plain.stderr).toContain(`is being written by another tsdump (pid ${other.pid} on ${os.hostname()}`);
      expect(plain.stderr).not.toMatch(/pass --overwrite/);
      expect(snapshot(dir)).toEqual(before);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('a dump a tsdump on another host is writing (its marker refreshed just now) is refused by --overwrite; nothing is deleted', async () => {
    const dir = path.join(tempDir('overwrite-remote'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    writeFileSync(path.join(dir, '.tsdump-in-progress'), JSON.stringify({ tool: 'tsdump', version: '0', startedAt: '2026-01-01T00:00:00.000Z', host: 'elsewhere', pid: 1 }) + '\n');
    const before = snapshot(dir);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is being written by another tsdump \(pid 1 on elsewhere, started 2026-01-01T00:00:00\.000Z; its marker was refreshed \d+ s ago\); nothing was deleted/);
    expect(r.stderr).toContain('a tsdump that was killed stops refreshing its marker: 2 minutes later --overwrite replaces its dump');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a running dump keeps its marker fresh until it lets go of the output (in-process)', async () => {
    const dir = path.join(tempDir('overwrite-fresh'), 'dump');
    const store = await localStore(dir, { create: true });
    const hold = await prepareOutput(store, false, 'test', undefined, 20);
    const marker = path.join(dir, '.tsdump-in-progress');
    const old = new Date(0);
    utimesSync(marker, old, old);
    // refreshed every 20 ms here: a generous bound on the wait, not a measure of it
    for (let i = 0; i < 3000 && statSync(marker).mtimeMs === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(statSync(marker).mtimeMs, 'the marker was never refreshed').not.toBe(0);
    await hold.release();
    utimesSync(marker, old, old);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statSync(marker).mtimeMs).toBe(0);
  });

  it('two runs that both found the output empty: exactly one claims it, the other stops naming it (in-process, deterministic)', async () => {
    const dir = path.join(tempDir('overwrite-race'), 'dump');
    const [a, b] = [await localStore(dir, { create: true }), await localStore(dir, { create: true })];
    // both list the directory before either writes its marker
    const results = await Promise.allSettled([prepareOutput(a, false, 'test'), prepareOutput(b, false, 'test')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(String((lost.reason as Error).message)).toContain(`output ${dir} is being claimed by another tsdump (pid ${process.pid} on ${os.hostname()}, started `);
    expect(listFiles(dir)).toEqual(['.tsdump-in-progress']);
  });

  it('two --overwrite runs that both found the same earlier dump: the first to claim replaces it, the other stops naming it and deletes nothing (in-process, deterministic)', async () => {
    const dir = path.join(tempDir('overwrite-race2'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    const earlier = listFiles(dir);
    const real = await localStore(dir);
    let listed!: () => void;
    const reachedList = new Promise<void>((r) => (listed = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // run b, the slow one of two started at once: its listing taken, it waits there while a runs
    const slow = overriding(real, { list: async () => Promise.all([real.list(), (listed(), gate)]).then(([entries]) => entries) });
    const b = prepareOutput(slow, true, 'b').then(() => 'won' as const, (e: unknown) => e as Error);
    await reachedList;
    const before = snapshot(dir);
    const a = await prepareOutput(await localStore(dir), true, 'a').then(() => 'won' as const, (e: unknown) => e as Error);
    // a, started second, is refused before it deletes anything (it used to delete the earlier dump, then b deleted a's marker and files of the same names)
    expect(a).toBeInstanceOf(Error);
    expect((a as Error).message).toContain(`output ${dir} is being claimed by another tsdump (pid ${process.pid} on ${os.hostname()}, started `);
    expect(snapshot(dir)).toEqual(before);
    release();
    expect(await b).toBe('won');
    expect(JSON.parse(readFileSync(path.join(dir, '.tsdump-in-progress'), 'utf8'))).toMatchObject({ tool: 'tsdump', version: 'b' });
    expect(listFiles(dir)).toEqual(['.tsdump-in-progress']);
    expect(earlier.length).toBeGreaterThan(3);
  });

  it('two tsdumps --overwrite started at once over an earlier dump: one replaces it, the other exits 2 naming the other run; the dump verifies', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = path.join(tempDir('overwrite-twice-over'), 'dump');
      expect((await dump(dir)).code).toBe(0);
      const runs = await whileOneHolds(admin, () => [dump(dir, ['--overwrite']), dump(dir, ['--overwrite'])]);
      expect(runs.find((r) => r.code === 2)!.stderr).toMatch(/another tsdump \(pid \d+ on /);
      expect((await runCli('tsdump', ['verify', dir])).code).toBe(0);
    }
  });

  it('two tsdumps started at once into one new directory: one dumps, the other exits 2 naming the other run; the dump verifies', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = path.join(tempDir('overwrite-twice'), 'dump');
      const runs = await whileOneHolds(admin, () => [dump(dir), dump(dir)]);
      // whichever step of the winner's claim the loser met: claiming, claimed, or running
      expect(runs.find((r) => r.code === 2)!.stderr).toMatch(/another tsdump|holds the dump/);
      expect((await runCli('tsdump', ['verify', dir])).code).toBe(0);
    }
  });

  it('a tsdump --overwrite killed while it deletes the earlier dump leaves an interrupted dump of ours: the next --overwrite replaces it', async () => {
    const dir = path.join(tempDir('overwrite-killed'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    expect(listFiles(dir).length).toBeGreaterThan(3);
    // a tsdump --overwrite, kill -9'd as it deletes the second file (the manifest went first)
    const script = `
      const { prepareOutput } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'dump', 'output.js'))});
      const { localStore } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'storage', 'local-store.js'))});
      const real = await localStore(process.argv[1]);
      let removes = 0;
      const dying = new Proxy(real, { get: (t, p) => p === 'remove' ? async (f) => { if (++removes === 2) process.kill(process.pid, 'SIGKILL'); return t.remove(f); } : (typeof t[p] === 'function' ? t[p].bind(t) : t[p]) });
      await prepareOutput(dying, true, 'killed');`;
    const killed = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(listFiles(dir)).not.toContain('manifest.json');
    // its claim is left: named, with the fix
    const claimed = await dump(dir, ['--overwrite']);
    expect(claimed.code).toBe(2);
    expect(claimed.stderr).toContain(`that process is not running: it was killed while claiming the output; remove .tsdump-in-progress.partial`);
    rmSync(path.join(dir, '.tsdump-in-progress.partial'));
    const r = await dump(dir, ['--overwrite']);
    expect(r.code, r.stderr).toBe(0);
    expect((await runCli('tsdump', ['verify', dir])).code).toBe(0);
  });

  it('a tsdump whose output another run took over while it ran stops before its manifest and deletes nothing of the other run', async () => {
    const dir = path.join(tempDir('overwrite-taken'), 'dump');
    // the dump waits in its snapshot step for the backup lock the test holds: its marker is in place
    await admin.query('BACKUP STAGE START');
    let run: Promise<Awaited<ReturnType<typeof dump>>> | undefined;
    const other = markerJson('elsewhere', 4242);
    try {
      run = dump(dir);
      await waitFor('the marker of the run', () => existsSync(path.join(dir, '.tsdump-in-progress')));
      // another host's --overwrite (that judged it stale) put its own marker in place
      rmSync(path.join(dir, '.tsdump-in-progress'));
      writeFileSync(path.join(dir, '.tsdump-in-progress'), other);
    } finally {
      await admin.query('BACKUP STAGE END');
    }
    const r = await run!;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`output ${dir} is no longer this dump's: its in-progress marker is now another tsdump's (pid 4242 on elsewhere`);
    expect(listFiles(dir)).not.toContain('manifest.json');
    expect(readFileSync(path.join(dir, '.tsdump-in-progress'), 'utf8')).toBe(other);
  });

  it('a real dump is replaced: the old files go, the new dump verifies', async () => {
    const dir = path.join(tempDir('overwrite-ok'), 'dump');
    expect((await dump(dir)).code).toBe(0);
    const first = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const oldFiles = listFiles(dir);
    expect(oldFiles.some((f) => /\/b\.000001\.csv$/.test(f))).toBe(true);
    const r = await runCli('tsdump', [...connArgs(), '-T', `${db}.a`, '-o', dir, '--rows', '150', '-q', '--overwrite']);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(second.dumpId).not.toBe(first.dumpId);
    expect(listFiles(dir).filter((f) => /\/b\./.test(f))).toEqual([]);
    expect(second.databases[0]!.tables.map((t) => `${t.name}:${t.rows}:${t.chunks.length}`)).toEqual(['a:300:2']);
    const v = await runCli('tsdump', ['verify', dir]);
    expect(v.code, v.stdout).toBe(0);
  });

  it('an interrupted dump of ours (our marker, chunk and partial files) is replaced', async () => {
    const dir = path.join(tempDir('overwrite-interrupted'), 'dump');
    mkdirSync(path.join(dir, db), { recursive: true });
    writeFileSync(path.join(dir, '.tsdump-in-progress'), JSON.stringify({ tool: 'tsdump', version: '0', startedAt: '2026-01-01T00:00:00.000Z', host: 'elsewhere', pid: 1 }) + '\n');
    writeFileSync(path.join(dir, db, 'a.000001.csv'), '1,"x"\n');
    writeFileSync(path.join(dir, db, 'a.000002.csv.partial'), '2,');
    // another host's run, its marker last refreshed ten minutes ago: it is not running
    const then = new Date(Date.now() - 10 * 60_000);
    utimesSync(path.join(dir, '.tsdump-in-progress'), then, then);
    const r = await dump(dir, ['--overwrite']);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(dir).filter((f) => f.endsWith('.partial') || f === '.tsdump-in-progress')).toEqual([]);
    expect((await runCli('tsdump', ['verify', dir])).code).toBe(0);
  });
});
