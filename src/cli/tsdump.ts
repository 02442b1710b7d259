#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1
// The flag: a 1 MiB young generation semi-space on the main thread (V8 sizes it at start-up; it
// cannot be set from inside; the worker threads' is set in dump/worker-pool.ts). A dump's main
// thread allocates little JavaScript: 2 -> 1 MiB cost no client CPU and 4 MiB of peak RSS (4 M rows, -t 2).
// The environment, read by glibc's malloc at start-up (ignored by other C libraries): at most 2
// malloc arenas instead of 8 per core (a dump has a dozen threads that allocate: main, worker, libuv's
// pool, V8's platform threads; each arena kept its own free pages), and a fixed 128 KiB mmap
// threshold, so freed megabyte buffers go back to the system instead of raising the threshold and
// staying in an arena. Peak RSS 127.4 -> 123.5 MiB on the SCALE=1 bench, client CPU unchanged
// (docs/PERFORMANCE.md, tsdump RSS, fourth pass).
/**
 * The tsdump bin. Its own imports are two small modules, so that argv (a -p<password>) is off the
 * process title before the commands' modules load (cli/process-title.ts); then the commands
 * (tsdump-command.ts).
 */
import './thread-pool.js'; // first: sizes libuv's pool before any file or zlib call (loading modules is one)
import { hideSecretsFromProcessTitle } from './process-title.js';

hideSecretsFromProcessTitle('tsdump');
await import('./tsdump-command.js');
