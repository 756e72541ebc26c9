import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves when the server closes the socket, with everything it sent. */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

// Connection management as http.sys does it: keep-alive by default, idle and header-wait timers that drop
// slow or silent clients (logged Timer_*), and a graceful stop that finishes what is in flight.
describe('listener connections', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({
        ...siteConfig(port!),
        webLimits: { connectionTimeout: '00:00:02', headerWaitTimeout: '00:00:01' },
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });
  const httperr = () => readFile(join(system.dir, 'logs/HTTPERR/httperr1.log'), 'utf8').catch(() => '');

  it('keeps a connection alive across requests', async () => {
    const socket = await openSocket(system.port);
    const answers: string[] = [];
    const all = new Promise<void>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString();
        const count = text.match(/HTTP\/1\.1 200/g)?.length ?? 0;
        if (count === 2) {
          answers.push(text);
          resolve();
        }
      });
    });
    socket.write('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\n\r\n');
    await all;
    expect(answers[0]).toMatch(/keep-alive/i);
    socket.destroy();
  });

  it('drops a slowloris client at headerWaitTimeout and logs Timer_HeaderWait', async () => {
    const socket = await openSocket(system.port);
    const done = closed(socket);
    const started = Date.now();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // Trickle a header byte by byte, never finishing; the server must close on its own.
    const trickle = setInterval(() => socket.writable && socket.write('X'), 200);
    await done;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(
      async () => ((await httperr()).includes('Timer_HeaderWait') ? true : undefined),
      'Timer_HeaderWait',
    );
  });

  it('closes an idle keep-alive connection at connectionTimeout and logs Timer_ConnectionIdle', async () => {
    const socket = await openSocket(system.port);
    const done = closed(socket);
    socket.write('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await done;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    await eventually(
      async () => ((await httperr()).includes('Timer_ConnectionIdle') ? true : undefined),
      'idle',
    );
  });

  it('on SIGTERM stops accepting, finishes the request in flight, answers a late request 503 AppShutdown, and exits', async () => {
    // One keep-alive connection: a slow request, then, once the listener is stopping, a second request.
    const socket = connect(system.port, '127.0.0.1');
    let text = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const firstChunk = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.includes('chunk 0')) resolve();
      }),
    );
    socket.write(`GET /slow.test?chunks=4&interval=300 HTTP/1.1\r\nHost: 127.0.0.1:${system.port}\r\n\r\n`);
    await firstChunk;
    system.listener.child.kill('SIGTERM');
    await system.listener.waitForLine(/"msg":"stopping"/);
    socket.write(`GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:${system.port}\r\n\r\n`);
    await closed;
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    // Chunked on the wire: every chunk, then "done", then the terminating chunk.
    expect(first).toMatch(/chunk 3 at \d+\n\r\n\w+\r\ndone\n\r\n0\r\n\r\n$/);
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toContain('LISTENER_SHUTTING_DOWN');
    expect(second!.toLowerCase()).toContain('retry-after: 1');
    const exit = await system.listener.exited;
    expect(exit.code).toBe(0);
    await expect(httpRequest(`${system.baseUrl}/index.html`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
