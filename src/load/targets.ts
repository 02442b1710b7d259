import { TsError } from '../core/errors.js';
import type { Manifest } from '../format/manifest.js';
import type { TargetDb } from './load-context.js';
import type { LoadOptions } from './load-options.js';
import type { ChunkProgress } from './progress-store.js';

/** Step 2: each database of the dump and the target database it loads into (-B, --rename). */
export function planTargets(manifest: Manifest, opts: LoadOptions): TargetDb[] {
  if (opts.targetDatabase !== null && manifest.databases.length !== 1) {
    throw new TsError({
      code: 'usage',
      message: `-B (or the database in --url) names one target database but the dump holds ${manifest.databases.length} (${manifest.databases.map((d) => d.name).join(', ')})`,
      suggestion: 'use --rename src=dst for each database to load under another name (and no database in --url)',
    });
  }
  for (const src of opts.renames.keys()) {
    if (!manifest.databases.some((d) => d.name === src)) throw new TsError({ code: 'usage', message: `--rename ${src}=…: the dump has no database '${src}'` });
  }
  const out = manifest.databases.map((d) => ({
    source: d,
    name: opts.targetDatabase ?? opts.renames.get(d.name) ?? d.name,
    resumed: false,
    limits: { rows: opts.rowsPerTransaction, bytes: opts.bytesPerTransaction },
    done: false,
    steps: new Map<string, string>(),
    progress: new Map<string, ChunkProgress>(),
  }));
  const names = new Set<string>();
  for (const t of out) {
    if (names.has(t.name)) throw new TsError({ code: 'usage', message: `two databases of the dump would load into '${t.name}'` });
    names.add(t.name);
  }
  return out;
}
