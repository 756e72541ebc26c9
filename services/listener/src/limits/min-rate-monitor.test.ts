import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MinRateMonitor, type SlowDirection } from './min-rate-monitor.js';

/** The counters the monitor reads, set by the test between samples. */
class FakeSocket extends EventEmitter {
  writableLength = 0;
  bytesWritten = 0;
  bytesRead = 0;
}

function setup(window = 3) {
  const slow: SlowDirection[] = [];
  const monitor = new MinRateMonitor((_socket, direction) => slow.push(direction), window);
  monitor.configure(100);
  const socket = new FakeSocket();
  monitor.watch(socket as unknown as Socket);
  return { monitor, socket, slow };
}

describe('MinRateMonitor', () => {
  it('drops a connection whose pending response moved less than rate × window', () => {
    const { monitor, socket, slow } = setup();
    socket.writableLength = 1000;
    socket.bytesWritten = 1000; // all of it still buffered: nothing taken by the kernel
    for (let i = 0; i < 3; i += 1) monitor.sample();
    expect(slow).toEqual([]); // the window (3 s) has not passed yet
    socket.bytesWritten = 1200; // 200 bytes taken in 3 s < 300
    socket.writableLength = 1000;
    monitor.sample();
    expect(slow).toEqual(['send']);
    expect(monitor.size).toBe(0);
  });

  it('keeps a reader that keeps up, one that paused shorter than the window, and idle connections', () => {
    const { monitor, socket, slow } = setup();
    for (let i = 0; i < 10; i += 1) monitor.sample(); // idle keep-alive: nothing pending
    socket.writableLength = 65536;
    for (let i = 0; i < 10; i += 1) {
      socket.bytesWritten += 400; // 400 B/s > 100 B/s
      monitor.sample();
    }
    socket.bytesWritten += 65536;
    socket.writableLength = 0; // drained: the run starts again
    monitor.sample();
    socket.writableLength = 10;
    for (let i = 0; i < 3; i += 1) monitor.sample(); // stalled, but for less than the window
    expect(slow).toEqual([]);
  });

  it('holds a sender to the rate only while the body pump is reading', () => {
    const { monitor, socket, slow } = setup();
    const pump = {};
    for (let i = 0; i < 10; i += 1) monitor.sample(); // no body expected: no bytes is fine
    monitor.expectBody(socket as unknown as Socket, pump, true);
    for (let i = 0; i < 2; i += 1) monitor.sample();
    monitor.expectBody(socket as unknown as Socket, pump, false); // paused for the worker
    for (let i = 0; i < 10; i += 1) monitor.sample();
    expect(slow).toEqual([]);
    monitor.expectBody(socket as unknown as Socket, pump, true);
    for (let i = 0; i < 4; i += 1) {
      socket.bytesRead += 10;
      monitor.sample();
    }
    expect(slow).toEqual(['receive']);
  });

  it('forgets a closed connection and checks nothing when the rate is 0', () => {
    const { monitor, socket, slow } = setup();
    monitor.configure(0);
    socket.writableLength = 10;
    for (let i = 0; i < 5; i += 1) monitor.sample();
    expect(slow).toEqual([]); // the timer is off; a forced sample judges against 0 and finds nothing
    socket.emit('close');
    expect(monitor.size).toBe(0);
  });
});
