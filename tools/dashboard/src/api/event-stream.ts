import { SseParser, type SseMessage } from './sse-parser.js';

export type StreamStatus =
  | { kind: 'connecting' }
  | { kind: 'live'; since: number; reconnects: number }
  | { kind: 'down'; since: number; attempt: number; error: string }
  | { kind: 'unauthorized' };

export interface StreamHandlers {
  message(message: SseMessage): void;
  status(status: StreamStatus): void;
}

/** Backoff after a failed attempt: the server's `retry:` (2 s) doubled up to 30 s, so a dead WAS is not hammered. */
const MAX_DELAY_MS = 30_000;

/**
 * GET /api/events/stream?stats=1 through fetch, not EventSource: EventSource cannot send the
 * Authorization header, and WAS takes the token nowhere else (never from a URL, which logs and histories
 * keep, nor from a cookie, which the browser would send on a cross-site request by itself). The same
 * reconnection rules as EventSource: on a drop it waits `retry:` and reconnects with Last-Event-ID, so
 * WAS replays the events that were missed; every drop and recovery is reported through `status`.
 */
export class EventStream {
  private controller: AbortController | undefined;
  private closed = false;
  private reconnects = 0;
  private retryMs = 2_000;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly token: () => string | null,
    private readonly handlers: StreamHandlers,
    /** The newest event already shown (from GET /api/events): the stream starts right after it. */
    private lastEventId?: string,
  ) {}

  start(): void {
    this.handlers.status({ kind: 'connecting' });
    void this.connect(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  /** Drops the connection as a network failure would (the dashboard's "reconnect now", and tests). */
  drop(): void {
    this.controller?.abort();
  }

  private async connect(attempt: number): Promise<void> {
    if (this.closed) return;
    const controller = new AbortController();
    this.controller = controller;
    let error = 'the stream ended';
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.token() ?? ''}`,
        accept: 'text/event-stream',
      };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      const response = await fetch(this.url, { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) {
        this.closed = true;
        this.handlers.status({ kind: 'unauthorized' });
        return;
      }
      if (!response.ok || !response.body) throw new Error(await refusal(response));
      this.handlers.status({ kind: 'live', since: Date.now(), reconnects: this.reconnects });
      attempt = 0;
      await this.read(response.body);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    if (this.closed) return;
    this.reconnects += 1;
    this.handlers.status({ kind: 'down', since: Date.now(), attempt: attempt + 1, error });
    const delay = Math.min(MAX_DELAY_MS, this.retryMs * 2 ** attempt);
    this.timer = setTimeout(() => void this.connect(attempt + 1), delay);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = new SseParser((message) => {
      if (message.id !== undefined) this.lastEventId = message.id;
      this.handlers.message(message);
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(decoder.decode(value, { stream: true }));
      if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
    }
  }
}

/** What WAS said when it refused the stream: its catalogue code (WAS_EVENT_STREAMS_BUSY, ...) if any. */
async function refusal(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const { code } = JSON.parse(body) as { code?: string };
    return code ? `${code}, HTTP ${response.status}` : `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
