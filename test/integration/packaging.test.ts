/**
 * The npm package as users get it, from a fresh clone: the working tree is copied without node_modules'
 * contents, dist/ or .tmp/ (node_modules is linked, as `npm ci` would have filled it), `npm pack` there
 * builds it through the prepare script, and the tarball is installed globally into a temp prefix
 * (dependencies from the registry). The installed bins then run from outside the repository: --version,
 * --help, and a real dump → load against the test server, compared object by object.
 * npm and the scripts it runs get the node vitest runs on (first on PATH), as under `make test`.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { REPO_ROOT, connArgs } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, testServer, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture } from './load-fixture.js';

interface PackageJson {
  version: string;
  files: string[];
  bin: Record<string, string>;
  scripts: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-pack-'));
const clone = path.join(tmp, 'clone');
const prefix = path.join(tmp, 'prefix');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What a fresh clone does not have (built, fetched or installed later, or not in git). */
const NOT_IN_A_CLONE = new Set(['.git', 'node_modules', 'dist', '.tmp', 'coverage']);

/** The environment of every child: this runtime first on PATH, no password on argv. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
  const password = testServer().password;
  if (password) env.MYSQL_PWD = password;
  else delete env.MYSQL_PWD;
  return env;
}

function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: childEnv(), timeout: 240_000 });
}

function output(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}${r.error ? ` ${r.error.message}` : ''}\n${r.stderr}\n${r.stdout}`;
}

/** An installed bin, run from a directory outside the repository so nothing resolves from the working tree. */
function installed(name: string, args: readonly string[]): SpawnSyncReturns<string> {
  return run(path.join(prefix, 'bin', name), args, tmp);
}

