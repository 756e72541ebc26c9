import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { timeSpanToMs, type W3poolConfig } from '@w3pool/config';
import type { HttpErrLog } from './httperr-log.js';
import type { Endpoint } from './site-router.js';

export interface BoundEndpoint {
  host: string | undefined;
  port: number;
  address: string;
}

/** How long shutdown waits for requests in flight (IIS's shutdownTimeLimit default). */
const SHUTDOWN_GRACE_MS = 90_000;

const key = (e: Endpoint) => `${e.host ?? '*'}:${e.port}`;

/**
 * The listening sockets: one per endpoint the bindings need. When the configuration changes, new
 * endpoints open and removed ones close, without a restart (http.sys re-registering URL prefixes).
 */
export class Endpoints {
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly handle: (request: IncomingMessage, response: ServerResponse) => void,
    private readonly httperr: HttpErrLog,
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

  /**
   * Malformed or too slow: answer with http.sys's status and close, logging the HTTPERR reason. The process
   * carries on whatever the bytes were.
   */
  private onClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
    const { status, reason } = classify(error);
    this.httperr.record({
      clientIp: socket.remoteAddress,
      clientPort: socket.remotePort,
      serverIp: socket.localAddress,
      serverPort: socket.localPort,
      status: status === undefined ? undefined : Number(status.slice(0, 3)),
      reason,
    });
    if (status && socket.writable && !socket.destroyed) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  }

  /** Stop accepting, let requests in flight finish, and close idle keep-alive connections. */
  async close(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing = true;
    const servers = [...this.servers.values()];
    const cutoff = setTimeout(() => {
      this.log.warn('requests still in flight after the shutdown grace period; closing their connections');
      for (const server of servers) server.closeAllConnections();
    }, graceMs);
    await Promise.all(servers.map(closeServer));
    clearTimeout(cutoff);
    this.servers.clear();
  }

  private closing = false;

  private async open(endpoint: Endpoint, config: W3poolConfig): Promise<Server> {
    const server = createServer(
      {
        // http.sys MaxRequestBytes: request line and headers together within 16 KB.
        maxHeaderSize: 16384,
        requireHostHeader: true,
        // Queue waits are bounded by the pool queue deadline and bodies by the entity-body timer, not by a
        // whole-request timer that would cut off a long upload.
        requestTimeout: 0,
        // How often header and idle timers are checked; Node's default (30 s) would let a slowloris client
        // hold a socket half a minute past headerWaitTimeout.
        connectionsCheckingInterval: 1000,
      },
      (request, response) => {
        // During shutdown a keep-alive connection closes as soon as its request is answered.
        if (this.closing) response.on('finish', () => setImmediate(() => server.closeIdleConnections()));
        this.handle(request, response);
      },
    );
    server.on('connection', (socket: Socket) => {
      // The keep-alive timer fired on a connection with no request in flight: Timer_ConnectionIdle.
      socket.on('timeout', () => {
        this.httperr.record({
          clientIp: socket.remoteAddress,
          clientPort: socket.remotePort,
          serverIp: socket.localAddress,
          serverPort: socket.localPort,
          reason: 'Timer_ConnectionIdle',
        });
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) =>
      this.onClientError(error, socket),
    );
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

/** The HTTPERR reason (and the status, if one is sent) for a connection the parser or a timer gave up on. */
function classify(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): {
  status?: string;
  reason: string;
} {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // The request line took most of the 16 KB (or has no end in sight): URL_Length; else a header did.
      const raw = error.rawPacket;
      const firstLineEnd = raw ? raw.indexOf('\n') : -1;
      return firstLineEnd === -1 || firstLineEnd > 8192
        ? { status: '414 URI Too Long', reason: 'URL_Length' }
        : { status: '431 Request Header Fields Too Large', reason: 'FieldLength' };
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // headerWaitTimeout passed before the headers were complete: slowloris. http.sys drops the connection.
      return { reason: 'Timer_HeaderWait' };
    case 'ECONNRESET':
      return { reason: 'Connection_Dropped' };
    case 'HPE_INVALID_METHOD':
      return { status: '400 Bad Request', reason: 'Verb' };
    case 'HPE_INVALID_URL':
      return { status: '400 Bad Request', reason: 'URL' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return { status: '400 Bad Request', reason: 'Header' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: '400 Bad Request', reason: 'Number' };
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_STRICT':
      return { status: '400 Bad Request', reason: 'Invalid_CR/LF' };
    case 'HPE_INVALID_VERSION':
      return { status: '505 HTTP Version Not Supported', reason: 'Version_N/S' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // A transfer coding the server does not support: HTTP's 501, logged with http.sys's own reason for
      // it, `N/I` (iis.md §1). Nothing of w3pool is missing here.
      return { status: '501 Not Implemented', reason: 'N/I' };
    case undefined:
    default:
      return { status: '400 Bad Request', reason: 'BadRequest' };
  }
}
