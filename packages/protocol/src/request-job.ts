// The request as it travels on a pool queue: what http.sys hands to w3wp, and what ISAPI's
// EXTENSION_CONTROL_BLOCK carries (method, URL, headers, and the pre-read part of the body).

/** Header lines as received, in order; repeated headers stay repeated (`[name, value]`, name lower-cased). */
export type HeaderList = [name: string, value: string][];

export interface RequestJob {
  /** Unique per request: `<listenerId>.<sequence>`. Replies are matched on it. */
  id: string;
  /** The listener instance that holds the client's connection; replies go to its channel only. */
  replyTo: string;
  /** Epoch ms when the listener queued the request. */
  enqueuedAt: number;
  /** Epoch ms after which nobody waits for the answer; a worker skips an expired request. */
  deadline: number;
  siteId: number;
  siteName: string;
  /** Virtual path of the application that matched (`/`, `/api`, ...). */
  appPath: string;
  method: string;
  /** The raw request target (path and query) as the client sent it. */
  rawUrl: string;
  /** The normalised, percent-decoded path (no `.`/`..` segments): IIS's URL server variable. */
  path: string;
  /** The query string without `?`, as sent. */
  query: string;
  httpVersion: string;
  headers: HeaderList;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** The pre-read part of the body (ECB lpbData), base64: at most uploadReadAheadSize bytes. */
  body: string;
  /** cbTotalBytes: the declared body length, or -1 for a chunked body of unknown length. */
  bodyLength: number;
  /**
   * True when `body` is the whole body. Otherwise the worker asks the listener for the rest (ReadClient),
   * which streams it over the worker's control channel as the worker reads.
   */
  bodyComplete: boolean;
}
