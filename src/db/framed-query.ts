import mysql from 'mysql2';
import { PassThrough, Readable } from 'node:stream';

/**
 * A COM_QUERY packet sent from the caller's buffer (Session.execFramed): mysql2 runs its Query
 * command as for any statement — the answer, errors and warnings are parsed as usual — but the
 * packet it writes is the caller's bytes with the header and command bytes put in front of them,
 * not a copy it makes of a string.
 */

/** The slice of mysql2's Packet that its Connection#writePacket uses (packets below 16 MiB). */
export interface FramedPacket {
  readonly buffer: Buffer;
  length(): number;
  writeHeader(sequenceId: number): void;
}

/** Packets of this payload size or more are split by the protocol: left to mysql2's own path. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/** Scratch bytes needed before a statement: a packet header and up to 3 command bytes (query attributes). */
export const FRAME_ROOM = 8;

/** The slice of mysql2's Query command and Connection used here. */
interface PacketWriter {
  writePacket: (p: FramedPacket) => void;
}
interface QueryCommand {
  start: (this: QueryCommand, packet: unknown, connection: PacketWriter) => unknown;
}
type Callback = (err: unknown, result: unknown) => void;
const createQuery = (mysql as unknown as { createQuery: (sql: string, values: unknown[], cb: Callback, config: unknown) => QueryCommand }).createQuery;

/**
 * Sends buf[at, end) as a query on `conn` (FRAME_ROOM bytes before `at` are overwritten); `done`
 * gets mysql2's answer. mysql2 builds the packet of an empty query (header, command byte, and with
 * query attributes two bytes more): its command bytes go in front of the statement's, and the
 * statement's packet is written instead.
 */
export function sendFramedQuery(conn: mysql.Connection, buf: Buffer, at: number, end: number, done: Callback): void {
  sendInstead(conn, done, (p) => {
    const command = p.length() - 4;
    p.buffer.copy(buf, at - command, 4, 4 + command);
    return at - command - 4;
  }, buf, end);
}

/**
 * Sends buf[from + 4, end) as the payload of a command packet of its own (its header written into
 * buf[from, from + 4)), answered like a statement (an OK or error packet: COM_STMT_BULK_EXECUTE).
 */
export function sendFramedCommand(conn: mysql.Connection, buf: Buffer, from: number, end: number, done: Callback): void {
  sendInstead(conn, done, () => from, buf, end);
}

/**
 * Runs mysql2's Query command of an empty statement, its packet replaced by buf[start, end), where
 * start is what `frame` returns given mysql2's packet (the command bytes it wrote).
 */
function sendInstead(conn: mysql.Connection, done: Callback, frame: (p: FramedPacket) => number, buf: Buffer, end: number): void {
  const c = conn as unknown as { config: unknown; query(command: QueryCommand): unknown };
  const cmd = createQuery('', [], done, c.config);
  const start = cmd.start;
  cmd.start = function (this: QueryCommand, packet: unknown, connection: PacketWriter) {
    const write = connection.writePacket;
    connection.writePacket = (p: FramedPacket): void => {
      connection.writePacket = write;
      const from = frame(p);
      const total = end - from;
      write.call(connection, {
        buffer: buf.subarray(from, end),
        length: () => total,
        writeHeader(sequenceId: number) {
          buf.writeUIntLE(total - 4, from, 3);
          buf[from + 3] = sequenceId;
        },
      });
    };
    try {
      return start.call(this, packet, connection);
    } finally {
      connection.writePacket = write;
    }
  };
  c.query(cmd);
}

/**
 * Session.loadLocalFramed's file: `framed` (4 scratch bytes, then the file's bytes) handed to
 * mysql2's packet writer as one packet, then an empty stream (mysql2 ends the file with its empty
 * packet on 'end'). null where the writer is not there or the file does not fit one packet.
 */
export function framedFile(conn: unknown, framed: Buffer): (() => Readable) | null {
  const writer = conn as { writePacket?: (p: FramedPacket) => void };
  const length = framed.length - 4;
  if (typeof writer.writePacket !== 'function' || length <= 0 || length >= MAX_PACKET_PAYLOAD) return null;
  const packet: FramedPacket = {
    buffer: framed,
    length: () => framed.length,
    writeHeader(sequenceId) {
      framed.writeUIntLE(length, 0, 3);
      framed[3] = sequenceId;
    },
  };
  return () => {
    writer.writePacket!(packet);
    return Readable.from([]);
  };
}

/**
 * Session.loadLocalPieces's file: each piece one packet (or several below the protocol's limit),
 * the next read only once the socket has drained; stop() ends the sending when the statement
 * settled. null where mysql2's packet writer or socket is not there.
 */
export function pacedFile(conn: unknown, pieces: () => AsyncIterable<Buffer>): { open: () => Readable; stop: () => void } | null {
  const c = conn as { writePacket?: (p: FramedPacket) => void; stream?: NodeJS.WritableStream & { writableNeedDrain?: boolean; destroyed?: boolean } };
  const writer = c.writePacket;
  const socket = c.stream;
  if (typeof writer !== 'function' || !socket) return null;
  let stopped = false;
  const send = (b: Buffer): void => {
    const framed = Buffer.allocUnsafe(b.length + 4);
    b.copy(framed, 4);
    writer.call(conn, { buffer: framed, length: () => framed.length, writeHeader: (id) => { framed.writeUIntLE(b.length, 0, 3); framed[3] = id; } });
  };
  const drained = (): Promise<void> => new Promise((resolve) => {
    const done = (): void => {
      socket.removeListener('drain', done);
      socket.removeListener('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
  const open = (): Readable => {
    // mysql2 ends the file with its empty packet when this stream ends (and fails it on error)
    const end = new PassThrough();
    void (async () => {
      for await (const piece of pieces()) {
        for (let at = 0; at < piece.length && !stopped; at += MAX_PACKET_PAYLOAD - 1) send(piece.subarray(at, at + MAX_PACKET_PAYLOAD - 1));
        if (stopped || socket.destroyed) return;
        if (socket.writableNeedDrain) await drained();
      }
    })().then(() => end.end(), (e: unknown) => end.destroy(e instanceof Error ? e : new Error(String(e))));
    return end;
  };
  return { open, stop: () => { stopped = true; } };
}
