import mysql from 'mysql2';

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
  const c = conn as unknown as { config: unknown; query(command: QueryCommand): unknown };
  const cmd = createQuery('', [], done, c.config);
  const start = cmd.start;
  cmd.start = function (this: QueryCommand, packet: unknown, connection: PacketWriter) {
    const write = connection.writePacket;
    connection.writePacket = (p: FramedPacket): void => {
      connection.writePacket = write;
      const command = p.length() - 4;
      p.buffer.copy(buf, at - command, 4, 4 + command);
      const from = at - command - 4;
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
