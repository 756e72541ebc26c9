import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Pace } from './pace.js';
import { ThrottledWriter } from './throttled-writer.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real server whose handler gets the response; resolves with the body a client received and its timing. */
async function exchange(
  handle: (response: ServerResponse) => void,
): Promise<{ body: Buffer; elapsedMs: number }> {
  server = createServer((_request, response) => handle(response));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    get({ port, host: '127.0.0.1', path: '/', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ body: Buffer.concat(chunks), elapsedMs: Date.now() - started }));
    }).on('error', reject);
  });
}

describe('ThrottledWriter', () => {
  it('writes in order at the pace, and calls each write back once its last byte is taken', async () => {
    const data = Buffer.alloc(100_000);
    for (let i = 0; i < data.length; i += 1) data[i] = i % 251;
    const acks: number[] = [];
    const { body, elapsedMs } = await exchange((response) => {
      response.writeHead(200, { 'content-length': data.length });
      const writer = new ThrottledWriter(response, [new Pace(200_000)]);
      writer.write(data.subarray(0, 40_000), () => acks.push(1));
      writer.write(Buffer.alloc(0), () => acks.push(2));
      writer.write(data.subarray(40_000, 70_000), () => acks.push(3));
      writer.end(data.subarray(70_000));
    });
    expect(body.equals(data)).toBe(true);
    expect(acks).toEqual([2, 1, 3]); // the empty write owes nothing; the others in order
    // 100 KB at 200 KB/s: about half a second (the first piece goes at once).
    expect(elapsedMs).toBeGreaterThan(350);
  });

  it('stops when the client leaves', async () => {
    const data = Buffer.alloc(1_000_000);
    let writer: ThrottledWriter | undefined;
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-length': data.length });
      writer = new ThrottledWriter(response, [new Pace(10_000)]);
      writer.end(data);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const request = get({ port, host: '127.0.0.1', path: '/', agent: false }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', () => undefined);
    });
    // The server side sees the close and clears its timer; the server then closes without waiting on it.
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    expect(writer).toBeDefined();
  });
});
