import { connect } from 'node:net';

export interface RawAnswer {
  /** Every byte the listener sent. */
  bytes: Buffer;
  /** Whether the listener closed the connection (false: the test gave up waiting). */
  closed: boolean;
}

/**
 * Send bytes exactly as given over a fresh socket (no client normalises the path or the headers), then
 * collect whatever comes back until the listener closes, or `timeoutMs` passes. With `halfClose` the
 * client's FIN follows the bytes: the listener then takes the client as gone and may drop a request that
 * waits for a worker, so a test that needs the answer sends `Connection: close` and keeps its side open.
 */
export function rawExchange(
  port: number,
  payload: Buffer | string,
  timeoutMs = 3000,
  halfClose = true,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    if (halfClose) socket.end(bytes);
    else socket.write(bytes);
  });
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d) [^\r\n]*\r\n/;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[ \t]*[^\r\n]*$/;

/**
 * Split what came back into HTTP/1.1 responses, checking each one's framing: a status line, header lines
 * of token names, an empty line, then the body its Content-Length or chunked encoding announces (a HEAD
 * answer or a 304 announces a length it does not send). Throws on the first malformed byte.
 */
export function parseResponses(bytes: Buffer): number[] {
  const text = bytes.toString('latin1');
  const statuses: number[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const status = STATUS_LINE.exec(rest);
    if (!status) throw new Error(`not an HTTP response at byte ${at}: ${JSON.stringify(rest.slice(0, 80))}`);
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0)
      throw new Error(`response head without its empty line: ${JSON.stringify(rest.slice(0, 200))}`);
    const lines = rest.slice(status[0].length, headEnd).split('\r\n').filter(Boolean);
    for (const line of lines)
      if (!HEADER_LINE.test(line)) throw new Error(`malformed header line ${JSON.stringify(line)}`);
    statuses.push(Number(status[1]));
    const header = (name: string) =>
      lines
        .find((l) => l.toLowerCase().startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim();
    let bodyStart = at + headEnd + 4;
    const chunked = /chunked/i.test(header('transfer-encoding') ?? '');
    if (chunked) {
      for (;;) {
        const sizeEnd = text.indexOf('\r\n', bodyStart);
        if (sizeEnd < 0) throw new Error('chunked body cut inside a chunk size');
        const size = parseInt(text.slice(bodyStart, sizeEnd), 16);
        if (Number.isNaN(size))
          throw new Error(`bad chunk size ${JSON.stringify(text.slice(bodyStart, sizeEnd))}`);
        bodyStart = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      at = bodyStart;
      continue;
    }
    const length = Number(header('content-length') ?? 0);
    const next = bodyStart + length;
    if (next === text.length || (next < text.length && text.startsWith('HTTP/1.', next))) at = next;
    // A HEAD or 304 answer carries the length without the body: the next response starts right away.
    else if (bodyStart === text.length || text.startsWith('HTTP/1.', bodyStart)) at = bodyStart;
    // A body the connection's close cut short: framing intact up to there.
    else if (next > text.length) at = text.length;
    else throw new Error(`bytes after a ${length}-byte body: ${JSON.stringify(text.slice(next, next + 80))}`);
  }
  return statuses;
}
