// Server-Sent Events (the `text/event-stream` of GET /api/events): `event:` and `data:` lines, a blank
// line ending each event (WHATWG HTML §9.2.6). Fed chunks as they arrive, since a chunk may end mid-line.

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseReader {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** The events completed by this chunk. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const done: SseEvent[] = [];
    let end: number;
    while ((end = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + (this.buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0)
          done.push({
            event: this.event || 'message',
            data: this.data.join('\n'),
            ...(this.id ? { id: this.id } : {}),
          });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment: the server's keep-alive
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'event') this.event = value;
      else if (name === 'data') this.data.push(value);
      else if (name === 'id') this.id = value;
    }
    return done;
  }
}
