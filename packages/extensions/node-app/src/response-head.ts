/** The status and headers of a response, as Node's ServerResponse serialised them. */
export interface ResponseHead {
  status: number;
  /** Names lower-cased; a header sent several times (Set-Cookie) keeps each value. */
  headers: Map<string, string[]>;
}

/**
 * Headers that belong to the connection Node believes it writes to, not to the response: the listener owns
 * the client's connection and frames the body itself (and adds Date, since the adapter turns sendDate off).
 */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'proxy-connection',
  'te',
]);

/**
 * Read the header block Node wrote (`res._header`: status line, `Name: value` lines, blank line). Reading what
 * Node would have sent, rather than getHeaders(), also covers headers passed to writeHead() only, which
 * Node never stores, and every rule Node applies on the way (Content-Length from end(), HEAD, 204, 304).
 */
export function parseResponseHead(block: string): ResponseHead {
  const lines = block.split('\r\n');
  const statusLine = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
  if (!statusLine) throw new Error(`not a response head: ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (CONNECTION_HEADERS.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return { status: Number(statusLine[1]), headers };
}