describe('packaging', () => {
  let listing: string[] = [];
  let unpacked = '';
  let tarball = '';

  beforeAll(() => {
    cpSync(REPO_ROOT, clone, { recursive: true, filter: (src) => !NOT_IN_A_CLONE.has(path.relative(REPO_ROOT, src).split(path.sep)[0]!) });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('package.json: the build runs on prepare, "files" ships what the bins need', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    for (const entry of ['dist', 'docs', 'README.md']) expect(pkg.files).toContain(entry);
    for (const file of Object.values(pkg.bin)) expect(file.startsWith('dist/'), `${file} is inside a shipped folder`).toBe(true);
    expect(existsSync(path.join(clone, 'dist')), 'the copy has no build of its own yet').toBe(false);
  });

  it('npm pack in a fresh clone builds, and ships the bins, the wasm, LICENSE and README, no sources or source maps', { timeout: 300_000 }, () => {
    const packDir = path.join(tmp, 'pack');
    mkdirSync(packDir);
    const pack = run(npm, ['pack', '--pack-destination', packDir, '--silent'], clone);
    expect(pack.status, output(pack)).toBe(0);
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toEqual([`tsdump-${pkg.version}.tgz`]);
    tarball = path.join(packDir, tarballs[0]!);

    listing = run('tar', ['-tzf', tarball], tmp).stdout.split('\n').filter((f) => f !== '');
    for (const file of Object.values(pkg.bin)) expect(listing).toContain(`package/${file}`);
    for (const file of ['dist/wasm/wire-encoder.wasm', 'dist/index.js', 'dist/index.d.ts', 'LICENSE', 'README.md', 'package.json']) expect(listing).toContain(`package/${file}`);
    expect(listing.filter((f) => /^package\/(src|test|assembly|bench|scripts|node_modules)\//.test(f))).toEqual([]);
    expect(listing.filter((f) => f.endsWith('.map'))).toEqual([]);

    unpacked = path.join(tmp, 'unpacked');
    mkdirSync(unpacked);
    const untar = run('tar', ['-xzf', tarball, '-C', unpacked], tmp);
    expect(untar.status, output(untar)).toBe(0);
    const js = listing.filter((f) => f.endsWith('.js'));
    const pointing = js.filter((f) => readFileSync(path.join(unpacked, f), 'utf8').includes('sourceMappingURL'));
    expect(pointing, 'shipped files that name a source map').toEqual([]);
    expect(readFileSync(path.join(unpacked, 'package/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the tsdump authors/);
    // the bins' shebang runs node (with the malloc environment and V8 flags it sets at start-up: src/cli/tsdump.ts line 1)
    expect(readFileSync(path.join(unpacked, `package/${pkg.bin.tsdump!}`), 'utf8').split('\n')[0]).toMatch(/^#!\/usr\/bin\/env (-S ([A-Za-z_][A-Za-z0-9_]*=\S* )*)?node( |$)/);

    const install = run(npm, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], tmp);
    expect(install.status, output(install)).toBe(0);
  });

  it('the installed tsdump and tsload print their version and help', () => {
    expect(listing.length, 'the package was built and installed by the test before').toBeGreaterThan(0);
    for (const name of Object.keys(pkg.bin)) {
      const version = installed(name, ['--version']);
      expect(version.status, `${name} --version: ${output(version)}`).toBe(0);
      expect(version.stdout.trim()).toBe(pkg.version);
    }
    const help = installed('tsload', ['--help']);
    expect(help.status, output(help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsload /);
    expect(help.stdout).toMatch(/-d, --directory <dir>/);
  });

  describe('a real dump and load with the installed bins', () => {
    let admin: AdminSession;
    const src = uniqueDb('pack_src');
    const dst = uniqueDb('pack_dst');

    beforeAll(async () => {
      admin = await adminSession();
      await createLoadFixture(admin, src);
    });

    afterAll(async () => {
      await cleanupLoads(src, [dst], []);
      await admin?.close();
    });

    it('tsdump → tsdump verify → tsload: the copy equals the source', { timeout: 300_000 }, async () => {
      expect(listing.length, 'the package was built and installed by the test before').toBeGreaterThan(0);
      const out = path.join(tmp, 'dump');
      const dump = installed('tsdump', [...connArgs(), '-B', src, '-o', out, '--rows', '700', '-t', '2', '--checksum', '-q']);
      expect(dump.status, `tsdump: ${output(dump)}`).toBe(0);
      const verify = installed('tsdump', ['verify', out]);
      expect(verify.status, `tsdump verify: ${output(verify)}`).toBe(0);
      const load = installed('tsload', [...connArgs(), '-d', out, '-B', dst, '-t', '2', '-q']);
      expect(load.status, `tsload: ${output(load)}`).toBe(0);
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, 'installed package')).toEqual([]);
    });
  });

  describe('the API of the installed package in a project of its own', () => {
    let admin: AdminSession;
    const project = path.join(tmp, 'project');
    const src = uniqueDb('api_src');
    const dst = uniqueDb('api_dst');
    const resumed = uniqueDb('api_resumed');

    /** A user's program in the project: node with the test server's address in the environment. */
    function user(script: string, args: readonly string[]): SpawnSyncReturns<string> {
      const server = testServer();
      return spawnSync(process.execPath, [path.join(project, script), ...args], {
        cwd: project,
        encoding: 'utf8',
        env: { ...childEnv(), T_HOST: server.host, T_PORT: String(server.port), T_USER: server.user },
        timeout: 240_000,
      });
    }

    beforeAll(async () => {
      admin = await adminSession();
      await createLoadFixture(admin, src);
    });

    afterAll(async () => {
      await cleanupLoads(src, [dst, resumed], []);
      await admin?.close();
    });

    it('npm install of the tarball into a project', { timeout: 300_000 }, () => {
      expect(tarball, 'the package was packed by the test before').not.toBe('');
      mkdirSync(project);
      writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }));
      for (const [name, text] of Object.entries(USER_FILES)) writeFileSync(path.join(project, name), text);
      // the README's example, type-checked with the user's file
      const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
      const example = /## Library use[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example, 'README has a "Library use" section with a ts example').toBeDefined();
      writeFileSync(path.join(project, 'readme-example.ts'), example!);
      const install = run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
      expect(install.status, output(install)).toBe(0);
    });

    it('import { dump, load, verify } from "tsdump": a round trip, the copy equals the source', { timeout: 300_000 }, async () => {
      const r = user('roundtrip.mjs', [src, dst, path.join(tmp, 'api-dump')]);
      expect(r.status, output(r)).toBe(0);
      const out = JSON.parse(r.stdout) as { verifyOk: boolean; files: number; loadOk: boolean; mismatches: number; kinds: string[]; loadKinds: string[]; frozen: boolean; tables: number };
      expect(out).toMatchObject({ verifyOk: true, loadOk: true, mismatches: 0, frozen: true, tables: 5 });
      expect(out.files).toBeGreaterThan(5);
      for (const kind of ['start', 'phase-start', 'chunk-done', 'table-done', 'phase-done']) expect(out.kinds, 'dump events through onEvent').toContain(kind);
      for (const kind of ['start', 'phase-start', 'chunk-done', 'table-done', 'phase-done']) expect(out.loadKinds, 'load events through iterate').toContain(kind);
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, 'API round trip')).toEqual([]);
    });

    it('an AbortSignal stops a load (interrupted, resumable) and a dump (no manifest)', { timeout: 300_000 }, async () => {
      const r = user('abort.mjs', [src, resumed, path.join(tmp, 'api-dump'), path.join(tmp, 'api-dump-aborted')]);
      expect(r.status, output(r)).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out.load).toEqual({ name: 'TsError', code: 'interrupted', exitCode: 5 });
      expect(out.resumedChunks as number).toBeGreaterThan(0);
      expect(out.again).toEqual({ ok: true, mismatches: 0 });
      expect(out.dump).toEqual({ name: 'TsError', code: 'interrupted', exitCode: 5 });
      expect(out.dumpManifest).toBe(false);
      expect(out.preAborted).toBe('interrupted');
      const results = await compareDatabases(admin, src, resumed);
      expect(failures(results), formatReport(results, 'API load resumed after an abort')).toEqual([]);
    });

    it('a TypeScript file of the user type-checks against the shipped .d.ts (and wrong options do not)', { timeout: 120_000 }, () => {
      const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = run(process.execPath, [tsc, '-p', path.join(project, 'tsconfig.json')], project);
      expect(r.status, output(r)).toBe(0);
    });
  });
});

