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
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
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
    const tarball = path.join(packDir, tarballs[0]!);

    listing = run('tar', ['-tzf', tarball], tmp).stdout.split('\n').filter((f) => f !== '');
    for (const file of Object.values(pkg.bin)) expect(listing).toContain(`package/${file}`);
    for (const file of ['dist/wasm/wire-encoder.wasm', 'LICENSE', 'README.md', 'package.json']) expect(listing).toContain(`package/${file}`);
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
    expect(readFileSync(path.join(unpacked, `package/${pkg.bin.tsdump!}`), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);

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
});
