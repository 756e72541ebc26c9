import { HttpError, type ExtensionLogger, type HandlerResponse } from '@w3pool/extension-sdk';
import {
  applyCgiHead,
  classifyCgiResponse,
  CgiResponseParser,
  type CgiResponseKind,
} from '@w3pool/extension-sdk/cgi';
import type { FastCgiCall } from './fastcgi-call.js';
import type { ExchangeEvent } from './fcgi-exchange.js';
import { ProtocolStatus, type EndRequestBody } from './fcgi-records.js';

// From the application's STDOUT and STDERR to the client: the CGI head becomes the status and headers, the
// body is written as it comes (after responseBufferLimit bytes, IIS's buffering), each write awaited so a
// slow client slows the application. STDERR follows stderrMode.

export type StderrMode = 'ReturnStdErrIn500' | 'ReturnGeneric500' | 'IgnoreAndReturn200' | 'TerminateProcess';

export interface RelayOptions {
  readonly stderrMode: StderrMode;
  /** The mapping's responseBufferLimit: bytes held before the response starts to stream (0: stream at once). */
  readonly responseBufferLimit: number;
  readonly log: ExtensionLogger;
  readonly application: string;
}

/** How the request ended on the application's side. */
export type RelayOutcome =
  { readonly kind: 'done' } | { readonly kind: 'local-redirect'; readonly location: string };

/** STDERR text kept for the 500 page and the log. */
const MAX_STDERR_BYTES = 16 * 1024;

export class ResponseRelay {
  private readonly parser = new CgiResponseParser('EXT_FASTCGI_BAD_RESPONSE');
  private head: CgiResponseKind | undefined;
  private headApplied = false;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private streaming: boolean;
  private stderr = '';
  /** stderr turned this response into a 500: the rest of STDOUT is dropped. */
  private failedByStderr = false;

  constructor(
    private readonly response: HandlerResponse,
    private readonly options: RelayOptions,
  ) {
    this.streaming = options.responseBufferLimit === 0;
  }

  /** Read the call to its end. Resolves with the outcome; rejects with the HttpError to answer. */
  async run(call: FastCgiCall, signal: AbortSignal): Promise<RelayOutcome> {
    for (;;) {
      const event = await nextOrAbort(call, signal);
      switch (event.kind) {
        case 'stdout':
          if (this.failedByStderr) break;
          await this.stdout(event.data, call);
          if (this.head?.kind === 'local-redirect') {
            call.drainInBackground();
            return { kind: 'local-redirect', location: this.head.url };
          }
          break;
        case 'stderr':
          this.stderrText(event.data, call);
          break;
        case 'end':
          return this.end(event.end);
      }
    }
  }

  private async stdout(data: Buffer, call: FastCgiCall): Promise<void> {
    if (!this.head) {
      let parsed;
      try {
        parsed = this.parser.push(data);
      } catch (error) {
        // 500 EXT_FASTCGI_BAD_RESPONSE, quoting the lines it did write; the process is not to be trusted.
        call.terminate((error as HttpError).detail ?? 'a malformed response head');
        throw error;
      }
      if (!parsed) return;
      // A Location path without Status runs here as a new request, even with php-cgi's Content-type beside it.
      this.head = classifyCgiResponse(parsed.head, 'without-status');
      if (this.head.kind === 'local-redirect') return;
      data = parsed.rest;
    }
    if (data.length === 0) return;
    if (this.streaming) {
      this.applyHead();
      await this.response.write(data);
      return;
    }
    this.held.push(data);
    this.heldBytes += data.length;
    if (this.heldBytes > this.options.responseBufferLimit) {
      // Past the buffer limit the response streams: what was held goes out, then each record as it comes.
      this.streaming = true;
      this.applyHead();
      const held = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
      await this.response.write(held);
    }
  }

  private stderrText(data: Buffer, call: FastCgiCall): void {
    const text = data.toString('utf8');
    if (this.stderr.length < MAX_STDERR_BYTES) this.stderr = (this.stderr + text).slice(0, MAX_STDERR_BYTES);
    this.options.log.warn('FastCGI application wrote to stderr', {
      application: this.options.application,
      fastCgiPid: call.pid,
      stderr: text.slice(0, 1000),
    });
    switch (this.options.stderrMode) {
      case 'IgnoreAndReturn200':
        return;
      case 'TerminateProcess':
        call.terminate('stderrMode TerminateProcess');
        throw new HttpError('EXT_FASTCGI_STDERR', undefined);
      case 'ReturnStdErrIn500':
      case 'ReturnGeneric500':
        // Once bytes went out the status cannot change; the text is only logged then.
        if (!this.response.headersSent) this.failedByStderr = true;
    }
  }

  private async end(end: EndRequestBody): Promise<RelayOutcome> {
    if (end.protocolStatus === ProtocolStatus.Overloaded)
      throw new HttpError('EXT_FASTCGI_OVERLOADED', this.options.application);
    if (
      end.protocolStatus === ProtocolStatus.CantMpxConn ||
      end.protocolStatus === ProtocolStatus.UnknownRole
    )
      throw new HttpError('EXT_FASTCGI_REQUEST_REFUSED', `protocolStatus ${end.protocolStatus}`);
    if (this.failedByStderr) {
      const detail = this.options.stderrMode === 'ReturnStdErrIn500' ? this.stderr : undefined;
      throw new HttpError('EXT_FASTCGI_STDERR', detail);
    }
    if (!this.head) {
      const reason =
        this.parser.pendingBytes > 0
          ? 'the output ended inside the response head'
          : 'the application wrote no response';
      throw new HttpError('EXT_FASTCGI_BAD_RESPONSE', `${reason} (appStatus ${end.appStatus})`);
    }
    if (this.head.kind === 'local-redirect') return { kind: 'local-redirect', location: this.head.url };
    this.applyHead();
    await this.response.end(this.heldBytes > 0 ? Buffer.concat(this.held, this.heldBytes) : undefined);
    return { kind: 'done' };
  }

  private applyHead(): void {
    if (this.headApplied || !this.head || this.head.kind === 'local-redirect') return;
    this.headApplied = true;
    applyCgiHead(this.response, this.head.head, this.head.status);
  }
}

/** The call's next event, or the signal's reason as soon as the client leaves (the call goes on alone). */
function nextOrAbort(call: FastCgiCall, signal: AbortSignal): Promise<ExchangeEvent> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    call.next().then(
      (event) => {
        signal.removeEventListener('abort', onAbort);
        resolve(event);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
