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
  /** True once the status and headers have gone out. */
  readonly headersSent: boolean;
  readonly ended: boolean;
}
