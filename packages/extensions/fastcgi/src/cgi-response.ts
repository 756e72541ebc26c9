// The head of a CGI response (RFC 3875 section 6), which is what a FastCGI responder writes on STDOUT:
// header lines, an empty line, then the body. `Status:` sets the status; a `Location:` without one is a
// redirect, local (a path: the server runs that URL itself) or to the client (302).

/** A head longer than this is not a CGI response (IIS's FastCGI limit is of the same order). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface CgiHead {
  readonly status: number;
  /** Headers in the order sent, names as sent; `Status` is not among them. */
  readonly headers: readonly (readonly [string, string])[];
  /** How the response ends: as is, a local redirect (executeUrl of a path), or a client redirect. */
  readonly kind: 'document' | 'local-redirect' | 'client-redirect';
  readonly location: string | undefined;
}

export class CgiResponseError extends Error {
  override readonly name = 'CgiResponseError';
}

/** Collects STDOUT until the blank line that ends the head; what follows is body. */
export class CgiHeadParser {
  private buffered: Buffer = Buffer.alloc(0);

  /** Feed output; returns the head and the body bytes after it once the head is complete. */
  push(chunk: Buffer): { head: CgiHead; body: Buffer } | undefined {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = findHeadEnd(this.buffered);
    if (!end) {
      if (this.buffered.length > MAX_HEAD_BYTES)
        throw new CgiResponseError(`no end of the response head within ${MAX_HEAD_BYTES} bytes`);
      return undefined;
    }
    const head = parseHead(this.buffered.toString('latin1', 0, end.headEnd));
    return { head, body: this.buffered.subarray(end.bodyStart) };
  }

  /** Output ended: what was collected never finished a head. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

function findHeadEnd(data: Buffer): { headEnd: number; bodyStart: number } | undefined {
  // The head ends at the first empty line, whether lines end in CRLF (PHP) or a bare LF (RFC 3875 allows
  // both).
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
    if (i === 0) return { headEnd: 0, bodyStart: 1 };
    if (i === 1 && data[0] === 0x0d) return { headEnd: 0, bodyStart: 2 };
    let next = i + 1;
    if (data[next] === 0x0d) next += 1;
    if (data[next] === 0x0a) return { headEnd: i, bodyStart: next + 1 };
  }
  return undefined;
}

export function parseHead(text: string): CgiHead {
  const headers: [string, string][] = [];
  let status: number | undefined;
  let location: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CgiResponseError(`malformed header line "${line.slice(0, 100)}"`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
      throw new CgiResponseError(`malformed header name "${name.slice(0, 100)}"`);
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const match = /^(\d{3})(?:\s.*)?$/.exec(value);
      if (!match) throw new CgiResponseError(`malformed Status "${value.slice(0, 100)}"`);
      status = Number(match[1]);
      if (status < 100 || status > 599) throw new CgiResponseError(`Status ${status} out of range`);
      continue;
    }
    if (lower === 'location') location = value;
    headers.push([name, value]);
  }
  if (location !== undefined && status === undefined) {
    // RFC 3875 6.2.2: a local redirect is an absolute path, and the server answers it itself.
    const local = location.startsWith('/') && !location.startsWith('//');
    return {
      status: 302,
      headers,
      kind: local ? 'local-redirect' : 'client-redirect',
      location,
    };
  }
  return { status: status ?? 200, headers, kind: 'document', location };
}
