/**
 * Undoes the chunked framing Node's ServerResponse puts on a body (RFC 9112 §7.1), so the SDK gets the
 * bytes themselves: the listener frames the response for its own client. Node frames a body whenever the
 * app sent no Content-Length on an HTTP/1.1 response, and that is also the only way a response carries
 * trailers, which this keeps. Node writes size, CRLF, data and CRLF as separate writes; any split works.
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-crlf' | 'trailers' | 'done' = 'size';
  /** Bytes of the current chunk still to come. */
  private remaining = 0;
  /** A size or trailer line not yet complete. */
  private line = '';
  private readonly trailerLines: string[] = [];

  /** True once the last chunk and the trailers have been read. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** The trailer fields after the last chunk, as name/value pairs (Node's rawTrailers layout). */
  get trailers(): string[] {
    return this.trailerLines.flatMap((line) => {
      const colon = line.indexOf(':');
      return colon > 0 ? [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] : [];
    });
  }

  /** The body bytes in `input`, without the framing. */
  push(input: Buffer): Buffer[] {
    const body: Buffer[] = [];
    let at = 0;
    while (at < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - at);
        body.push(input.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      const end = input.indexOf(0x0a, at);
      this.line += input.toString('latin1', at, end < 0 ? input.length : end + 1);
      at = end < 0 ? input.length : end + 1;
      if (end >= 0) this.onLine(this.line.replace(/\r?\n$/, ''));
    }
    return body;
  }

  private onLine(line: string): void {
    this.line = '';
    switch (this.state) {
      case 'size': {
        // A chunk extension (`;name=value`) may follow the size; Node writes none.
        const size = Number.parseInt(line.split(';', 1)[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0)
          throw new Error(`malformed chunk size line ${JSON.stringify(line)}`);
        this.remaining = size;
        this.state = size === 0 ? 'trailers' : 'data';
        return;
      }
      case 'data-crlf':
        this.state = 'size';
        return;
      case 'trailers':
        if (line === '') this.state = 'done';
        else this.trailerLines.push(line);
        return;
      case 'data':
      case 'done':
        return;
    }
  }
}
