/**
 * A small HTTP proxy between the tools and the test's S3 server that injects faults, each bounded by
 * a count: an error status (a 503 SlowDown storm), a connection reset while a request body is being
 * sent (mid-upload), a reset while a response body is being received (mid-download), a request that
 * reaches the server late (sent, not yet served when the client stops). Every request
 * is logged (method, path, query, Range), so a test can show the fault really happened and what a
 * run read.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query as sent (path-style: /bucket/key?…). */
  readonly url: string;
  readonly range: string | undefined;
}

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly code: string; count: number; readonly match: (r: ProxiedRequest) => boolean }
  | { readonly kind: 'reset-request'; readonly afterBytes: number; count: number; readonly match: (r: ProxiedRequest) => boolean }
  | { readonly kind: 'reset-response'; readonly afterBytes: number; count: number; readonly match: (r: ProxiedRequest) => boolean }
  /** The whole request, received, reaches the server `ms` later, even if the client has gone meanwhile (a request in flight). */
  | { readonly kind: 'delay-request'; readonly ms: number; count: number; readonly match: (r: ProxiedRequest) => boolean };

export interface FaultProxy {
  readonly endpoint: string;
  readonly log: ProxiedRequest[];
  /** How many faults of each kind were injected. */
  readonly injected: Record<Fault['kind'], number>;
  /** Delayed requests the server has answered (delay-request). */
  readonly lateServed: number;
  add(f: Fault): void;
  clear(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const faults: Fault[] = [];
  const log: ProxiedRequest[] = [];
  const injected: Record<Fault['kind'], number> = { status: 0, 'reset-request': 0, 'reset-response': 0, 'delay-request': 0 };
  const agent = new http.Agent({ keepAlive: true });
  let lateServed = 0;

  const take = (r: ProxiedRequest): Fault | undefined => {
    const f = faults.find((x) => x.count > 0 && x.match(r));
    if (f) {
      f.count--;
      injected[f.kind]++;
    }
    return f;
  };

  const server = http.createServer((req, res) => {
    const r: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', range: req.headers.range };
    log.push(r);
    const fault = take(r);
    if (fault?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/xml', connection: 'close' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected by the test proxy</Message></Error>`);
      });
      return;
    }
    if (fault?.kind === 'delay-request') {
      const body: Buffer[] = [];
      req.on('data', (b: Buffer) => body.push(b));
      req.on('end', () => {
        setTimeout(() => {
          const late = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
            lateServed++;
            if (res.destroyed) return void up.resume();
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          });
          late.on('error', () => res.socket?.destroy());
          late.end(Buffer.concat(body));
        }, fault.ms);
      });
      return;
    }
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (fault?.kind === 'reset-response') {
        let sent = 0;
        up.on('data', (b: Buffer) => {
          if (sent + b.length >= fault.afterBytes) {
            res.write(b.subarray(0, Math.max(0, fault.afterBytes - sent)));
            res.socket?.destroy();
            up.destroy();
            return;
          }
          sent += b.length;
          res.write(b);
        });
        up.on('end', () => res.end());
      } else {
        up.pipe(res);
      }
    });
    upstream.on('error', () => res.socket?.destroy());
    if (fault?.kind === 'reset-request') {
      let got = 0;
      req.on('data', (b: Buffer) => {
        got += b.length;
        if (got >= fault.afterBytes) {
          req.socket.destroy();
          upstream.destroy();
        } else upstream.write(b);
      });
      req.on('end', () => upstream.end());
    } else {
      req.pipe(upstream);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    injected,
    get lateServed() {
      return lateServed;
    },
    add: (f) => faults.push(f),
    clear: () => {
      faults.length = 0;
      log.length = 0;
      for (const k of Object.keys(injected) as Fault['kind'][]) injected[k] = 0;
      lateServed = 0;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
