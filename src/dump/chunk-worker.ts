/**
 * Worker thread entry: owns one or more snapshot sessions (slots) and writes the chunks the
 * coordinator sends to each, so decoding, encoding, hashing and compression run on as many cores
 * as there are worker threads; a thread with several slots interleaves their chunks.
 */
import { parentPort } from 'node:worker_threads';
import { TsError, messageOf } from '../core/errors.js';
import { explainDbError } from '../db/server-errors.js';
import { Session } from '../db/session.js';
import { DUMP_WORKER } from '../db/session-profile.js';
import type { DumpStore, StoreLocation } from '../storage/dump-store.js';
import { openStore } from '../storage/open-store.js';
import { holdTables, snapshotCoordinates, startConsistentSnapshot } from '../db/snapshot.js';
import type { SerializedError, WorkerReply, WorkerRequest } from './chunk-task.js';
import { writeChunk } from './chunk-writer.js';

const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');

const sessions = new Map<number, Session>();
/** One store per location and thread (an object store keeps its client and connections). */
const stores = new Map<string, Promise<DumpStore>>();

function storeAt(location: StoreLocation): Promise<DumpStore> {
  const key = JSON.stringify(location);
  let s = stores.get(key);
  if (!s) stores.set(key, (s = openStore(location)));
  return s;
}

function serialize(e: unknown): SerializedError {
  const t = e instanceof TsError ? e : explainDbError(e);
  return { code: t.code, message: t.message || messageOf(e), suggestion: t.suggestion, errno: t.errno, object: t.object };
}

function reply(r: WorkerReply): void {
  port!.postMessage(r);
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'open': {
      const session = await Session.open(req.settings, DUMP_WORKER);
      sessions.set(req.slot, session);
      return session.threadId;
    }
    case 'snapshot':
      await startConsistentSnapshot(need(req.slot));
      return req.coordinates ? await snapshotCoordinates(need(req.slot)) : null;
    case 'hold':
      await holdTables(need(req.slot), req.tables, req.lockWaitSeconds);
      return null;
    case 'chunk':
      return writeChunk(need(req.slot), await storeAt(req.task.store), req.task, (rows, bytes) => reply({ id: req.id, progress: { rows, bytes } }));
    case 'close':
      await sessions.get(req.slot)?.close();
      sessions.delete(req.slot);
      return null;
  }
}

function need(slot: number): Session {
  const session = sessions.get(slot);
  if (!session) throw new TsError({ code: 'internal', message: 'worker has no session' });
  return session;
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (value) => reply({ id: req.id, ok: true, value }),
    (e: unknown) => {
      // A failed session cannot rejoin the snapshot: drop it so nothing runs on it again.
      if (req.op === 'chunk' || req.op === 'snapshot' || req.op === 'hold') {
        sessions.get(req.slot)?.destroy();
        sessions.delete(req.slot);
      }
      reply({ id: req.id, ok: false, error: serialize(e) });
    },
  );
});
