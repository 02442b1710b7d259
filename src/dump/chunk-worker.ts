/**
 * Worker thread entry: owns one or more snapshot sessions (slots) and writes the chunks the
 * coordinator sends to each, so decoding, encoding, hashing and compression run on as many cores
 * as there are threads; a thread with several slots interleaves their chunks (chunk-slots.ts).
 */
import { parentPort } from 'node:worker_threads';
import { SlotHost } from './chunk-slots.js';
import type { WorkerRequest } from './chunk-task.js';

const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');
const host = new SlotHost((r) => port.postMessage(r));
port.on('message', (req: WorkerRequest) => host.handle(req));
