import { afterEach, describe, expect, it, vi } from 'vitest';
import { pino, type Logger } from 'pino';
import { HostLink } from './host-link.js';

describe('HostLink', () => {
  // HostLink listens on the process's IPC channel, which the test runner uses too: remove only its own.
  let added: NodeJS.MessageListener[] = [];
  const link = (log: Logger) => {
    const before = process.listeners('message');
    const created = new HostLink(log);
    added = process.listeners('message').filter((l) => !before.includes(l));
    return created;
  };
  afterEach(() => {
    for (const listener of added) process.off('message', listener);
  });

  it('ignores a malformed message from the host, and passes on a stop', () => {
    const log: Logger = pino({ level: 'silent' });
    const warn = vi.spyOn(log, 'warn');
    const host = link(log);
    let stopped = 0;
    host.onStop(() => (stopped += 1));
    for (const bad of [null, 'stop', { type: 'ping' }, { type: 'ping', seq: 'x' }, { type: 'shutdown' }]) {
      expect(() => host.receive(bad)).not.toThrow();
    }
    expect(warn).toHaveBeenCalledTimes(5);
    host.receive({ type: 'stop' });
    expect(stopped).toBe(1);
  });
});
