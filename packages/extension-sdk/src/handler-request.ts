// What a handler sees of a request: the ISAPI EXTENSION_CONTROL_BLOCK's fields under readable names.

export interface HandlerRequest {
  /** Unique request id (also in logs). */
  readonly id: string;
  /** REQUEST_METHOD */
  readonly method: string;
  /** UNENCODED_URL: path and query as the client sent them. */
  readonly rawUrl: string;
  /** URL: the decoded, normalised path. */
  readonly path: string;
  /** QUERY_STRING, without `?`. */
  readonly query: string;
  /** SERVER_PROTOCOL version (`1.1`). */
  readonly httpVersion: string;
  /** Request headers, names lower-cased; repeated headers joined with `, ` (cookie with `; `). */
  readonly headers: ReadonlyMap<string, string>;
  /** cbTotalBytes: the declared body length, or -1 for a chunked body of unknown length. */
  readonly contentLength: number;
  /** lpbData: the part of the body the listener pre-read (up to uploadReadAheadSize bytes). */
  readonly preloadedBody: Uint8Array;
  /**
   * The whole body, the pre-read part first, then the rest as it streams from the client (ReadClient). The
   * client is read only as fast as this is consumed. Can be consumed once.
   */
  bodyStream(): AsyncIterable<Uint8Array>;
  /** The whole body in memory. Throws HttpError LISTENER_CONTENT_TOO_LARGE (413) past `limit` bytes. */
  readBody(limit?: number): Promise<Buffer>;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly site: { readonly id: number; readonly name: string };
  /** The application the request belongs to: its virtual path and root directory (APPL_PHYSICAL_PATH). */
  readonly application: { readonly path: string; readonly physicalPath: string };
  /**
   * SCRIPT_FILENAME: the file system path of the mapped resource (the URL without PATH_INFO). Always inside
   * a virtual directory's root.
   */
  readonly physicalPath: string;
  /** SCRIPT_NAME: the URL of the mapped resource, `path` without PATH_INFO. */
  readonly scriptName: string;
  /**
   * PATH_INFO: the path after the mapped file (`/x/y` of `/app.php/x/y`) when the mapping's allowPathInfo is
   * true; otherwise '' (and IIS's PATH_INFO server variable is then the whole URL).
   */
  readonly pathInfo: string;
  /**
   * GetServerVariable: an IIS server variable by name, case-insensitive (`REMOTE_ADDR`, `HTTP_USER_AGENT`,
   * `ALL_HTTP`, `APPL_MD_PATH`, ...), or undefined for one that does not exist (a header that was not sent).
   */
  serverVariable(name: string): string | undefined;
  /**
   * HSE_REQ_MAP_URL_TO_PATH: the file system path a URL of this site maps to, through the virtual
   * directories of the application that holds it; undefined if no virtual directory holds it.
   */
  mapPath(url: string): string | undefined;
  /** The authenticated user (LOGON_USER, AUTH_TYPE); `name` is '' for an anonymous request. */
  readonly user: RequestUser;
}

export interface RequestUser {
  readonly name: string;
  /** AUTH_TYPE: `Basic`, or '' for anonymous. */
  readonly authType: string;
  readonly roles: readonly string[];
}
