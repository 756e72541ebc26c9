// How a handler answers: the WriteClient / HSE_REQ_SEND_RESPONSE_HEADER_EX model. Status and headers may
// change until the first write; `end()` completes the response.

export interface HandlerResponse {
  /** Set the status; `substatus` is IIS's (404.3 → 404, 3), logged, never sent. */
  status(code: number, substatus?: number): this;
  setHeader(name: string, value: string | number | readonly string[]): this;
  getHeader(name: string): string | string[] | undefined;
  removeHeader(name: string): this;
  /** Append body bytes. */
  write(chunk: Uint8Array | string): void;
  /** Finish the response, optionally with a last chunk. */
  end(chunk?: Uint8Array | string): void;
  readonly ended: boolean;
}
