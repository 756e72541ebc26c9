/** The body of the hello cases: tiny, so the figures measure the hop and not the handler. */
export const HELLO_BODY = Buffer.from('hello world');

/** Size of the static file the cache case serves, and of the node:http body it is compared with. */
export const PAGE_BYTES = 4096;

/** A deterministic 4 KB text page: the same bytes for the static file and for plain node:http. */
export function fourKbPage(): Buffer {
  const line = 'w3pool bench: a 4 KB static page served from the listener response cache.\n';
  return Buffer.from(line.repeat(Math.ceil(PAGE_BYTES / line.length)).slice(0, PAGE_BYTES));
}
