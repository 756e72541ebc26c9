import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { EVENTS_STREAM, W3poolError } from '@w3pool/protocol';
import type { WasHttp } from '../was-http.js';
import type { LiveStats, StatsTick } from '../views/live-stats.js';
import type { EventHub } from './event-hub.js';
import { isAfter, isStreamId, toEvent, type StreamEvent } from './stream-id.js';

/** Live streams at once; beyond, 503.2 (IIS's "concurrent request limit exceeded"). */
export const MAX_EVENT_STREAMS = 32;
/** A comment line this often keeps proxies from closing an idle stream and shows a dead client. */
const HEARTBEAT_MS = 15_000;
/** At most this many missed entries are replayed for a Last-Event-ID (the stream keeps about 10,000). */
const MAX_BACKLOG = 1_000;

/** True when the client asks for the live figures too (`?stats=1`): the dashboard's one connection. */
export function wantsStats(request: FastifyRequest): boolean {
  const { stats } = (request.query ?? {}) as { stats?: unknown };
  return stats === '1' || stats === 'true';
}

/** True when the client asks for the live stream rather than the list. */
export function wantsEventStream(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * GET /api/events as Server-Sent Events: each entry of w3pool:events as `id:` (its stream id, so a
 * reconnecting EventSource resumes with Last-Event-ID), `event:` (its kind) and `data:` (the entry as
 * JSON). Live entries come from the shared EventHub; missed ones from XRANGE, de-duplicated by id.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly redis: Redis,
    private readonly hub: EventHub,
    private readonly stats?: LiveStats,
  ) {}

  /** Ends every stream, so that fastify's close does not wait on them forever. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  async serve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.open.size >= MAX_EVENT_STREAMS)
      throw new W3poolError('WAS_EVENT_STREAMS_BUSY', `(${MAX_EVENT_STREAMS})`);
    const resumeFrom = String(request.headers['last-event-id'] ?? '');
    if (resumeFrom !== '' && !isStreamId(resumeFrom))
      throw new W3poolError('WAS_LAST_EVENT_ID_INVALID', resumeFrom);
    // Subscribed before the backlog is read, so nothing falls between the two; held until it is sent.
    const early: StreamEvent[] = [];
    let deliver: (event: StreamEvent) => void = (event) => void early.push(event);
    const unsubscribe = this.hub.subscribe((event) => deliver(event));
    let last: string;
    let backlog: StreamEvent[] = [];
    try {
      if (resumeFrom !== '') {
        backlog = (await this.redis.xrange(EVENTS_STREAM, `(${resumeFrom}`, '+', 'COUNT', MAX_BACKLOG)).map(
          toEvent,
        );
        last = resumeFrom;
      } else {
        last = (await this.redis.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      }
    } catch (error) {
      unsubscribe();
      throw error;
    }
    reply.hijack();
    const raw = reply.raw;
    // Headers the guards set (CORS) are kept: hijacking bypasses fastify's own send.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) raw.setHeader(name, value);
    }
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 2000\n\n`);
    const send = (event: StreamEvent) => {
      if (!isAfter(event.id, last)) return;
      last = event.id;
      writeEvent(raw, event);
    };
    for (const event of backlog) send(event);
    for (const event of early) send(event);
    deliver = send;
    const unsubscribeStats = this.stats && wantsStats(request) ? streamStatsTo(raw, this.stats) : () => {};
    const heartbeat = setInterval(() => raw.write(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      if (!this.open.delete(end)) return;
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribeStats();
      raw.end();
    };
    this.open.add(end);
    raw.on('close', end);
  }
}

/**
 * `?stats=1`: first `event: History` (the last 15 minutes and the latest snapshot, so a chart opened or
 * reconnected now is whole), then `event: Stats` at every sample. Neither carries an `id:`, so the
 * Last-Event-ID a client resumes from stays that of the event log, which alone can be replayed.
 */
function streamStatsTo(raw: ServerResponse, stats: LiveStats): () => void {
  raw.write(
    `event: History\ndata: ${JSON.stringify({ ...stats.history(), snapshot: stats.latest() ?? null })}\n\n`,
  );
  return stats.subscribe((tick: StatsTick) => raw.write(`event: Stats\ndata: ${JSON.stringify(tick)}\n\n`));
}

function writeEvent(raw: ServerResponse, event: StreamEvent): void {
  const kind = (event.fields.kind ?? 'message').replace(/[\r\n]/g, '');
  raw.write(
    `id: ${event.id}\nevent: ${kind}\ndata: ${JSON.stringify({ id: event.id, ...event.fields })}\n\n`,
  );
}

/** The routes: /api/events/stream always streams; /api/events streams when the client accepts it. */
export function registerEventStream(http: WasHttp, streams: EventStreams): void {
  http.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });
  http.get('/api/events/stream', (request, reply) => streams.serve(request, reply));
}