/** The user's project: two programs and a typed file (with mistakes that must not compile). */
const USER_FILES: Record<string, string> = {
  'roundtrip.mjs': `import { dump, dumpOptions, iterate, load, verify } from 'tsdump';
const [src, dst, dir] = process.argv.slice(2);
const connection = { host: process.env.T_HOST, port: Number(process.env.T_PORT), user: process.env.T_USER, password: process.env.MYSQL_PWD ?? '' };
const kinds = new Set();
const onEvent = (e) => kinds.add(e.kind);
const d = await dump({ connection, output: dir, databases: [src], chunkRows: 700, threads: 2, checksum: true }, { onEvent });
const v = await verify(dir);
const run = iterate((control) => load({ connection, source: dir, targetDatabase: dst, threads: 2 }, control));
const loadKinds = new Set();
for await (const e of run.events) loadKinds.add(e.kind);
const l = await run.result;
console.log(JSON.stringify({ loadKinds: [...loadKinds], tables: d.tables.length, verifyOk: v.ok, files: v.files, loadOk: l.ok, mismatches: l.mismatches.length, kinds: [...kinds], frozen: Object.isFrozen(dumpOptions({ connection, output: dir })) }));
`,
  'abort.mjs': `import { existsSync } from 'node:fs';
import path from 'node:path';
import { dump, load } from 'tsdump';
const [src, dst, dir, dir2] = process.argv.slice(2);
const connection = { host: process.env.T_HOST, port: Number(process.env.T_PORT), user: process.env.T_USER, password: process.env.MYSQL_PWD ?? '' };
const out = {};
const failure = (e) => ({ name: e.name, code: e.code, exitCode: e.exitCode });
const first = new AbortController();
try {
  await load({ connection, source: dir, targetDatabase: dst, threads: 1, rowsPerTransaction: 100 }, { signal: first.signal, onEvent: (e) => { if (e.kind === 'chunk-done') first.abort(); } });
  out.load = 'completed';
} catch (e) {
  out.load = failure(e);
}
let resumedChunks = 0;
const again = await load({ connection, source: dir, targetDatabase: dst, threads: 1, rowsPerTransaction: 100 }, { onEvent: (e) => { if (e.kind === 'resumed') resumedChunks += e.chunks; } });
out.again = { ok: again.ok, mismatches: again.mismatches.length };
out.resumedChunks = resumedChunks;
const second = new AbortController();
try {
  await dump({ connection, output: dir2, databases: [src], chunkRows: 700, threads: 1 }, { signal: second.signal, onEvent: (e) => { if (e.kind === 'chunk-done') second.abort(); } });
  out.dump = 'completed';
} catch (e) {
  out.dump = failure(e);
}
out.dumpManifest = existsSync(path.join(dir2, 'manifest.json'));
try {
  await load({ connection, source: dir, targetDatabase: dst }, { signal: AbortSignal.abort() });
} catch (e) {
  out.preAborted = e.code;
}
console.log(JSON.stringify(out));
`,
  'check.ts': `import { dump, iterate, load, verify, TsError, type DumpInput, type LoadInput, type RunEvent, type DumpResult } from 'tsdump';

const connection = { host: '127.0.0.1', port: 3306, user: 'backup' };
const input: DumpInput = { connection, output: '/backups/shop', databases: ['shop'], format: 'sql', compression: 'gzip', lockMode: 'no-lock' };
const onEvent = (e: RunEvent): void => {
  if (e.kind === 'chunk-done') process.stdout.write(e.table + e.rows.toFixed(0));
};

export async function main(signal: AbortSignal): Promise<number> {
  const d: DumpResult = await dump(input, { onEvent, signal });
  const l = await load({ connection, source: '/backups/shop', renames: { shop: 'shop_copy' }, dropTable: 'truncate' } satisfies LoadInput, { signal });
  const v = await verify('/backups/shop');
  return d.tables.length + (l.ok ? 1 : 0) + v.problems.length + (d.manifest?.databases.length ?? 0);
}

// @ts-expect-error: xml is not a data format
export const badFormat: DumpInput = { connection, output: '/backups/shop', format: 'xml' };
// @ts-expect-error: a load needs the dump
export const noSource: LoadInput = { connection };
// @ts-expect-error: options are read-only
input.threads = 3;
export async function follow(): Promise<number> {
  const { events, result } = iterate((c) => load({ connection, source: '/backups/shop', dryRun: true }, c));
  let n = 0;
  for await (const e of events) if (e.kind === 'warning') n++;
  const r = await result;
  return n + r.problems.length + r.plan.length;
}
export const interrupted = (e: unknown): boolean => e instanceof TsError && e.code === 'interrupted' && e.exitCode === 5;
`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')] },
    files: ['check.ts', 'readme-example.ts'],
  }),
};
