import { Redis } from 'ioredis';
import { RAW_QUEUE, type RawReply, type RawRequest } from './message.js';

// The raw hop's worker (perf-baseline.md case e, batched): pop up to 64 requests per round trip and publish
// each reply to the channel its listener named. Popping from the RIGHT of a list the listener LPUSHes keeps
// the queue first-in first-out, as LPUSH/BRPOP did in the baseline; popping LEFT would make it a stack.
// Blocking pops and publishes use separate connections, so replies never wait behind a blocked BLMPOP.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const blocking = new Redis(redisUrl);
const publisher = new Redis(redisUrl);
const body = 'hello world';

await Promise.all([blocking.ping(), publisher.ping()]);
console.log('raw-hop worker ready');

for (;;) {
  const popped = await blocking.blmpop(0, 1, RAW_QUEUE, 'RIGHT', 'COUNT', 64);
  if (!popped) continue;
  // One pipeline per batch: one write to the socket, one PUBLISH per request as the baseline did.
  const replies = publisher.pipeline();
  for (const raw of popped[1]) {
    const request = JSON.parse(raw) as RawRequest;
    const reply: RawReply = { id: request.id, body };
    replies.publish(request.replyTo, JSON.stringify(reply));
  }
  replies.exec().catch((error: unknown) => console.error('publish failed', error));
}
