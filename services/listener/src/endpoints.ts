import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { timeSpanToMs, type W3poolConfig } from '@w3pool/config';
import type { Endpoint } from './site-router.js';

export interface BoundEndpoint {
  host: string | undefined;
  port: number;
  address: string;
}

const key = (e: Endpoint) => `${e.host ?? '*'}:${e.port}`;

/**
 * The listening sockets: one per endpoint the bindings need. When the configuration changes, new
 * endpoints open and removed ones close, without a restart (http.sys re-registering URL prefixes).
 */
export class Endpoints {
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly handle: (request: IncomingMessage, response: ServerResponse) => void,
    private readonly log: Logger,
  ) {}

  async apply(wanted: Endpoint[], config: W3poolConfig): Promise<BoundEndpoint[]> {
    const keep = new Set(wanted.map(key));
    for (const [k, server] of this.servers) {
      if (!keep.has(k)) {
        this.servers.delete(k);
        await closeServer(server);
        this.log.info({ endpoint: k }, 'stopped listening');
      }
    }
    for (const endpoint of wanted) {
      const k = key(endpoint);
      const server = this.servers.get(k) ?? (await this.open(endpoint, config));
      this.servers.set(k, server);
      applyTimeouts(server, config);
    }
    return this.bound();
  }

  bound(): BoundEndpoint[] {
    return [...this.servers].map(([k, server]) => {
      const address = server.address();
      const [host, port] = k.split(/:(?=\d+$)/);
      return {
        host: host === '*' ? undefined : host,
        port: Number(port),
        address:
          typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address),
      };
    });
  }

  /** Stop accepting, let requests in flight finish, and close idle keep-alive connections. */
  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map(closeServer));
    this.servers.clear();
  }

  private async open(endpoint: Endpoint, config: W3poolConfig): Promise<Server> {
    const server = createServer(
      {
        // http.sys MaxRequestBytes: request line and headers together within 16 KB.
        maxHeaderSize: 16384,
        requireHostHeader: true,
        // Queue waits are bounded by the pool queue deadline, not by a socket timer.
        requestTimeout: 0,
      },
      this.handle,
    );
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed HTTP: answer 400 (431 for oversized headers) and close; the process carries on.
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable && !socket.destroyed) {
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else {
        socket.destroy();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: endpoint.host, port: endpoint.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    applyTimeouts(server, config);
    this.log.info({ endpoint: key(endpoint) }, 'listening');
    return server;
  }
}

function applyTimeouts(server: Server, config: W3poolConfig): void {
  const idle = timeSpanToMs(config.webLimits.connectionTimeout);
  const headerWait = timeSpanToMs(config.webLimits.headerWaitTimeout);
  server.keepAliveTimeout = config.webServer.httpProtocol.allowKeepAlive ? idle : 1;
  // headerWaitTimeout 00:00:00 means "no separate limit": the idle connection timeout covers it.
  server.headersTimeout = headerWait > 0 ? headerWait : idle;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
