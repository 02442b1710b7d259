import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TsError } from '../core/errors.js';
import type { ConnectionSettings } from '../db/session.js';
import type { SnapshotMark, TableName } from '../db/snapshot.js';
import { SlotHost } from './chunk-slots.js';
import type { ChunkResult, ChunkTask, WorkerReply, WorkerRequest } from './chunk-task.js';

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: TsError) => void;
  onProgress?: (rows: number, bytes: number) => void;
};

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** How a thread's requests travel: a worker's message port, or a call on the coordinator's own thread. */
interface Channel {
  post(req: WorkerRequest): void;
  stop(): Promise<void>;
}

/** One thread (a worker, or the coordinator's own) and the requests in flight on it, from any of its slots. */
class WorkerThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: TsError | undefined;
  private channel: Channel | undefined;
  /** Slots whose session is not closed yet; the thread ends with the last one. */
  openSlots = 0;
  /** Set by stop(): its chunks being stopped, then the thread ended. */
  stopping: Promise<void> | undefined;

  static worker(url: URL, index: number): WorkerThread {
    const t = new WorkerThread();
    const worker = new Worker(url, { resourceLimits: WORKER_LIMITS });
    worker.on('message', (r: WorkerReply) => t.onReply(r));
    worker.on('error', (e) => t.failAll(new TsError({ code: 'internal', message: `dump worker ${index} crashed: ${e.message}`, cause: e })));
    // Once the thread is gone nothing will ever answer: fail what is pending and refuse new calls
    // (an idle worker terminated on SIGINT must not make close() wait forever).
    worker.on('exit', (code) => t.failAll(new TsError({ code: 'internal', message: `dump worker ${index} exited (code ${code})` })));
    t.channel = { post: (req) => worker.postMessage(req), stop: async () => void (await worker.terminate()) };
    return t;
  }

  /**
   * Slots on the coordinator's thread: no V8 isolate of their own (≈ 28 MiB of RSS each while
   * dumping: ≈ 21 for the isolate and its modules, ≈ 8 of session buffers; docs/PERFORMANCE.md). Stopping drops their sessions and fails what is pending, as terminating a worker does.
   */
  static local(index: number): WorkerThread {
    const t = new WorkerThread();
    const host = new SlotHost((r) => t.onReply(r));
    t.channel = {
      // a task, not a call: the caller's promise is registered first, as with a message port
      post: (req) => setImmediate(() => host.handle(req)),
      stop: () => {
        host.destroyAll();
        t.failAll(new TsError({ code: 'internal', message: `dump slot ${index} stopped` }));
        return Promise.resolve();
      },
    };
    return t;
  }

  private onReply(r: WorkerReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    if ('progress' in r) {
      p.onProgress?.(r.progress.rows, r.progress.bytes);
      return;
    }
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(new TsError({ code: r.error.code, message: r.error.message, suggestion: r.error.suggestion, errno: r.error.errno, object: r.error.object }));
  }

  private failAll(e: TsError): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  get alive(): boolean {
    return !this.dead;
  }

  call(body: RequestBody, onProgress?: (rows: number, bytes: number) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.channel!.post({ ...body, id } as WorkerRequest);
    });
  }

  async terminate(): Promise<void> {
    await this.channel!.stop();
  }

  /**
   * Ends the thread on an interrupt: its chunks stopped and settled first (their uploads aborted,
   * not cut off in flight), for at most STOP_MS; then the thread is terminated whatever they do.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_MS);
      });
      await Promise.race([this.call({ op: 'stop', slot: 0 }).catch(() => undefined), timeout]);
      clearTimeout(timer);
      await this.terminate();
    })();
    return this.stopping;
  }
}

/** How long an interrupted dump waits for a thread's chunks to stop (an upload's parts in flight to be answered). */
const STOP_MS = 20_000;

/** The coordinator's handle on one snapshot session (a slot) in a worker thread. */
export class DumpWorker {
  /** The session's connection id on the server. */
  threadId = 0;

  constructor(private readonly thread: WorkerThread, readonly index: number) {
    thread.openSlots++;
  }

  async open(settings: ConnectionSettings): Promise<void> {
    this.threadId = (await this.thread.call({ op: 'open', slot: this.index, settings })) as number;
  }

  /** Opens the session's snapshot; with `coordinates` (MariaDB), where it stands (db/snapshot.ts snapshotMark). */
  async snapshot(coordinates: boolean): Promise<SnapshotMark | null> {
    return (await this.thread.call({ op: 'snapshot', slot: this.index, coordinates })) as SnapshotMark | null;
  }

  /** Takes the metadata locks of `tables` in the session's snapshot transaction (db/snapshot.ts holdTables). */
  async hold(tables: readonly TableName[], lockWaitSeconds: number): Promise<void> {
    await this.thread.call({ op: 'hold', slot: this.index, tables, lockWaitSeconds });
  }

  async chunk(task: ChunkTask, onProgress: (rows: number, bytes: number) => void): Promise<ChunkResult> {
    return (await this.thread.call({ op: 'chunk', slot: this.index, task }, onProgress)) as ChunkResult;
  }

  async close(): Promise<void> {
    await this.thread.stopping;
    if (this.thread.alive) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000);
      });
      await Promise.race([this.thread.call({ op: 'close', slot: this.index }).catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    if (--this.thread.openSlots === 0) await this.thread.terminate();
  }

  /** On an interrupt: the thread's chunks stopped (their files aborted), then the thread ended (see WorkerThread.stop). */
  async stop(): Promise<void> {
    await this.thread.stop();
  }
}

/**
 * A small young generation per worker: a worker's garbage is short-lived (mysql2's packet objects),
 * so 8 MB collects it as well as the default (same CPU on the bench dataset); 4 MB measured no
 * smaller (memory, third pass).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * `sessions` snapshot sessions on min(sessions, cores) threads, dealt round-robin: the first is
 * the coordinator's own thread (it only plans and aggregates meanwhile, and an isolate per thread is
 * the dump's largest memory cost), the rest worker threads. More sessions than cores (-t above the
 * core count, for a server with cores to spare) share threads instead of adding threads that would
 * only compete for the same cores (measured at -t 4 on 2 cores: less client CPU and memory than 4 threads).
 */
export function startWorkers(sessions: number, cores = availableParallelism()): DumpWorker[] {
  const url = new URL('./chunk-worker.js', import.meta.url);
  const count = Math.max(1, Math.min(sessions, cores));
  const threads = Array.from({ length: count }, (_, i) => (i === 0 ? WorkerThread.local(1) : WorkerThread.worker(url, i + 1)));
  return Array.from({ length: sessions }, (_, i) => new DumpWorker(threads[i % threads.length]!, i + 1));
}

/**
 * Hands idle snapshot sessions to chunk jobs, first come first served: a job waits until a
 * session is free. After close() (a failure or an interrupt) every waiting and later acquire()
 * gets null, and a failed session is never released back.
 */
export class WorkerLeases {
  private readonly idle: DumpWorker[];
  private readonly waiters: ((w: DumpWorker | null) => void)[] = [];
  private closed = false;

  constructor(workers: readonly DumpWorker[]) {
    this.idle = [...workers];
  }

  acquire(): Promise<DumpWorker | null> {
    if (this.closed) return Promise.resolve(null);
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiters.push(resolve));
  }

  release(w: DumpWorker): void {
    if (this.closed) return;
    const next = this.waiters.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake(null);
  }
}
