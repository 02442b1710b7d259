/**
 * Socket read memory reused while a session streams wire rows (row-stream.ts).
 *
 * Node gives every socket read a fresh ArrayBuffer. A dump worker's JavaScript allocates so little
 * that young-generation collections are rare, so those buffers (about 16 per MiB of rows) are
 * freed only when V8's external-memory limit (64 MiB per isolate) forces a full collection: each
 * worker thread's RSS carried up to 64 MiB of dead reads (bench_s, -t 2: two 30-65 MiB malloc
 * arenas). Here the socket reads into segments of one ring (net's `onread` with a buffer
 * function) and a segment is read into again only once no live row can point into it.
 *
 * The rule that makes reuse safe: rows arrive in stream order and segments are filled in stream
 * order, so when a batch is handed out (making the one before it invalid, row-stream.ts), every
 * segment before the one holding the new batch's first row belongs only to invalid batches.
 * mysql2 holds on to nothing older: a packet split across reads is copied into a buffer of its own
 * once complete, and packets queued while the connection is paused come after that first row.
 * Outside a wire-row stream (other queries, whose result Buffers may be kept) and when the ring is
 * full, reads go into fresh buffers as usual.
 *
 * The ring is kept for the session's next stream (a new 4 MiB ring per chunk, freed only by a full
 * collection, made a dump's RSS grow with the table: 183 -> 199 MiB from 1 M to 4 M rows). One read
 * is always headed for the ring when a stream ends (Node asks for the next buffer right after each
 * read), and it may receive the next query's answer: that segment keeps its number, so it is read
 * into again only after a later stream's batches have moved past it. The contract that makes this
 * safe: a session with an arena (the dump workers' snapshot sessions) keeps no Buffer of another
 * query's result across its next wire-row stream (theirs are strings: coordinates, checksums).
 */
import net from 'node:net';

/**
 * One read at most. Each read takes a whole segment however few bytes it brings, and loopback
 * reads of a streaming result average ≈ 24 KiB: 64 segments of 64 KiB held only ≈ 1.6 MiB of rows,
 * less than the two batches in use plus the reads between, so the ring filled and reads went to
 * fresh buffers (-t 2, 4 M rows: peak RSS 150 -> 133 MiB with 128 segments of 32 KiB).
 */
const SEGMENT = 32 * 1024;
/** 4 MiB: two 1 MiB batches (row-stream.ts) and the reads in between, with room to spare. */
const SEGMENTS = 128;

export class ReadArena {
  private ring: Buffer | null = null;
  /** Stream-order number of the segment last handed out in each slot. */
  private readonly owners = new Float64Array(SEGMENTS);
  /** Stream-order number of the next segment to hand out. */
  private next = 0;
  /** Segments numbered below this are read into again. */
  private released = 0;

  /** The buffer the socket's next read goes into (net's onread.buffer). */
  readonly nextBuffer = (): Buffer => {
    const ring = this.ring;
    if (ring !== null && this.next - SEGMENTS < this.released) {
      const slot = this.next % SEGMENTS;
      this.owners[slot] = this.next++;
      return ring.subarray(slot * SEGMENT, (slot + 1) * SEGMENT);
    }
    return Buffer.allocUnsafeSlow(SEGMENT);
  };

  /** The ring of the last stream, kept for the next one. */
  private spare: Buffer | null = null;

  /**
   * A wire-row stream starts: reads go into the ring. Numbering goes on from the last stream:
   * every segment before the last one handed out is free (that stream's batches are all invalid),
   * the last one may hold what was read since (see above).
   */
  start(): void {
    this.ring = this.spare ?? Buffer.allocUnsafeSlow(SEGMENTS * SEGMENT);
    this.spare = null;
    this.releaseBefore(this.next - 1);
  }

  /** The stream ended: reads go into fresh buffers until the next stream. */
  stop(): void {
    this.spare = this.ring;
    this.ring = null;
  }

  /**
   * The stream-order number of the segment `b` lies in; for a buffer outside the ring (a read the
   * ring had no room for, or a packet mysql2 copied out of several reads), the number of the last
   * segment handed out: every segment before it holds only bytes read before b's (reads are in
   * stream order), and the last may be the read in progress. -1 outside a stream. Without the
   * second rule a batch with no row in the ring released nothing, so once the ring was full it
   * stayed full for the rest of the chunk and every read took a fresh 64 KiB buffer (main thread,
   * -t 2, 1 M rows: 1 538 of them, 96 MiB for the garbage collector).
   */
  segmentOf(b: Buffer): number {
    const ring = this.ring ?? this.spare;
    if (ring === null) return -1;
    if (b.buffer !== ring.buffer) return this.next - 1;
    return this.owners[Math.floor((b.byteOffset - ring.byteOffset) / SEGMENT)]!;
  }

  /** Every segment numbered below `segment` may be read into again. */
  releaseBefore(segment: number): void {
    if (segment > this.released) this.released = segment;
  }
}

/**
 * A TCP or Unix-socket connection whose reads go through `arena`; mysql2 gets it as its stream
 * and sees the usual 'data' events (a view of the bytes read, valid as the arena says).
 */
export function arenaSocket(arena: ReadArena, target: { host: string; port: number } | { path: string }): net.Socket {
  const socket: net.Socket = net.connect({
    ...target,
    onread: {
      buffer: arena.nextBuffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        socket.emit('data', (buf as Buffer).subarray(0, n));
        return true;
      },
    },
  });
  // what mysql2 does to the sockets it opens itself (keep-alive is its default)
  if ('host' in target) socket.setNoDelay(true);
  socket.once('connect', () => socket.setKeepAlive(true));
  return socket;
}
