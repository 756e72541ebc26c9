import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { RAW_QUEUE, type RawReply, type RawRequest } from './message.js';

// The raw hop's listener (perf-baseline.md case e): the least a listener that queues in Redis must do.
// For each request it LPUSHes a small JSON message and waits for the reply on its own pub/sub channel; no
// routing, admission, logging or streaming, so the difference to w3pool is what those cost.
const port = Number(process.env.BENCH_PORT);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const replyTo = `bench:raw-hop:reply:${randomUUID()}`;
const commands = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const pending = new Map<number, ServerResponse>();
let nextId = 0;

subscriber.on('message', (_channel: string, message: string) => {
  const reply = JSON.parse(message) as RawReply;
  const response = pending.get(reply.id);
  if (!response) return;
  pending.delete(reply.id);
  response.setHeader('content-type', 'text/plain');
  response.end(reply.body);
});

const server = createServer((_request, response) => {
  const id = nextId++;
  pending.set(id, response);
  const message: RawRequest = { id, replyTo };
  commands.lpush(RAW_QUEUE, JSON.stringify(message)).catch((error: unknown) => {
    pending.delete(id);
    response.statusCode = 502;
    response.end(String(error));
  });
});

await subscriber.subscribe(replyTo);
server.listen(port, '127.0.0.1', () => console.log('raw-hop listener ready'));
