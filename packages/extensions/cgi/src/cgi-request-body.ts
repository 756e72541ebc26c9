import type { Writable } from 'node:stream';
import type { HandlerRequest } from '@w3pool/extension-sdk';

/**
 * Streams the request body to the program's stdin and then closes it (RFC 3875 section 4.2): the pre-read
 * part first, the rest as the client sends it, each chunk only once the pipe has room, so a script that
 * reads slowly slows the upload instead of the worker buffering it. Never rejects: a program that exits
 * without reading its body, or a client that goes away, just ends the copy (the handler learns of the
 * latter from its signal).
 */
export async function pumpRequestBody(request: HandlerRequest, stdin: Writable): Promise<void> {
  try {
    if (request.contentLength === 0) return;
    for await (const chunk of request.bodyStream()) {
      if (!stdin.writable) return;
      if (!stdin.write(chunk) && !(await drained(stdin))) return;
    }
  } catch {
    // The body could not be read to its end; the program sees stdin close early.
  } finally {
    stdin.end();
  }
}

/** Resolves true when the pipe has room again, false if it closed or failed first. */
function drained(stdin: Writable): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      stdin.off('drain', onDrain);
      stdin.off('close', onClose);
      stdin.off('error', onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    stdin.once('drain', onDrain);
    stdin.once('close', onClose);
    stdin.once('error', onClose);
  });
}
