/**
 * The npm package as users get it: `npm pack`, a global install into a temp prefix (dependencies come
 * from the registry), and the installed bins run. Needs `make build` first (as `make test` does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

interface PackageJson {
  version: string;
  files: string[];
  bin: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-pack-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Bins whose entry point has been built (tsload may be absent while it is being written). */
function builtBins(): string[] {
  return Object.entries(pkg.bin)
    .filter(([, file]) => existsSync(path.join(REPO_ROOT, file)))
    .map(([name]) => name);
}

describe('packaging', () => {
  it('"files" ships what the bins need', () => {
    for (const entry of ['dist', 'docs', 'README.md']) expect(pkg.files).toContain(entry);
    for (const file of Object.values(pkg.bin)) {
      expect(file.startsWith('dist/'), `${file} is inside a shipped folder`).toBe(true);
    }
    const tsdumpEntry = path.join(REPO_ROOT, pkg.bin.tsdump!);
    expect(readFileSync(tsdumpEntry, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('npm pack → npm install -g --prefix → the bins print the package version', { timeout: 300_000 }, () => {
    const packDir = path.join(tmp, 'pack');
    const prefix = path.join(tmp, 'prefix');
    mkdirSync(packDir);
    const pack = spawnSync(npm, ['pack', '--pack-destination', packDir, '--silent'], { cwd: REPO_ROOT, encoding: 'utf8', env: process.env });
    expect(pack.status, pack.stderr).toBe(0);
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    const tarball = path.join(packDir, tarballs[0]!);

    const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const name of builtBins()) expect(listing).toContain(`package/${pkg.bin[name]}`);
    expect(listing).toContain('package/README.md');
    expect(listing.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toBe(false);

    const install = spawnSync(npm, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { encoding: 'utf8', env: process.env });
    expect(install.status, install.stderr).toBe(0);

    for (const name of builtBins()) {
      const bin = path.join(prefix, 'bin', name);
      expect(existsSync(bin), `${bin} installed`).toBe(true);
      // Run from a directory outside the repository, so nothing resolves from the working tree.
      const r = spawnSync(bin, ['--version'], { encoding: 'utf8', cwd: tmp, env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` } });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });
});
