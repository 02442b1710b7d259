/**
 * Streaming SELECT results with backpressure: raw rows (one Buffer per field) or wire rows (the
 * payload of each text-protocol row packet, uncopied). The session's socket is paused while a full
 * batch waits for its consumer, so memory stays bounded by the batch size whatever the table size.
 */
import type mysql from 'mysql2';
import { TsError } from '../core/errors.js';
import { encodeWireRow, type WireBatch } from '../core/wire-row.js';
import type { ReadArena } from './read-arena.js';
import { explainDbError } from './server-errors.js';

/** A raw row: one Buffer per column (the bytes the server sent), null for SQL NULL. */
export type RawRow = (Buffer | null)[];

/**
 * Streams a SELECT as raw rows (one Buffer per field), in batches of up to `batchRows` rows or
 * about `batchBytes` bytes. See collectBatches for the backpressure contract.
 */
export function rawRowBatches(conn: mysql.Connection, sql: string, signal?: AbortSignal, batchRows = 1024, batchBytes = 1 << 20): AsyncGenerator<RawRow[]> {
  const q = conn.query({ sql, rowsAsArray: true, typeCast: false });
  const batch = new RawRowBatch();
  return collectBatches(conn, q, batch, (added) => {
    const onRow = (row: RawRow): void => added(batch.add(row));
    q.on('result', onRow as (row: unknown) => void);
    return () => q.removeListener('result', onRow as (row: unknown) => void);
  }, signal, batchRows, batchBytes);
}

/**
 * Streams a SELECT as wire rows: each row is the payload of its text-protocol packet (one
 * length-encoded string per column), recorded as (buffer, start, end) without copying, slicing or
 * splitting into fields. The encoders walk the fields themselves, which saves a Buffer per field
 * and per row — the largest client costs of a dump. Needs one mysql2 internal (the query's row
 * state); when it is not what this code expects, field rows are re-encoded into the wire format.
 * A batch is valid until the next one is requested (its memory is reused).
 */
export function wireRowBatches(conn: mysql.Connection, sql: string, signal?: AbortSignal, batchRows = 4096, batchBytes = 1 << 20, arena: ReadArena | null = null): AsyncGenerator<WireBatch> {
  const q = conn.query({ sql, rowsAsArray: true, typeCast: false }) as unknown as QueryInternals;
  const protoRow = (Object.getPrototypeOf(q) as { row?: unknown }).row;
  if (typeof protoRow !== 'function') {
    const batch = new WireRows(null);
    return collectBatches(conn, q as unknown as mysql.Query, batch, (added) => {
      const onRow = (row: RawRow): void => {
        const b = encodeWireRow(row);
        added(batch.add(b, 0, b.length));
      };
      q.on('result', onRow as (row: unknown) => void);
      return () => q.removeListener('result', onRow as (row: unknown) => void);
    }, signal, batchRows, batchBytes);
  }
  // rows point into the socket's reads: with an arena, those are reused as batches are handed out
  const batch = new WireRows(arena);
  arena?.start();
  return collectBatches(conn, q as unknown as mysql.Query, batch, (added) => {
    const rowState = function (this: QueryInternals, packet: WirePacket, connection: unknown): unknown {
      if (packet.isEOF()) return (protoRow as (p: WirePacket, c: unknown) => unknown).call(this, packet, connection);
      added(batch.add(packet.buffer, packet.offset, packet.end));
      return rowState;
    };
    // Query#fieldsEOF moves to `this.row`: an own property here wins over the prototype's parser.
    q.row = rowState;
    return () => arena?.stop();
  }, signal, batchRows, batchBytes);
}

/**
 * Collects a running query's rows into batches. `install` connects the row source to the batch
 * and calls `added(bytes)` per row. The socket is paused while a full batch waits for the
 * consumer, so backpressure reaches the server and memory stays bounded by the batch size;
 * batches also cut the per-row promise overhead of a row-at-a-time async iterator. Leaving the
 * loop early drains the rest of the result in the background (the session stays usable): the rows
 * still to come are dropped. `fail(e)` ends the stream with an error from within the row source.
 */
