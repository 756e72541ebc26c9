import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from './sse-parser.js';

const parse = (...chunks: string[]) => {
  const messages: SseMessage[] = [];
  const parser = new SseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.push(chunk);
  return { messages, parser };
};

describe('SseParser', () => {
  it('reads what WAS sends: retry, id, event and data, and skips the heartbeat comment', () => {
    const { messages, parser } = parse(
      'retry: 2000\n\n',
      'id: 17-0\nevent: Recycle\ndata: {"pool":"A"}\n\n',
      ': heartbeat 1\n\n',
      'event: Stats\ndata: {"x":1}\n\n',
    );
    expect(parser.retryMs).toBe(2000);
    expect(messages).toEqual([
      { event: 'Recycle', data: '{"pool":"A"}', id: '17-0' },
      { event: 'Stats', data: '{"x":1}' },
    ]);
  });

  it('joins a message split anywhere across chunks, CR LF included', () => {
    const { messages } = parse('id: 1-0\r', '\nevent: Cr', 'ash\r\ndata: a\r\ndata: b\r', '\n\r\n');
    expect(messages).toEqual([{ event: 'Crash', data: 'a\nb', id: '1-0' }]);
  });

  it('defaults the event name to message and ignores a message without data', () => {
    const { messages } = parse('event: Empty\n\n', 'data:x\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'x' }]);
  });
});
