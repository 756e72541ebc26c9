/** One Server-Sent Events message: its `event:` (default 'message'), `data:` lines joined, and `id:`. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * The text/event-stream format (WHATWG HTML §9.2.6), fed chunk by chunk as fetch delivers them: lines end
 * with LF, CR LF or CR, a blank line ends a message, `:` lines are comments (the heartbeat), `retry:` sets
 * the reconnection delay. EventSource parses this itself, but cannot send the Authorization header.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  retryMs: number | undefined;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone CR at the end may be the first half of CR LF: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }

  private dispatch(): void {
    if (this.data.length > 0) {
      this.onMessage({
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id !== undefined ? { id: this.id } : {}),
      });
    }
    this.event = '';
    this.data = [];
    this.id = undefined;
  }
}
