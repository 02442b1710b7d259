import { Worker } from 'node:worker_threads';
import { TsError } from '../core/errors.js';
import type { ConnectionSettings } from '../db/session.js';
import type { ChunkResult, ChunkTask, WorkerReply, WorkerRequest } from './chunk-task.js';

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: TsError) => void;
  onProgress?: (rows: number, bytes: number) => void;
};

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The coordinator's handle on one worker thread and its snapshot session. */
export class DumpWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: TsError | undefined;
  threadId = 0;

  constructor(private readonly worker: Worker, readonly index: number) {
    worker.on('message', (r: WorkerReply) => this.onReply(r));
    worker.on('error', (e) => this.failAll(new TsError({ code: 'internal', message: `dump worker ${index} crashed: ${e.message}`, cause: e })));
    // Once the thread is gone nothing will ever answer: fail what is pending and refuse new calls
    // (an idle worker terminated on SIGINT must not make close() wait forever).
    worker.on('exit', (code) => this.failAll(new TsError({ code: 'internal', message: `dump worker ${index} exited (code ${code})` })));
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

  private call(body: RequestBody, onProgress?: (rows: number, bytes: number) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  async open(settings: ConnectionSettings): Promise<void> {
    this.threadId = (await this.call({ op: 'open', settings })) as number;
  }

  async snapshot(coordinates: boolean): Promise<{ file: string; position: number } | null> {
    return (await this.call({ op: 'snapshot', coordinates })) as { file: string; position: number } | null;
  }

  async chunk(task: ChunkTask, onProgress: (rows: number, bytes: number) => void): Promise<ChunkResult> {
    return (await this.call({ op: 'chunk', task }, onProgress)) as ChunkResult;
  }

  async close(): Promise<void> {
    if (!this.dead) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000);
      });
      await Promise.race([this.call({ op: 'close' }).catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }

  async kill(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * A small young generation per worker: a worker's garbage is short-lived (mysql2's packet objects),
 * so 8 MB collects it as well as the default (same CPU on the bench dataset) and keeps a dump's
 * peak RSS at 190-200 MiB instead of 215-265 MiB at 2 threads.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export function startWorkers(count: number): DumpWorker[] {
  const url = new URL('./chunk-worker.js', import.meta.url);
  return Array.from({ length: count }, (_, i) => new DumpWorker(new Worker(url, { resourceLimits: WORKER_LIMITS }), i + 1));
}
