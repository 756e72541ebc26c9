import {
  STATUS_CODES,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { timeSpanToMs, type W3poolConfig } from '@w3pool/config';
import { errorCatalogue, renderErrorPage, type ErrorCode, type ErrorDefinition } from '@w3pool/protocol';
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
    const refusal = classify(error);
    const code = 'code' in refusal ? refusal.code : undefined;
    const def: ErrorDefinition | undefined = code ? errorCatalogue[code] : undefined;
    this.httperr.record({
      clientIp: socket.remoteAddress,
      clientPort: socket.remotePort,
      serverIp: socket.localAddress,
      serverPort: socket.localPort,
      status: def?.status,
      reason: def?.reason ?? ('reason' in refusal ? refusal.reason : 'BadRequest'),
    });
    if (code && def && socket.writable && !socket.destroyed) {
      const body = renderErrorPage(code);
      socket.end(
        `HTTP/1.1 ${def.status} ${STATUS_CODES[def.status] ?? ''}\r\nContent-Type: text/html; charset=utf-8\r\n` +
          `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
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

/**
 * What the parser's refusal is: a catalogue code (answered, then the connection closes), or a bare HTTPERR
 * reason for a connection dropped without an answer (a timer, or a client that reset it).
 */
function classify(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
): { code: ErrorCode } | { reason: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // The request line took most of the 16 KB (or has no end in sight): URL_Length; else a header did.
      const raw = error.rawPacket;
      const firstLineEnd = raw ? raw.indexOf('\n') : -1;
      return {
        code:
          firstLineEnd === -1 || firstLineEnd > 8192
            ? 'LISTENER_REQUEST_LINE_TOO_LONG'
            : 'LISTENER_HEADERS_TOO_LARGE',
      };
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // headerWaitTimeout passed before the headers were complete: slowloris. http.sys drops the connection.
      return { reason: 'Timer_HeaderWait' };
    case 'ECONNRESET':
      return { reason: 'Connection_Dropped' };
    case 'HPE_INVALID_METHOD':
      return { code: 'LISTENER_VERB_INVALID' };
    case 'HPE_INVALID_URL':
      return { code: 'LISTENER_URL_INVALID' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return { code: 'LISTENER_HEADER_INVALID' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { code: 'LISTENER_NUMBER_INVALID' };
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_STRICT':
      return { code: 'LISTENER_LINE_ENDING_INVALID' };
    case 'HPE_INVALID_VERSION':
      return { code: versionRefusal(error.rawPacket) };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // A transfer coding the server does not support: HTTP's 501, logged with http.sys's own reason for
      // it, `N/I` (iis.md §1). Nothing of w3pool is missing here.
      return { code: 'LISTENER_TRANSFER_CODING_NOT_IMPLEMENTED' };
    case undefined:
    default:
      return { code: 'LISTENER_BAD_REQUEST' };
  }
}

/**
 * The parser refuses both a version it does not serve and a malformed request line with one error code.
 * Only a well-formed `HTTP/x.y` followed by CRLF is a version question (505); a bare LF after the version is
 * a line-ending error, and anything else a bad request (400).
 */
function versionRefusal(raw: Buffer | undefined): ErrorCode {
  const line = raw?.subarray(0, Math.min(raw.length, 16384)).toString('latin1') ?? '';
  if (/^[!-~]+ [!-~]+ HTTP\/\d\.\d\r\n/.test(line)) return 'LISTENER_VERSION_NOT_SUPPORTED';
  if (/^[!-~]+ [!-~]+ HTTP\/\d\.\d\n/.test(line)) return 'LISTENER_LINE_ENDING_INVALID';
  return 'LISTENER_BAD_REQUEST';
}