export async function* collectBatches<B>(
  conn: mysql.Connection,
  q: mysql.Query,
  batch: RowBatch<B>,
  install: (added: (bytes: number) => void, fail: (e: unknown) => void) => () => void,
  signal: AbortSignal | undefined,
  batchRows: number,
  batchBytes: number,
): AsyncGenerator<B> {
  let bytes = 0;
  let done = false;
  let failure: unknown;
  let paused = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  let detached = false;
  const added = (n: number): void => {
    if (detached) return;
    bytes += n;
    if (batch.length >= batchRows || bytes >= batchBytes) {
      if (!paused) {
        paused = true;
        conn.pause();
      }
      notify();
    }
  };
  const onError = (e: unknown): void => {
    failure = e;
    notify();
  };
  const onEnd = (): void => {
    done = true;
    notify();
  };
  const uninstall = install(added, (e) => onError(e));
  q.on('error', onError);
  q.on('end', onEnd);
  // A query without a callback has no onResult: mysql2 reports a lost connection (KILL CONNECTION,
  // server shutdown) only as a connection 'error' event; without this the loop would wait forever.
  conn.on('error', onError);
  const onAbort = (): void => onError(new TsError({ code: 'interrupted', message: 'interrupted' }));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    for (;;) {
      if (failure) throw explainDbError(failure);
      if (batch.length > 0 && (paused || done)) {
        bytes = 0;
        yield batch.take();
        if (paused) {
          paused = false;
          conn.resume();
        }
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    uninstall();
    q.removeListener('error', onError);
    q.removeListener('end', onEnd);
    conn.removeListener('error', onError);
    if (!done) {
      // the rest of the result drains: its rows are dropped, and nothing pauses the socket again
      detached = true;
      batch.detach();
      q.on('error', () => undefined);
    }
    if (paused) conn.resume();
  }
}


/** The slice of mysql2's Query and Packet internals that wireRowBatches relies on. */
export interface WirePacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
}

export interface QueryInternals {
  row: unknown;
  readField?: unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

function rawRowSize(row: RawRow): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) n += row[i]?.length ?? 0;
  return n;
}

/** Rows gathered for one batch; `take` hands them out and starts an empty batch. */
interface RowBatch<B> {
  readonly length: number;
  take(): B;
  /** The stream was left early: rows added from now on are dropped. */
  detach(): void;
}

class RawRowBatch implements RowBatch<RawRow[]> {
  private rows: RawRow[] = [];
  private detached = false;
  get length(): number {
    return this.rows.length;
  }
  detach(): void {
    this.detached = true;
    this.rows = [];
  }
  add(row: RawRow): number {
    if (this.detached) return 0;
    this.rows.push(row);
    return rawRowSize(row);
  }
  take(): RawRow[] {
    const out = this.rows;
    this.rows = [];
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** One half of WireRows: parallel arrays, so a row costs no object of its own. */
class WireRowsHalf implements WireBatch {
  buffers: Buffer[] = [];
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  length = 0;
  /** The read-arena segment of the first row that lies in one (-1: none yet). */
  firstSegment = -1;
}

/**
 * Wire rows gathered for a batch: row i is `buffers[i]` bytes [starts[i], ends[i]) — the packet
 * payload in the socket's own buffer. Two halves take turns: take() hands out one and fills the
 * other, so batches allocate nothing once warm; a batch handed out is valid until the next take().
 */
export class WireRows implements RowBatch<WireBatch> {
  private halves = [new WireRowsHalf(), new WireRowsHalf()] as const;
  private current = 0;
  private detached = false;
  constructor(private readonly arena: ReadArena | null = null) {}
  get length(): number {
    return this.halves[this.current].length;
  }
  detach(): void {
    this.detached = true;
    for (const h of this.halves) {
      h.length = 0;
      h.buffers.fill(EMPTY);
    }
  }
  add(buffer: Buffer, start: number, end: number): number {
    if (this.detached) return 0;
    const h = this.halves[this.current];
    const n = h.length;
    if (n === h.starts.length) {
      const starts = new Int32Array(2 * n);
      const ends = new Int32Array(2 * n);
      starts.set(h.starts);
      ends.set(h.ends);
      h.starts = starts;
      h.ends = ends;
    }
    if (h.firstSegment < 0 && this.arena) h.firstSegment = this.arena.segmentOf(buffer);
    h.buffers[n] = buffer;
    h.starts[n] = start;
    h.ends[n] = end;
    h.length = n + 1;
    return end - start;
  }
  take(): WireBatch {
    const out = this.halves[this.current];
    // the batch before `out` is invalid from now on: the reads before out's first row are free
    if (out.firstSegment >= 0) this.arena?.releaseBefore(out.firstSegment);
    this.current ^= 1;
    const next = this.halves[this.current];
    next.length = 0;
    next.firstSegment = -1;
    // drop the references to last-but-one batch's socket reads (they would stay reachable)
    next.buffers.fill(EMPTY);
    return out;
  }
}
