import type { ServerResponse } from 'node:http';
import {
  HttpError,
  type ExtensionLogger,
  type HandlerRequest,
  type HandlerResponse,
} from '@w3pool/extension-sdk';
import { createIncomingMessage, type NodeAppContext, type NodeAppRequest } from './incoming-message.js';
import type { ResponseHead } from './response-head.js';
import { clientCertificateView } from './peer-certificate.js';
import { RequestSocket } from './request-socket.js';
import { createServerResponse } from './server-response.js';

/** How the application is called for one request (see app-loader.ts). */
export type ServeRequest = (req: NodeAppRequest, res: ServerResponse, expectsContinue: boolean) => unknown;

/**
 * One request of a Node application: its IncomingMessage and ServerResponse over a RequestSocket, and the
 * promise the handler waits on. It settles when the response has finished and the SDK has its end, when the
 * client left (the handler's signal: 'aborted' and 'close' on req, 'close' on res), or when the application
 * failed (it threw, its promise rejected, or it destroyed its response unfinished).
 */
export class RequestExchange {
  readonly req: NodeAppRequest;
  readonly res: ServerResponse;
  private readonly socket: RequestSocket;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;
  private settled = false;
  private aborted = false;

  constructor(
    request: HandlerRequest,
    private readonly response: HandlerResponse,
    context: NodeAppContext,
    private readonly log: ExtensionLogger,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    const https = request.serverVariable('HTTPS')?.toLowerCase() === 'on';
    this.socket = new RequestSocket(
      {
        remoteAddress: request.remoteAddress,
        remotePort: request.remotePort,
        localAddress: request.localAddress,
        localPort: request.localPort,
        encrypted: https,
        ...(https ? { clientCertificate: clientCertificateView(request) } : {}),
      },
      { head: (head) => this.head(head), write: (chunk) => response.write(chunk) },
    );
    // A socket error ends in the response's 'close' (below); it must not become an uncaught one.
    this.socket.on('error', () => undefined);
    this.req = createIncomingMessage(request, this.socket, context);
    this.res = createServerResponse(this.req, this.socket);
    this.res.once('finish', () => this.finish());
    this.res.once('close', () => this.closed());
  }

  /** The trailers the application added: the wire protocol has no place for them yet. */
  get trailers(): string[] {
    return this.socket.trailers;
  }

  /** Call the application and wait for the response to complete. */
  async run(serve: ServeRequest, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const onAbort = () => this.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const expectsContinue = /\b100-continue\b/i.test(this.req.headers.expect ?? '');
      try {
        const result = serve(this.req, this.res, expectsContinue);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.fail(error));
      } catch (error) {
        this.fail(error);
      }
      await this.done;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.release();
    }
  }

  private head(head: ResponseHead): void {
    this.response.status(head.status);
    for (const [name, values] of head.headers) {
      this.response.setHeader(name, values.length === 1 ? values[0]! : values);
    }
  }

  /** Node emits 'finish' from the callback of the response's last write: the SDK has every body byte. */
  private finish(): void {
    this.response.end().then(
      () => this.settle(),
      (error: unknown) => this.reject(error),
    );
  }

  private closed(): void {
    if (this.res.writableFinished || this.aborted) return;
    // The request body failed (the client or the listener gave up on it): Node closes the connection, and
    // the pipeline decides what, if anything, the client still gets.
    if (this.req.errored) this.reject(this.req.errored);
    else this.fail(new Error('the application destroyed its response before finishing it'));
  }

  /** The client left: what Node's server does when the connection closes under a request. */
  private abort(): void {
    if (this.settled) return;
    this.aborted = true;
    this.req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    this.socket.destroy();
    this.settle();
  }

  private fail(error: unknown): void {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (this.settled || (this.res.writableEnded && !this.res.destroyed)) {
      // The response is complete and on its way (or the client left): the error can only be told.
      this.log.error('the application failed after it ended its response', { error: detail });
      return;
    }
    this.reject(new HttpError('EXT_NODE_APP_FAILED', detail, { cause: error }));
  }

  private reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // Whatever the application writes from now on goes nowhere: the pipeline answers for it.
    this.socket.destroy();
    this.rejectDone(error instanceof Error ? error : new Error(String(error)));
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveDone();
  }

  /**
   * After the response: 'close' on res (Node's order: 'finish', then 'close'), and a request whose body was
   * fully received but not read ends, as Node's server dumps it. A body never read stays unread: pulling it
   * from the client only to discard it is the listener's choice to make.
   */
  private release(): void {
    this.socket.destroy();
    const req = this.req;
    if (req.complete && !req.readableEnded && !req.destroyed) {
      req.removeAllListeners('data');
      req.resume();
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
