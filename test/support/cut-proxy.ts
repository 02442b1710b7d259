/**
 * A TCP proxy in front of a test server that can lose the answer to one chosen statement: the
 * statement reaches the server and runs (an autocommit statement, a COMMIT, commits), and the
 * connection is cut both ways when its answer comes back, so the client never hears of it. The
 * moment a lost connection leaves the outcome unknown, made deterministic. Clients must not use TLS
 * or protocol compression (the statements are found by their text).
 */
import net from 'node:net';

interface Rule {
  readonly needle: Buffer;
  readonly after: Buffer | null;
  readonly cut: () => void;
  /** Strand instead: the statement never reaches the server, which keeps the connection open. */
  readonly strand?: boolean;
}

export class CutProxy {
  private rule: Rule | null = null;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(host: string, port: number): Promise<CutProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new CutProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.pipe(client, net.connect(port, host)));
    return proxy;
  }

  /**
   * The next statement containing `needle`, on a connection that sent `after` earlier (any
   * connection when null), runs on the server, and its connection is cut when the answer comes:
   * resolves then, the answer dropped.
   */
  cutAnswerOf(needle: string, after: string | null = null): Promise<void> {
    return new Promise((resolve) => {
      this.rule = { needle: Buffer.from(needle), after: after === null ? null : Buffer.from(after), cut: resolve };
    });
  }

  /**
   * A network cut the server does not notice: the next statement containing `needle` (on a
   * connection that sent `after` earlier, any when null) is not forwarded, the client's side is
   * closed (it sees a lost connection), and the server's side stays open and silent — as after a
   * client host lost its network, the server thread waits for the next command (wait_timeout: hours)
   * with its transaction open. Resolves when it happened.
   */
  strandAt(needle: string, after: string | null = null): Promise<void> {
    return new Promise((resolve) => {
      this.rule = { needle: Buffer.from(needle), after: after === null ? null : Buffer.from(after), cut: resolve, strand: true };
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe(client: net.Socket, upstream: net.Socket): void {
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
    let seen = false;
    let cutting: Rule | null = null;
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    let stranded = false;
    client.on('data', (d) => {
      if (stranded) return;
      const rule = this.rule;
      if (rule?.after && d.includes(rule.after)) seen = true;
      if (rule && (rule.after === null || seen) && d.includes(rule.needle)) {
        this.rule = null;
        if (rule.strand) {
          stranded = true;
          client.destroy();
          rule.cut();
          return;
        }
        cutting = rule;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (stranded) return;
      if (cutting) {
        end();
        cutting.cut();
        return;
      }
      client.write(d);
    });
    client.on('error', end).on('close', () => {
      if (!stranded) end();
    });
    upstream.on('error', end).on('close', end);
  }
}
