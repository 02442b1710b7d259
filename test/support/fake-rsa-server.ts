/**
 * A hostile (or man-in-the-middle) "MySQL 8" server without TLS, speaking just enough of the protocol
 * to authenticate: it switches the client to caching_sha2_password (or sha256_password), asks for full
 * authentication, hands out its own RSA key when asked, and records every password it can read —
 * sent in clear, or encrypted to its key. With mysql_clear_password it asks for the password as it is
 * (what a PAM or LDAP account's server does); with `socketPath` it listens on that Unix socket instead
 * of TCP. With `cached` it takes the caching_sha2 fast path (the
 * scramble alone) instead. After authentication it answers COM_QUIT and refuses any query.
 * MySQL 8 cannot be installed here: this is the only server these tests have for RSA authentication.
 */
import { generateKeyPairSync, privateDecrypt, constants, randomBytes } from 'node:crypto';
import net from 'node:net';

export type FakeRsaPlugin = 'caching_sha2_password' | 'sha256_password' | 'mysql_clear_password';

export interface FakeRsaServerOptions {
  readonly plugin: FakeRsaPlugin;
  /** caching_sha2_password only: the account is in the server's cache, the scramble suffices. */
  readonly cached?: boolean;
  /** Listen on this Unix socket file, not on a TCP port (`port` is then 0). */
  readonly socketPath?: string;
}

export interface FakeRsaServer {
  readonly port: number;
  /** The server's RSA public key (PEM), as --server-public-key-path would give it. */
  readonly publicKeyPem: string;
  /** Passwords the server read, in clear or decrypted. */
  readonly passwords: string[];
  /** How often a client asked for the public key. */
  keyRequests: number;
  /** Sessions that reached the OK packet. */
  authenticated: number;
  close(): Promise<void>;
}

const CAPS = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000; // no CLIENT_SSL (0x800)
const OK = Buffer.from([0, 0, 0, 2, 0, 0, 0]);

function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

export async function startFakeRsaServer(opts: FakeRsaServerOptions): Promise<FakeRsaServer> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    // printable scrambles without NUL: 8 + 12 bytes in the handshake, 20 in the auth switch
    const scramble = (): Buffer => Buffer.from(randomBytes(20).map((b) => (b % 94) + 33));
    const first = scramble();
    sock.write(
      packet(
        0,
        Buffer.concat([
          Buffer.from([10]), Buffer.from('8.0.36\0'), Buffer.from([1, 0, 0, 0]),
          first.subarray(0, 8), Buffer.from([0]),
          Buffer.from([CAPS & 0xff, (CAPS >> 8) & 0xff]), Buffer.from([255]), Buffer.from([2, 0]),
          Buffer.from([(CAPS >> 16) & 0xff, (CAPS >> 24) & 0xff]), Buffer.from([21]), Buffer.alloc(10),
          first.subarray(8), Buffer.from([0]), Buffer.from(`${opts.plugin}\0`),
        ]),
      ),
    );
    const switched = scramble();
    let state: 'response' | 'token' | 'password' | 'ready' = 'response';
    const readPassword = (seq: number, p: Buffer): void => {
      if (p.length === 256) {
        const x = privateDecrypt({ key: privateKey, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING }, p);
        for (let i = 0; i < x.length; i++) x[i] = x[i]! ^ switched[i % switched.length]!;
        fake.passwords.push(x.toString().replace(/\0$/, ''));
      } else fake.passwords.push(p.toString().replace(/\0$/, ''));
      fake.authenticated++;
      sock.write(packet(seq + 1, OK));
      state = 'ready';
    };
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4) {
        const len = buf.readUIntLE(0, 3);
        if (buf.length < 4 + len) return;
        const seq = buf[3]!;
        const p = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (state === 'response') {
          // whatever the client answered the handshake with, switch it to the plugin under test
          sock.write(packet(seq + 1, Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${opts.plugin}\0`), switched, Buffer.from([0])])));
          state = opts.plugin === 'caching_sha2_password' ? 'token' : 'password';
        } else if (state === 'token') {
          if (opts.cached) {
            fake.authenticated++;
            sock.write(Buffer.concat([packet(seq + 1, Buffer.from([1, 3])), packet(seq + 2, OK)]));
            state = 'ready';
          } else {
            sock.write(packet(seq + 1, Buffer.from([1, 4]))); // perform full authentication
            state = 'password';
          }
        } else if (state === 'password') {
          const keyRequest = opts.plugin === 'caching_sha2_password' ? 2 : 1;
          if (opts.plugin !== 'mysql_clear_password' && p.length === 1 && p[0] === keyRequest) {
            fake.keyRequests++;
            sock.write(packet(seq + 1, Buffer.concat([Buffer.from([1]), Buffer.from(publicKeyPem)])));
          } else readPassword(seq, p);
        } else if (p[0] === 0x01) sock.end(); // COM_QUIT
        else sock.write(packet(1, Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#HY000fake server: no queries')])));
      }
    });
  });
  await new Promise<void>((resolve) => (opts.socketPath !== undefined ? server.listen(opts.socketPath, resolve) : server.listen(0, '127.0.0.1', resolve)));
  const fake: FakeRsaServer = {
    port: opts.socketPath !== undefined ? 0 : (server.address() as net.AddressInfo).port,
    publicKeyPem,
    passwords: [],
    keyRequests: 0,
    authenticated: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
