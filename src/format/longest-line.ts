/**
 * The longest line of a data file as it is written (uncompressed): its length with the newline and
 * its 1-based number. Recorded per chunk in the manifest, so a loader's preflight can compare it with
 * the target's max_allowed_packet before loading anything (a CSV line is one row, a SQL line one
 * INSERT statement; the loader sends neither in pieces).
 */
export interface LongestLine {
  readonly bytes: number;
  readonly line: number;
}

/** What a line needs beyond its own bytes to go through a server's max_allowed_packet (the statement around it, the protocol). */
export const PACKET_SLACK = 1024;

/** Whether a line of `bytes` goes through a server whose max_allowed_packet is `maxPacket`. */
export function fitsPacket(bytes: number, maxPacket: number): boolean {
  return bytes <= maxPacket - PACKET_SLACK;
}

/** The max_allowed_packet to set for a line of `bytes`: the next power of two (the server's largest is 1 GiB). */
export function packetToFit(bytes: number): number {
  return Math.min(1024 * 1024 * 1024, 2 ** Math.ceil(Math.log2(bytes + PACKET_SLACK)));
}

export class LongestLineTracker {
  private lineNo = 1;
  private current = 0;
  private best: LongestLine = { bytes: 0, line: 0 };

  update(b: Uint8Array): void {
    let pos = 0;
    for (;;) {
      const i = b.indexOf(10, pos);
      if (i < 0) break;
      this.end(this.current + (i - pos) + 1);
      pos = i + 1;
    }
    this.current += b.length - pos;
  }

  finish(): LongestLine {
    if (this.current > 0) this.end(this.current);
    return this.best;
  }

  private end(len: number): void {
    if (len > this.best.bytes) this.best = { bytes: len, line: this.lineNo };
    this.lineNo++;
    this.current = 0;
  }
}
