/**
 * The snapshot sessions (slots) of one thread and the requests the coordinator sends them: used by
 * a worker thread (chunk-worker.ts, over its message port) and by the coordinator's own thread for
 * its slot (worker-pool.ts), so both run the same code with the same replies.
 */
import { TsError, messageOf } from '../core/errors.js';
import { explainDbError } from '../db/server-errors.js';
import { Session } from '../db/session.js';
import { DUMP_WORKER } from '../db/session-profile.js';
import type { DumpStore, StoreLocation } from '../storage/dump-store.js';
import { openStore } from '../storage/open-store.js';
import { holdTables, snapshotMark, startConsistentSnapshot } from '../db/snapshot.js';
import type { SerializedError, WorkerReply, WorkerRequest } from './chunk-task.js';
import { writeChunk } from './chunk-writer.js';

function serialize(e: unknown): SerializedError {
  const t = e instanceof TsError ? e : explainDbError(e);
  return { code: t.code, message: t.message || messageOf(e), suggestion: t.suggestion, errno: t.errno, object: t.object };
}

export class SlotHost {
  private readonly sessions = new Map<number, Session>();
  /** One store per location and thread (an object store keeps its client and connections). */
  private readonly stores = new Map<string, Promise<DumpStore>>();
  /** The chunks being written, to stop on 'stop' and wait for. */
  private readonly writing = new Set<{ readonly stop: AbortController; readonly done: Promise<unknown> }>();

  constructor(private readonly reply: (r: WorkerReply) => void) {}

  /** Runs `req` and replies once (progress replies before it for a chunk). */
  readonly handle = (req: WorkerRequest): void => {
    this.run(req).then(
      (value) => this.reply({ id: req.id, ok: true, value }),
      (e: unknown) => {
        // A failed session cannot rejoin the snapshot: drop it so nothing runs on it again.
        if (req.op === 'chunk' || req.op === 'snapshot' || req.op === 'hold') {
          this.sessions.get(req.slot)?.destroy();
          this.sessions.delete(req.slot);
        }
        this.reply({ id: req.id, ok: false, error: serialize(e) });
      },
    );
  };

  /** Drops every session at once (what terminating a worker thread does to its connections). */
  destroyAll(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }

  private storeAt(location: StoreLocation): Promise<DumpStore> {
    const key = JSON.stringify(location);
    let s = this.stores.get(key);
    if (!s) this.stores.set(key, (s = openStore(location)));
    return s;
  }

  private async run(req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'open': {
        const session = await Session.open(req.settings, DUMP_WORKER);
        this.sessions.set(req.slot, session);
        return session.threadId;
      }
      case 'snapshot':
        await startConsistentSnapshot(this.need(req.slot));
        return req.coordinates ? await snapshotMark(this.need(req.slot)) : null;
      case 'hold':
        await holdTables(this.need(req.slot), req.tables, req.lockWaitSeconds);
        return null;
      case 'chunk': {
        const session = this.need(req.slot);
        const store = await this.storeAt(req.task.store);
        const stop = new AbortController();
        const done = writeChunk(session, store, req.task, (rows, bytes) => this.reply({ id: req.id, progress: { rows, bytes } }), stop.signal);
        const entry = { stop, done };
        this.writing.add(entry);
        try {
          return await done;
        } finally {
          this.writing.delete(entry);
        }
      }
      case 'stop':
        return this.stopChunks();
      case 'close':
        await this.sessions.get(req.slot)?.close();
        this.sessions.delete(req.slot);
        return null;
    }
  }

  /**
   * Stops every chunk being written and waits until each has settled: its file aborted (S3: the
   * multipart upload aborted once the requests in flight for it are answered — a thread ended
   * under them would leave one begun, stored and billed), its session dropped.
   */
  private async stopChunks(): Promise<null> {
    const writing = [...this.writing];
    for (const w of writing) w.stop.abort();
    this.destroyAll();
    await Promise.all(writing.map((w) => w.done.catch(() => undefined)));
    return null;
  }

  private need(slot: number): Session {
    const session = this.sessions.get(slot);
    if (!session) throw new TsError({ code: 'internal', message: 'worker has no session' });
    return session;
  }
}
