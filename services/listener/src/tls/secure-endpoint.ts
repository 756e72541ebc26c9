import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { HttpErrLog } from '../httperr-log.js';
import { CONNECTION_SOCKET } from '../limits/connection-of.js';
import { ListenerHttp2Request, ListenerHttp2Response } from './http2-exchange.js';
import type { TlsPolicy } from './tls-policy.js';

/** IIS's default for http2 concurrent streams per connection (http.sys Http2MaxConcurrentStreams). */
const MAX_CONCURRENT_STREAMS = 100;
/** http.sys MaxRequestBytes: the request's header list within 16 KB, as for HTTP/1.1. */
const MAX_HEADER_LIST_SIZE = 16384;

export interface SecureEndpointOptions {
  /** The HTTP/1.1 server (not listening itself) that serves connections ALPN did not give HTTP/2. */
  http1: HttpServer;
  /** The request path, for HTTP/2 streams. */
  handle: (request: Http2ServerRequest, response: Http2ServerResponse) => void;
  onConnection?: (socket: Socket) => void;
  httperr: HttpErrLog;
  log: Logger;
}

/**
 * An https socket: TLS with the certificate SNI picks, then HTTP/2 or HTTP/1.1 as ALPN agreed. The TLS
 * server owns the socket and hands each connection, once secure, to the HTTP/1.1 or the HTTP/2 server, so
 * that HTTP/1.1 over TLS goes through exactly the same parser, limits and timers as plain HTTP.
 */
export class SecureEndpoint {
  readonly server: TlsServer;
  private readonly http2: Http2Server<
    typeof IncomingMessage,
    typeof ServerResponse,
    typeof ListenerHttp2Request,
    typeof ListenerHttp2Response
  >;
  private readonly sessions = new Set<ServerHttp2Session>();
  private policy: TlsPolicy;
  private idleMs = 120_000;

  constructor(
    policy: TlsPolicy,
    private readonly options: SecureEndpointOptions,
    handshakeMs: number,
  ) {
    this.policy = policy;
    this.server = createTlsServer({
      ...policy.serverOptions(),
      // A client that never finishes its handshake holds the socket no longer than one that never sends
      // its headers (headerWaitTimeout, else connectionTimeout).
      handshakeTimeout: handshakeMs,
      SNICallback: (name, callback) => callback(null, this.policy.contextFor(name)),
      // The protocol is the binding's too: a binding with sslFlags 4 (DisableHTTP2) gets HTTP/1.1.
      ALPNCallback: ({ servername, protocols }) => {
        if (protocols.includes('h2') && this.policy.bindingFor(servername)?.http2) return 'h2';
        return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
      },
    });
    this.http2 = createHttp2Server({
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_LIST_SIZE },
      Http2ServerRequest: ListenerHttp2Request,
      Http2ServerResponse: ListenerHttp2Response,
    });
    this.http2.on('request', options.handle);
    this.http2.on('session', (session) => this.track(session));
    // A stream or session the client broke (a protocol error) is nghttp2's to answer; the process goes on.
    this.http2.on('sessionError', (error) => options.log.debug({ err: error }, 'HTTP/2 session error'));
    this.server.on('secureConnection', (socket) => this.secured(socket));
    this.server.on('tlsClientError', (error, socket) => this.failed(error, socket));
    this.server.on('OCSPRequest', (certificate: Buffer, _issuer: Buffer, callback) => {
      callback(null, this.policy.ocspResponseFor(certificate) ?? null);
    });
  }

  /** A new configuration: new handshakes follow it; connections already open keep what they agreed. */
  update(policy: TlsPolicy, idleMs: number): void {
    this.policy = policy;
    this.idleMs = idleMs;
    this.server.setSecureContext(policy.serverOptions());
  }

  /** Shutdown: GOAWAY to every HTTP/2 client (streams in flight finish), and idle HTTP/1.1 connections close. */
  closeIdle(): void {
    for (const session of this.sessions) if (!session.closed) session.close();
    this.options.http1.closeIdleConnections();
  }

  closeAll(): void {
    for (const session of this.sessions) session.destroy();
    this.options.http1.closeAllConnections();
  }

  private secured(socket: TLSSocket): void {
    const binding = this.policy.bindingFor(socket.servername ?? undefined);
    const version = socket.getProtocol();
    // An SNI binding may be stricter than the socket (sslFlags 32 or 64 on one host of a shared port): the
    // version is agreed before the name is known, so it is checked here.
    if (binding && version && (version < binding.minVersion || version > binding.maxVersion)) {
      this.record(socket, 'Ssl_Protocol');
      socket.destroy();
      return;
    }
    this.options.onConnection?.(socket);
    if (socket.alpnProtocol === 'h2') {
      (socket as TLSSocket & { [CONNECTION_SOCKET]?: TLSSocket })[CONNECTION_SOCKET] = socket;
      this.http2.emit('connection', socket);
    } else this.options.http1.emit('connection', socket);
  }

  private track(session: ServerHttp2Session): void {
    this.sessions.add(session);
    session.on('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
    // connectionTimeout: an HTTP/2 connection with no frames for this long is closed, like a keep-alive one.
    session.setTimeout(this.idleMs, () => {
      const socket = session.socket as TLSSocket | undefined;
      if (socket) this.record(socket, 'Timer_ConnectionIdle');
      session.close();
    });
  }

  private failed(error: NodeJS.ErrnoException, socket: TLSSocket): void {
    this.options.log.debug({ err: error, remote: socket.remoteAddress }, 'TLS handshake failed');
    this.record(socket, error.code === 'ECONNRESET' ? 'Connection_Dropped' : 'Ssl_Handshake');
  }

  private record(socket: TLSSocket, reason: string): void {
    this.options.httperr.record({
      clientIp: socket.remoteAddress,
      clientPort: socket.remotePort,
      serverIp: socket.localAddress,
      serverPort: socket.localPort,
      reason,
    });
  }
}
