import { Duplex } from 'node:stream';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { ClientCertificateView } from './peer-certificate.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

/** Where the client is and which address it reached (REMOTE_ADDR, LOCAL_ADDR, ...). */
export interface SocketAddresses {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** HTTPS: Express's req.protocol and req.secure read `socket.encrypted`. */
  encrypted: boolean;
  /** Over https: the client certificate, as TLSSocket's authorized and getPeerCertificate() give it. */
  clientCertificate?: ClientCertificateView;
}

/** Where the response that Node's ServerResponse writes goes: the SDK's HandlerResponse, through the handler. */
export interface ResponseSink {
  /** The status and headers, once Node has fixed them (before the first body byte). */
  head(head: ResponseHead): void;
  /** Body bytes; resolves when the SDK takes more (its flow control, paced by the client). */
  write(chunk: Buffer): Promise<void>;
}

type WriteCallback = (error?: Error | null) => void;

/** The part of a ServerResponse the socket reads: what it is about to send. */
interface WritingMessage {
  _header: string | null;
  chunkedEncoding: boolean;
}

/**
 * The connection a Node application's request and response believe they have. Node's own ServerResponse
 * writes to it exactly what it would put on the wire; this socket takes the header block apart into the
 * status and headers of the SDK's response, drops the interim 1xx responses the wire protocol cannot carry
 * (the listener already answered `Expect: 100-continue`), undoes chunked framing, and writes the body to the
 * SDK. Each write's callback waits for the SDK's write promise, so Node's write() returns false and 'drain'
 * fires by the SDK's flow control. Nothing is read from it: the request body reaches IncomingMessage directly.
 */
export class RequestSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: 'IPv4' | 'IPv6';
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: true | undefined;
  /** TLSSocket.authorized; undefined over plain HTTP, as on a net.Socket. */
  readonly authorized: boolean | undefined;
  /** Set by ServerResponse.assignSocket(). */
  declare _httpMessage: WritingMessage | null | undefined;

  private headSeen = false;
  private decoder: ChunkedDecoder | undefined;

  constructor(
    addresses: SocketAddresses,
    private readonly sink: ResponseSink,
  ) {
    // Readable, as a connection is: on-finished (body-parser, finalhandler) takes a socket that is not for a
    // request that has ended. Nothing is ever pushed; IncomingMessage's resume() of it does nothing.
    super({ decodeStrings: true });
    this.remoteAddress = addresses.remoteAddress;
    this.remotePort = addresses.remotePort;
    this.remoteFamily = addresses.remoteAddress.includes(':') ? 'IPv6' : 'IPv4';
    this.localAddress = addresses.localAddress;
    this.localPort = addresses.localPort;
    this.encrypted = addresses.encrypted ? true : undefined;
    this.certificate = addresses.clientCertificate;
    this.authorized = this.certificate?.authorized;
  }

  private readonly certificate: ClientCertificateView | undefined;

  /** TLSSocket.getPeerCertificate(): `{}` without a client certificate; undefined over plain HTTP. */
  getPeerCertificate(): ReturnType<ClientCertificateView['getPeerCertificate']> | undefined {
    return this.certificate?.getPeerCertificate();
  }

  /** The trailers the application added (addTrailers), once its response ended. */
  get trailers(): string[] {
    return this.decoder?.trailers ?? [];
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    if (typeof encoding === 'function') return this.write(chunk, undefined, encoding);
    let data = chunk as string | Buffer;
    if (!this.headSeen) {
      const header = this._httpMessage?._header;
      const start = typeof data === 'string' ? data : data.toString('latin1', 0, header?.length ?? 0);
      if (!header || !start.startsWith(header)) {
        // An interim response (writeContinue, writeProcessing, writeEarlyHints), written raw.
        if (callback) process.nextTick(callback);
        return true;
      }
      this.headSeen = true;
      this.sink.head(parseResponseHead(header));
      if (this._httpMessage?.chunkedEncoding) this.decoder = new ChunkedDecoder();
      // Node puts the header block in front of a string body; a Buffer body is written after it.
      data = typeof data === 'string' ? data.slice(header.length) : data.subarray(header.length);
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : data;
    const body = this.decoder ? Buffer.concat(this.decoder.push(bytes)) : bytes;
    return super.write(body, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    this.sink.write(chunk).then(() => callback(), callback);
  }

  // Writes made while Node corks the socket (end() with a last chunk, framing pieces) reach the SDK as one.
  override _writev(chunks: { chunk: Buffer }[], callback: WriteCallback): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback);
  }

  override _read(): void {
    // Nothing to read: see the class comment.
  }

  // Socket methods applications and frameworks call; timeouts and keep-alive are the listener's.
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback) this.once('timeout', callback);
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): { address: string; family: string; port: number } {
    return {
      address: this.localAddress,
      family: this.localAddress.includes(':') ? 'IPv6' : 'IPv4',
      port: this.localPort,
    };
  }
}
