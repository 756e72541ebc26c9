import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HELLO_BODY } from '../payload.js';
import { exitGracefullyOnSigint } from './graceful-exit.js';

// The app users would put behind PM2 instead of w3pool: plain node:http, one file, its port from PORT. Each
// route mirrors a w3pool case (same body, same content type), so the comparison measures the server.

const CPU_MS = 1;
const MEGABYTE = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'w3pool bench ');

/** Synchronous CPU work, as a handler that computes something: the event loop is blocked meanwhile. */
function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function* megabyteChunks(): Generator<Buffer> {
  for (let sent = 0; sent < MEGABYTE; sent += CHUNK.length) yield CHUNK;
}

/** 1 MiB in 64 KiB writes, each waiting for the socket to drain (pipeline), as a streamed file would be. */
async function sendMegabyte(response: ServerResponse): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': MEGABYTE });
  await pipeline(Readable.from(megabyteChunks(), { objectMode: false }), response);
}

/** The upload back, whole: 100 KB fits in memory, and the reply then carries its Content-Length. */
async function echo(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  response.writeHead(200, {
    'content-type': request.headers['content-type'] ?? 'application/octet-stream',
    'content-length': body.length,
  });
  response.end(body);
}

function text(response: ServerResponse, status: number, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(body);
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'POST' && path === '/echo') return echo(request, response);
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(response, 405, 'method not allowed');
  if (path === '/hello') return text(response, 200, HELLO_BODY);
  if (path === '/1mb') return sendMegabyte(response);
  if (path === '/cpu') {
    burnCpu(CPU_MS);
    return text(response, 200, 'done');
  }
  text(response, 404, 'not found');
}

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0)
  throw new Error(`peer app: PORT must be a port number, not ${process.env.PORT}`);

const server = createServer((request, response) => {
  // A client that leaves mid-body fails the pipeline or the upload: that request is over, the app goes on.
  route(request, response).catch(() => response.destroy());
}).listen(port, '127.0.0.1', () => console.log(`peer app ready ${process.pid}`));

exitGracefullyOnSigint(server);
