import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { W3poolConfig } from '@w3pool/config';
import type { HeaderList, ReplyMessage, RequestJob } from '@w3pool/protocol';
import { sendError } from './error-response.js';
import type { PoolQueues } from './pool-queues.js';
import type { ReplyRouter } from './reply-router.js';
import type { SiteRouter } from './site-router.js';
import { normalizeUrl } from './url-normalizer.js';

export interface IntakeState {
  config: W3poolConfig;
  router: SiteRouter;
}

// Hop-by-hop headers belong to one connection; the listener owns the client's connection, not the worker.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/**
 * The listener's request path: route, read the body within its limit, queue the request on its pool's
 * queue, and answer the client when the worker's reply arrives. A request still waiting in the queue at
 * its deadline, or whose client leaves, is taken off the queue so that no worker ever runs it.
 */
export function createRequestIntake(deps: {
  state: () => IntakeState;
  queues: PoolQueues;
  replies: ReplyRouter;
  listenerId: string;
  log: Logger;
}): (request: IncomingMessage, response: ServerResponse) => void {
  const { queues, replies, listenerId, log } = deps;
  let sequence = 0;

  return (request, response) => {
    const { config, router } = deps.state();
    const url = normalizeUrl(request.url ?? '');
    if (!url) return sendError(response, 'LISTENER_URL_INVALID', { close: true });
    const socket = request.socket;
    const route = router.route(
      socket.localAddress ?? '',
      socket.localPort ?? 0,
      request.headers.host,
      url.path,
    );
    if (!route) return sendError(response, 'LISTENER_NO_SITE', { close: true });

    const limit = config.webServer.requestFiltering.requestLimits.maxAllowedContentLength;
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) return sendError(response, 'LISTENER_CONTENT_TOO_LARGE', { close: true });

    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        refused = true;
        request.pause();
        sendError(response, 'LISTENER_CONTENT_TOO_LARGE', { close: true });
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      const id = `${listenerId}.${(sequence += 1)}`;
      const pool = route.application.applicationPool;
      const now = Date.now();
      const { queueTimeoutMs } = route;
      const job: RequestJob = {
        id,
        replyTo: listenerId,
        enqueuedAt: now,
        deadline: now + queueTimeoutMs,
        siteId: route.site.id,
        siteName: route.site.name,
        appPath: route.application.path,
        method: request.method ?? 'GET',
        rawUrl: request.url ?? '/',
        path: url.path,
        query: url.query,
        httpVersion: request.httpVersion,
        headers: headerList(request.rawHeaders),
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        body: Buffer.concat(chunks).toString('base64'),
      };
      dispatch(job, pool, queueTimeoutMs, response);
    });
  };

  function dispatch(job: RequestJob, pool: string, queueTimeoutMs: number, response: ServerResponse): void {
    let jobId: string | undefined;
    let settled = false;
    let clientGone = false;
    const settle = () => {
      settled = true;
      replies.forget(job.id);
      clearTimeout(deadline);
    };

    replies.expect(job.id, (reply) => {
      settle();
      writeReply(response, reply);
    });

    const withdraw = async (why: string): Promise<boolean> => {
      if (jobId === undefined) return false;
      try {
        return await queues.withdraw(pool, jobId);
      } catch (error) {
        log.warn({ err: error, id: job.id, why }, 'could not withdraw a queued request');
        return false;
      }
    };

    const deadline = setTimeout(() => {
      // http.sys's Timer_AppPool: still queued at the deadline means never run. A request a worker has
      // already started cannot be withdrawn and is left to finish.
      void withdraw('queue deadline').then((removed) => {
        if (!removed || settled) return;
        settle();
        log.warn({ id: job.id, pool, reason: 'Timer_AppPool' }, 'request expired in the pool queue');
        sendError(response, 'LISTENER_QUEUE_TIMEOUT');
      });
    }, queueTimeoutMs);
    deadline.unref();

    response.on('close', () => {
      if (settled) return;
      // The client left (Client_Reset): take the request off the queue if no worker has it yet.
      settle();
      clientGone = true;
      void withdraw('client disconnected');
    });

    queues.enqueue(pool, job).then(
      (id) => {
        jobId = id;
        if (clientGone) void withdraw('client disconnected');
      },
      (error: unknown) => {
        if (settled) return;
        settle();
        log.error({ err: error, pool }, 'could not queue a request');
        sendError(response, 'LISTENER_QUEUE_UNAVAILABLE');
      },
    );
  }
}

function writeReply(response: ServerResponse, reply: ReplyMessage): void {
  if (response.headersSent || response.destroyed) return;
  response.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) {
    if (!HOP_BY_HOP.has(name)) response.setHeader(name, value);
  }
  // Which w3wp answered: the pool and pid, as `appcmd list wp` shows them.
  response.setHeader('x-w3pool-worker', `${reply.worker.pool}/${reply.worker.pid}`);
  const body = Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength);
  if (!response.hasHeader('content-length') && reply.status !== 304 && reply.status !== 204) {
    response.setHeader('content-length', body.length);
  }
  response.end(body);
}

function headerList(raw: string[]): HeaderList {
  const list: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) list.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return list;
}
