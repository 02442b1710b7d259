#!/usr/bin/env -S node --max-semi-space-size=2
// The flag: a 2 MiB young generation semi-space on the main thread (V8 sizes it at start-up; it
// cannot be set from inside). Default sizing let the heap reach 93 MiB with 34 in use (tsload, 4M rows).
/**
 * The tsload bin. Its own imports are two small modules, so that argv (a -p<password>) is off the
 * process title before the commands' modules load (cli/process-title.ts); then the commands
 * (tsload-command.ts).
 */
import './thread-pool.js'; // first: sizes libuv's pool before any file or zlib call (loading modules is one)
import { hideSecretsFromProcessTitle } from './process-title.js';

hideSecretsFromProcessTitle('tsload');
await import('./tsload-command.js');
