import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import type { DumpStore } from '../storage/dump-store.js';
import type { ImportResult } from './import-load.js';
import type { LoadOptions } from './load-options.js';

export async function runMydumperImport(_opts: LoadOptions, _store: DumpStore, display: string, _reporter: Reporter, _signal?: AbortSignal): Promise<ImportResult> {
  throw new TsError({ code: 'usage', message: `${display}: mydumper directories are not supported yet` });
}
