import {
  STATUS_CODES,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Logger } from 'pino';
import { timeSpanToMs, type W3poolConfig } from '@w3pool/config';
import { errorCatalogue, renderErrorPage, type ErrorCode, type ErrorDefinition } from '@w3pool/protocol';
import type { HttpErrLog } from './httperr-log.js';
import type { Endpoint } from './site-router.js';
import { CertificateStore } from './tls/certificate-store.js';
import { requestsClientCertificates } from './tls/client-certificates.js';
import { SecureEndpoint, type SecureEndpointOptions } from './tls/secure-endpoint.js';
import { TlsPolicy } from './tls/tls-policy.js';

/** What other parts of the listener attach to each connection (the connection governor's limits). */
export interface EndpointHooks {
  /** A connection was accepted: a plain TCP socket for http, the TLS socket once the handshake is done. */
  onConnection?: (socket: Socket) => void;
}

export interface BoundEndpoint {
  host: string | undefined;
  port: number;
  address: string;
  secure: boolean;
}

/** How long shutdown waits for requests in flight (IIS's shutdownTimeLimit default). */
const SHUTDOWN_GRACE_MS = 90_000;

const key = (e: Endpoint) => `${e.secure ? 'https' : 'http'}://${e.host ?? '*'}:${e.port}`;

/** One listening socket: its HTTP/1.1 server, and for https the TLS server in front of it. */
interface Listening {
  endpoint: Endpoint;
  /** What listens: the HTTP/1.1 server itself for http, the TLS server for https. */
  socket: NetServer;
  http1: Server;
  secure: SecureEndpoint | undefined;
}

/**
 * The listening sockets: one per endpoint the bindings need. When the configuration changes, new
 * endpoints open and removed ones close, without a restart (http.sys re-registering URL prefixes).
 */
export class Endpoints {
  private readonly listening = new Map<string, Listening>();
  private readonly certificates: CertificateStore;

  constructor(
    private readonly handle: (request: IncomingMessage, response: ServerResponse) => void,
    private readonly httperr: HttpErrLog,
    private readonly log: Logger,
    private readonly hooks: EndpointHooks = {},
  ) {
    this.certificates = new CertificateStore(log);
  }

  async apply(wanted: Endpoint[], config: W3poolConfig): Promise<BoundEndpoint[]> {
    const keep = new Set(wanted.map(key));
    for (const [k, listening] of this.listening) {
      if (!keep.has(k)) {
        this.listening.delete(k);
        await closeListening(listening);
        this.log.info({ endpoint: k }, 'stopped listening');
      }
    }
    // Certificates are read again under the new configuration (its files may differ), when first needed.
    this.certificates.forgetAll();
    for (const endpoint of wanted) {
      const k = key(endpoint);
      const current = this.listening.get(k);
      const listening = current ?? (await this.open(endpoint, config));
      listening.endpoint = endpoint;
      if (current?.secure) current.secure.update(this.policy(endpoint, config), idleMs(config));
      this.listening.set(k, listening);
      applyTimeouts(listening.http1, config);
    }
    return this.bound();
  }

  bound(): BoundEndpoint[] {
    return [...this.listening.values()].map(({ endpoint, socket }) => {
      const address = socket.address();
      return {
        host: endpoint.host,
        port: endpoint.port,
        secure: endpoint.secure,
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
    const all = [...this.listening.values()];
    const cutoff = setTimeout(() => {
      this.log.warn('requests still in flight after the shutdown grace period; closing their connections');
      for (const listening of all) {
        if (listening.secure) listening.secure.closeAll();
        else listening.http1.closeAllConnections();
      }
    }, graceMs);
    await Promise.all(all.map(closeListening));
    clearTimeout(cutoff);
    this.listening.clear();
    this.certificates.close();
  }

  private closing = false;

  private policy(endpoint: Endpoint, config: W3poolConfig): TlsPolicy {
    const policy = new TlsPolicy(
      endpoint,
      config,
      this.certificates,
      requestsClientCertificates(endpoint, config),
    );
    for (const served of endpoint.bindings) {
      // Read each certificate now rather than at the first handshake, so a problem is in the log at once.
      if (!policy.bindingFor(served.host || undefined)?.material()) {
        this.log.warn(
          { binding: served.binding.bindingInformation, site: served.site.name },
          'https binding has no certificate to serve; its handshakes will fail',
        );
      }
    }
    return policy;
  }

  private createHttp1(): Server {
    const server: Server = createServer(
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
    return server;
  }

  private async open(endpoint: Endpoint, config: W3poolConfig): Promise<Listening> {
    const http1 = this.createHttp1();
    let socket: NetServer = http1;
    let secure: SecureEndpoint | undefined;
    if (endpoint.secure) {
      const policy = this.policy(endpoint, config);
      secure = new SecureEndpoint(
        policy,
        {
          http1,
          handle: this.handle as unknown as SecureEndpointOptions['handle'],
          ...(this.hooks.onConnection ? { onConnection: this.hooks.onConnection } : {}),
          httperr: this.httperr,
          log: this.log,
        },
        headerWaitMs(config),
      );
      secure.update(policy, idleMs(config));
      socket = secure.server;
      // The HTTP/1.1 server gets its connections from the TLS server and never listens itself; its header
      // and idle timers start when it is told it is listening.
      http1.emit('listening');
    } else {
      http1.on('connection', (s: Socket) => this.hooks.onConnection?.(s));
    }
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.listen({ host: endpoint.host, port: endpoint.port }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    applyTimeouts(http1, config);
    this.log.info({ endpoint: key(endpoint) }, 'listening');
    return { endpoint, socket, http1, secure };
  }
}

function idleMs(config: W3poolConfig): number {
  return timeSpanToMs(config.webLimits.connectionTimeout);
}

function headerWaitMs(config: W3poolConfig): number {
  const headerWait = timeSpanToMs(config.webLimits.headerWaitTimeout);
  return headerWait > 0 ? headerWait : idleMs(config);
}

/** Shut one socket: stop accepting, close idle connections, and resolve when the last one has gone. */
function closeListening(listening: Listening): Promise<void> {
  const { http1, secure, socket } = listening;
  return new Promise((resolve) => {
    socket.close(() => {
      // The HTTP/1.1 server of an https socket never listened: closing it only stops its timers.
      if (secure) http1.close(() => resolve());
      else resolve();
    });
    if (secure) secure.closeIdle();
    else http1.closeIdleConnections();
  });
}

function applyTimeouts(server: Server, config: W3poolConfig): void {
  server.keepAliveTimeout = config.webServer.httpProtocol.allowKeepAlive ? idleMs(config) : 1;
  // headerWaitTimeout 00:00:00 means "no separate limit": the idle connection timeout covers it.
  server.headersTimeout = headerWaitMs(config);
}

/**
 * What the parser's refusal is: a catalogue code (answered, then the connection closes), or a bare HTTPERR
 * reason for a connection dropped without an answer (a timer, or a client that reset it).
 */
function classify(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer; reason?: string },
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
      // Content-Length beside Transfer-Encoding is no unknown coding but two framings of one body (RFC 9112
      // §6.3, the classic smuggling probe): a malformed length, 400, whichever header comes first.
      if (/Content-Length/i.test(error.reason ?? '')) return { code: 'LISTENER_NUMBER_INVALID' };
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
