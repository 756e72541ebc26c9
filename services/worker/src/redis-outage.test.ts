import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { OutageLog } from './redis-outage.js';

describe('OutageLog', () => {
  it('logs each complaint once per outage, and the recovery once', () => {
    const log = pino({ level: 'silent' });
    const warn = vi.spyOn(log, 'warn');
    const info = vi.spyOn(log, 'info');
    const outage = new OutageLog(log);
    const connection = new EventEmitter();
    outage.watch(connection as unknown as Redis, 'worker');
    for (let i = 0; i < 50; i += 1) {
      connection.emit('error', new Error('ECONNREFUSED'));
      outage.report(new Error('ECONNREFUSED'), 'take failed; retrying');
    }
    expect(warn).toHaveBeenCalledTimes(2);
    connection.emit('ready');
    connection.emit('ready');
    expect(info).toHaveBeenCalledTimes(1);
    connection.emit('error', new Error('ECONNREFUSED'));
    expect(warn).toHaveBeenCalledTimes(3);
  });
});
