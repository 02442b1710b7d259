/**
 * The architecture rules of docs/DESIGN (shared/DESIGN.md §4), checked on the source itself:
 * layers import only downwards, dump/ and load/ never import each other, no import circles, no
 * source file over 400 lines, mysql2 only in db/, node:fs only in storage/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/** Lowest first. A module may import its own layer and the layers before it in this list. */
const LAYERS = ['core', 'storage', 'db', 'format', 'dump', 'load', 'bench', 'api', 'cli'] as const;
type Layer = (typeof LAYERS)[number];
/** Layers of equal rank that must not import each other. */
const SIBLINGS: readonly (readonly [Layer, Layer])[] = [['dump', 'load']];
const MAX_LINES = 400;

interface SourceFile {
  readonly rel: string;
  readonly layer: Layer;
  readonly lines: number;
  /** Project-relative targets of relative imports (type-only included). */
  readonly imports: readonly string[];
  /** Bare module specifiers (packages and node: builtins). */
  readonly packages: readonly string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

function sources(): SourceFile[] {
  return walk(SRC).map((full) => {
    const rel = path.relative(SRC, full).split(path.sep).join('/');
    const text = readFileSync(full, 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
    const imports = specs.filter((s) => s.startsWith('.')).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), s)).replace(/\.js$/, '.ts'));
    const packages = specs.filter((s) => !s.startsWith('.'));
    const top = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : 'api';
    const layer = (rel === 'index.ts' ? 'api' : top) as Layer;
    return { rel, layer, lines: text.split('\n').length, imports, packages };
  });
}

const files = sources();
const layerOf = (rel: string): Layer => (rel === 'index.ts' ? 'api' : (rel.slice(0, rel.indexOf('/')) as Layer));

describe('source structure', () => {
  it('every file is in a known layer', () => {
    expect(files.filter((f) => !LAYERS.includes(f.layer)).map((f) => f.rel)).toEqual([]);
  });

  it('imports go down the layers only; dump/ and load/ never import each other', () => {
    const bad: string[] = [];
    for (const f of files) {
      for (const target of f.imports) {
        const to = layerOf(target);
        if (LAYERS.indexOf(to) > LAYERS.indexOf(f.layer)) bad.push(`${f.rel} → ${target} (${f.layer} imports ${to}, a higher layer)`);
        if (SIBLINGS.some(([a, b]) => (f.layer === a && to === b) || (f.layer === b && to === a))) bad.push(`${f.rel} → ${target} (${f.layer} and ${to} must not import each other)`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('has no import circles', () => {
    const graph = new Map(files.map((f) => [f.rel, f.imports]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (n: string, trail: string[]): void => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(n)), n].join(' → '));
        return;
      }
      state.set(n, 'open');
      for (const m of graph.get(n) ?? []) visit(m, [...trail, n]);
      state.set(n, 'done');
    };
    for (const f of files) visit(f.rel, []);
    expect(cycles).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    expect(files.filter((f) => f.lines > MAX_LINES).map((f) => `${f.rel}: ${f.lines} lines`)).toEqual([]);
  });

  it('only db/ imports mysql2', () => {
    expect(files.filter((f) => f.layer !== 'db' && f.packages.some((p) => p === 'mysql2' || p.startsWith('mysql2/'))).map((f) => f.rel)).toEqual([]);
  });

  it('only storage/ touches the file system (node:fs)', () => {
    expect(files.filter((f) => f.layer !== 'storage' && f.packages.some((p) => p === 'node:fs' || p === 'node:fs/promises' || p === 'fs' || p === 'fs/promises')).map((f) => f.rel)).toEqual([]);
  });

  it('nothing below cli/ reads argv or the environment, or ends the process (the library API must not)', () => {
    const bad = walk(SRC)
      .map((full) => path.relative(SRC, full).split(path.sep).join('/'))
      .filter((rel) => !rel.startsWith('cli/'))
      .filter((rel) => /\bprocess\.(argv|env|exit)\b/.test(readFileSync(path.join(SRC, rel), 'utf8')));
    expect(bad).toEqual([]);
  });

  it('only storage/ imports the AWS SDK', () => {
    expect(files.filter((f) => f.layer !== 'storage' && f.packages.some((p) => p.startsWith('@aws-sdk/'))).map((f) => f.rel)).toEqual([]);
  });
});
