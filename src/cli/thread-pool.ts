/**
 * Sizes libuv's thread pool before anything uses it; imported first by each command's entry file
 * (ES modules run in import order), since libuv reads UV_THREADPOOL_SIZE once, at the pool's first
 * use. The pool is shared by every worker thread of the process and runs all file I/O and all
 * node:zlib compression: with Node's default of 4 threads, a dump with -c zstd on a 32-core host
 * would compress on 4 cores whatever -t says. One thread per core plus two for I/O; a value the
 * user set is kept.
 */
import { availableParallelism } from 'node:os';

if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism() + 2));
