// How a handler answers: the WriteClient / HSE_REQ_SEND_RESPONSE_HEADER_EX model. Status and headers may
// change until the first bytes go out; `end()` completes the response.

export interface KernelCachePolicy {
  /** Keep the response at most this long. Without it, the entry lives while it is hit (120 s scavenger). */
  maxAgeMs?: number;
  /** The file the response was made from: when it changes, every listener drops the entry. */
  dependsOnFile?: string;
}

export interface HandlerResponse {
  /** Set the status; `substatus` is IIS's (404.3 → 404, 3), logged, never sent. */
  status(code: number, substatus?: number): this;
  /** The status as set so far (200 until set). */
  readonly statusCode: number;
  readonly substatus: number;
  setHeader(name: string, value: string | number | readonly string[]): this;
  getHeader(name: string): string | string[] | undefined;
  removeHeader(name: string): this;
  /**
   * Append body bytes. The first write sends the status and headers. Writes stream to the client in chunks;
   * the promise resolves when the chunk may be reused and more may be written (flow control follows the
   * client's read speed), so a handler that awaits its writes never buffers more than a window.
   */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Finish the response, optionally with a last chunk. */
  end(chunk?: Uint8Array | string): Promise<void>;
  /**
   * Allow the listener's response cache (http.sys's kernel cache) to serve this response without a worker.
   * It is kept only if it is a 200 to a GET, fits in one message and within caching maxResponseSize.
   * Responses with `Cache-Control: public, max-age=N` are eligible without this call.
   */
  setKernelCache(policy: KernelCachePolicy): this;
  /**
   * lpszLogData: text the W3C log appends to cs-uri-query for this request, as IIS does. Cut to 80
   * characters (HSE_LOG_BUFFER_LEN); spaces become `+`, as in every W3C field.
   */
  logData: string;
  /**
   * HSE_REQ_SEND_URL_REDIRECT_RESP: answer with a client redirect (302 by default, or 301, 303, 307, 308)
   * to `location` and end the response.
   */
  redirect(location: string, status?: 301 | 302 | 303 | 307 | 308): Promise<void>;
  /**
   * HSE_REQ_SEND_CUSTOM_ERROR: end the response with the error page configured for this status and
   * substatus (httpErrors), or the built-in one.
   */
  sendCustomError(status: number, substatus?: number): Promise<void>;
  /**
   * HSE_REQ_TRANSMIT_FILE: stream a file as the body, honouring the request's Range (206, 416) and
   * conditional headers; Content-Type from the MIME map unless set. Ends the response.
   */
  transmitFile(path: string, options?: TransmitFileOptions): Promise<void>;
  /**
   * HSE_REQ_EXEC_URL (and a local redirect, HSE_REQ_SEND_URL): run another URL of the same site through the
   * whole pipeline in this worker, its response becoming this one. Resolves with its status once it ends.
   */
  executeUrl(url: string, options?: ExecuteUrlOptions): Promise<{ status: number; substatus: number }>;
  /** True once the status and headers have gone out. */
  readonly headersSent: boolean;
  readonly ended: boolean;
}

export interface TransmitFileOptions {
  /** Send only part of the file: bytes [offset, offset + length). Without it, the request's Range decides. */
  offset?: number;
  length?: number;
}

export interface ExecuteUrlOptions {
  /** The child's method (default the parent's). */
  method?: string;
  /** Headers to set or replace for the child (name → value). */
  headers?: Record<string, string>;
  /** HSE_EXEC_URL_DISABLE_CUSTOM_ERROR: an error of the child is sent as is, without httpErrors. */
  disableCustomError?: boolean;
}
