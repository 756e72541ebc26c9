import type { Readable } from 'node:stream';
import { HttpError, type HandlerResponse } from '@w3pool/extension-sdk';
import {
  applyCgiHead,
  classifyCgiResponse,
  clearCgiHead,
  CgiResponseParser,
  type CgiResponseKind,
} from '@w3pool/extension-sdk/cgi';

export interface RelayedOutput {
  /** The response the header block described; undefined if stdout ended before the blank line. */
  readonly kind: CgiResponseKind | undefined;
  /** Body bytes handed to response.write(). */
  readonly bodyBytes: number;
  /** The header lines read so far, quoted, for the error that says the block never ended. */
  readonly partialHead: string | undefined;
}

/**
 * Reads the program's stdout to its end: the header block into the response's status and fields, then
 * the body into response.write(), one chunk at a time and awaited, so the program is read no faster than
 * the client takes the response and neither side holds more than a pipe and a window. The body of a
 * local redirect is read and dropped: the URL it names answers instead.
 */
export async function relayOutput(stdout: Readable, response: HandlerResponse): Promise<RelayedOutput> {
  const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
  let kind: CgiResponseKind | undefined;
  let bodyBytes = 0;
  for await (const chunk of stdout as AsyncIterable<Buffer>) {
    let body = chunk;
    if (kind === undefined) {
      const parsed = parser.push(chunk);
      if (parsed === undefined) continue;
      kind = classifyCgiResponse(parsed.head);
      if (kind.kind !== 'local-redirect') applyCgiHead(response, kind.head, kind.status);
      body = parsed.rest;
    }
    if (kind.kind === 'local-redirect' || body.length === 0) continue;
    if (kind.kind === 'document' && kind.head.contentType === undefined) {
      // Found before the first byte goes out, so the client gets a clean 502.2 rather than an untyped body.
      clearCgiHead(response, kind.head);
      throw new HttpError('WORKER_CGI_BAD_HEADERS', 'the response has a body but no Content-Type field');
    }
    bodyBytes += body.length;
    await response.write(body);
  }
  return { kind, bodyBytes, partialHead: parser.partial };
}
