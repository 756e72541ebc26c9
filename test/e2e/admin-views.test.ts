import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import {
  eventually,
  siteConfig,
  startSystem,
  testHandlers,
  workerPids,
  type RunningSystem,
} from '../helpers/system.js';

interface SseMessage {
  /** Undefined for the live figures (History, Stats), which carry none. */
  id: string | undefined;
  event: string;
  data: Record<string, string>;
}

/** A live SSE client: the status, the messages as they arrive, and a way to wait for one. */
function openStream(url: string, headers: Record<string, string>) {
  const messages: SseMessage[] = [];
  const waiters: (() => void)[] = [];
  let req: ClientRequest | undefined;
  const status = new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    req = request(url, { headers, agent: false }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      if (res.statusCode !== 200) {
        res.on('data', (chunk: string) => (buffer += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: '', body: buffer }));
        return;
      }
      resolve({ status: 200, type: String(res.headers['content-type']), body: '' });
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .find((line) => line.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          const data = field('data');
          if (data === undefined) continue; // retry: and heartbeat comments
          messages.push({ id: field('id'), event: field('event')!, data: JSON.parse(data) });
          for (const wake of waiters.splice(0)) wake();
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    status,
    messages,
    /** The first message (from `from`) that matches, as soon as it arrives, or fail at the deadline. */
    async next(match: (m: SseMessage) => boolean, what: string, timeoutMs = 15_000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE message: ${what}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
    },
    close: () => req?.destroy(),
  };
}

// appcmd's views, the live event stream and acknowledged actions, through the running system.
describe('admin API: views, live events and acknowledged actions', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      host: 'views.test',
      config: ([port]) => {
        const base = siteConfig(port!, undefined, {
          host: 'views.test',
          pool: { startMode: 'AlwaysRunning' },
        });
        // Tiny: no pool host, the smallest queue IIS allows, so that the eleventh waiting request is refused.
        base.applicationPools.push({ name: 'Tiny', queueLength: 10 } as (typeof base.applicationPools)[0]);
        const root = base.sites[0]!.applications[0]!;
        base.sites[0]!.applications.push({ ...root, path: '/tiny', applicationPool: 'Tiny' });
        return { ...base, webServer: { handlers: testHandlers() } };
      },
    });
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const site = (path: string, timeoutMs?: number) =>
    httpRequest(`${system.baseUrl}${path}`, { headers: { host: 'views.test' }, timeoutMs });
  const api = async (path: string, method = 'GET') => {
    const res = await httpRequest(`${system.wasUrl}${path}`, { method, headers: system.adminHeaders() });
    return { status: res.status, body: JSON.parse(res.body) as unknown };
  };
  const list = async (path: string) => (await api(path)).body as Record<string, unknown>[];
  const servedBy = (res: { headers: Record<string, unknown> }) =>
    Number(String(res.headers['x-w3pool-worker']).split('/')[1]);

  it('lists pools, sites, applications, worker processes and listeners with plausible values', async () => {
    for (let i = 0; i < 5; i += 1) expect((await site('/pid.test')).status).toBe(200);
    const [pool] = await list('/api/apppools');
    expect(pool).toMatchObject({ name: 'DefaultAppPool', state: 'Started', CurrentQueueSize: 0 });
    for (const counter of ['MaxQueueItemAge', 'ArrivalRate', 'RejectedRequests', 'consumers'])
      expect(typeof pool![counter]).toBe('number');
    expect(await list('/api/sites')).toEqual([
      { id: 1, name: 'Test Site', state: 'Started', bindings: [`http/127.0.0.1:${system.port}:views.test`] },
    ]);
    expect(await list('/api/apps')).toEqual([
      { site: 'Test Site', siteId: 1, path: '/', pool: 'DefaultAppPool' },
      { site: 'Test Site', siteId: 1, path: '/tiny', pool: 'Tiny' },
    ]);
    // The pool host writes its worker records once a second: wait for one that has counted the traffic.
    const wp = await eventually(async () => {
      const found = (await list('/api/wp')).find((w) => Number(w.requestsServed) >= 5);
      return found;
    }, 'a worker record counting 5 requests');
    expect(await workerPids(system.worker)).toContain(wp.pid);
    expect(wp).toMatchObject({ pool: 'DefaultAppPool', state: 'Running' });
    expect(Number(wp.privateKb)).toBeGreaterThan(0);
    expect(Number(wp.startedAt)).toBeLessThanOrEqual(Date.now());
    // The listener reports its counters every 2 s: wait for the report that counts the requests.
    const listeners = await eventually(async () => {
      const found = await list('/api/listeners');
      return found.length === 1 && Number(found[0]!.requests) >= 5 ? found : undefined;
    }, 'a listener report counting 5 requests');
    expect(listeners).toHaveLength(1);
    expect(Number(listeners[0]!.requests)).toBeGreaterThanOrEqual(5);
    expect(Number(listeners[0]!.statesSince)).toBeGreaterThanOrEqual(0);
    // WAS's first publish is the first configuration version, in the event log.
    const events = await list('/api/events?count=1000');
    expect(events.find((e) => e.kind === 'ConfigChange')).toMatchObject({ version: '1', origin: 'file' });
  });

  it("reports a pool's rejection rate over the last minute: refused / (admitted + refused)", async () => {
    // Ten requests fill Tiny's queue (no worker takes them; the client gives up after a while)...
    const waiting = Array.from({ length: 10 }, (_, i) =>
      site(`/tiny/pid.test?n=${i}`, 6_000).catch(() => undefined),
    );
    await eventually(async () => {
      const tiny = (await list('/api/apppools')).find((p) => p.name === 'Tiny');
      return tiny?.CurrentQueueSize === 10 ? true : undefined;
    }, 'ten requests waiting in Tiny');
    // ...and the eleventh is refused at once: 503.2 QueueFull.
    const refused = await site('/tiny/pid.test?n=10');
    expect(refused.status).toBe(503);
    // WAS samples every 5 s: wait for the sample that holds both the admissions and the refusal.
    const tiny = await eventually(
      async () => (await list('/api/apppools')).find((p) => p.name === 'Tiny' && p.offeredLastMinute === 11),
      'the last minute sampled',
      20_000,
    );
    expect(tiny).toMatchObject({ RejectedRequests: 1, rejectedLastMinute: 1, RejectionRate: 0.0909 });
    const [busy] = await list('/api/apppools');
    expect(busy).toMatchObject({ name: 'DefaultAppPool', rejectedLastMinute: 0, RejectionRate: 0 });
    await Promise.all(waiting);
  });

  it('lists a slow request in flight with /api/requests?elapsed=, and not a fresh one', async () => {
    const slow = site('/sleep.test?ms=8000&which=slow');
    const inFlight = () => list('/api/requests?pool=DefaultAppPool');
    const old = await eventually(
      async () => (await list('/api/requests?elapsed=2000')).find((r) => String(r.url).includes('slow')),
      'the slow request past 2 s',
    );
    expect(old).toMatchObject({ verb: 'GET', pool: 'DefaultAppPool', site: 'Test Site', appPath: '/' });
    expect(Number(old.elapsedMs)).toBeGreaterThanOrEqual(2000);
    const fresh = site('/sleep.test?ms=3000&which=fresh');
    await eventually(
      async () => ((await inFlight()).some((r) => String(r.url).includes('fresh')) ? true : undefined),
      'the fresh request in flight',
    );
    const filtered = await list('/api/requests?elapsed=2000');
    expect(filtered.map((r) => r.url)).toEqual(['/sleep.test?ms=8000&which=slow']);
    // The pid comes from the worker records (written once a second) and is the one that answers.
    const withPid = await eventually(
      async () => (await inFlight()).find((r) => String(r.url).includes('slow') && r.pid !== null),
      'the pid of the slow request',
    );
    expect(servedBy(await slow)).toBe(withPid.pid);
    expect((await fresh).status).toBe(200);
    expect(await api('/api/requests?elapsed=-1')).toMatchObject({
      status: 400,
      body: { code: 'WAS_QUERY_INVALID' },
    });
    expect(await api('/api/requests?pool=NoSuchPool')).toMatchObject({
      status: 404,
      body: { code: 'WAS_POOL_NOT_FOUND' },
    });
  });

  it('recycles with old and new pids, streams the event live and resumes from Last-Event-ID', async () => {
    const stream = openStream(`${system.wasUrl}/api/events`, {
      ...system.adminHeaders(),
      accept: 'text/event-stream',
    });
    expect((await stream.status).type).toContain('text/event-stream');
    const before = servedBy(await site('/pid.test'));
    const first = await api('/api/apppools/DefaultAppPool/recycle', 'POST');
    expect(first.status).toBe(200);
    const answer = first.body as { oldPids: number[]; newPids: number[]; hosts: number };
    expect(answer.hosts).toBe(1);
    expect(answer.oldPids).toEqual([before]);
    expect(answer.newPids).toHaveLength(1);
    expect(answer.newPids[0]).not.toBe(before);
    // The new worker serves the next request.
    expect(servedBy(await site('/pid.test'))).toBe(answer.newPids[0]);
    const live = await stream.next(
      (m) => m.event === 'Recycle' && m.data.pid === String(before),
      'the recycle of the old worker',
    );
    expect(live.data).toMatchObject({ kind: 'Recycle', reason: 'OnDemand', pool: 'DefaultAppPool' });
    expect(live.id).toMatch(/^\d+-\d+$/);
    stream.close();

    // Missed while disconnected: the next recycle, replayed from Last-Event-ID on reconnect.
    const second = (await api('/api/apppools/DefaultAppPool/recycle', 'POST')).body as {
      oldPids: number[];
    };
    expect(second.oldPids).toEqual(answer.newPids);
    const resumed = openStream(`${system.wasUrl}/api/events/stream`, {
      ...system.adminHeaders(),
      'last-event-id': live.id!,
    });
    expect((await resumed.status).status).toBe(200);
    const missed = await resumed.next((m) => m.event === 'Recycle', 'the missed recycle');
    expect(missed.data.pid).toBe(String(answer.newPids[0]));
    expect(resumed.messages.every((m) => m.id !== live.id)).toBe(true);
    resumed.close();
  });

  it('refuses a Last-Event-ID that is not a stream id, and streams beyond the limit', async () => {
    const bad = openStream(`${system.wasUrl}/api/events/stream`, {
      ...system.adminHeaders(),
      'last-event-id': '$',
    });
    expect(await bad.status).toMatchObject({ status: 400 });
    const streams = Array.from({ length: 32 }, () =>
      openStream(`${system.wasUrl}/api/events/stream`, system.adminHeaders()),
    );
    try {
      for (const s of streams) expect((await s.status).status).toBe(200);
      const over = openStream(`${system.wasUrl}/api/events/stream`, system.adminHeaders());
      const refused = await over.status;
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'WAS_EVENT_STREAMS_BUSY' });
    } finally {
      for (const s of streams) s.close();
    }
    // Once the clients have gone, their slots are free again.
    await eventually(async () => {
      const again = openStream(`${system.wasUrl}/api/events/stream`, system.adminHeaders());
      const { status } = await again.status;
      again.close();
      return status === 200 ? true : undefined;
    }, 'a stream slot after the clients left');
  });

  it('streams the live figures with ?stats=1: History first, then Stats at every sample, neither with an id', async () => {
    const stream = openStream(`${system.wasUrl}/api/events/stream?stats=1`, system.adminHeaders());
    try {
      expect((await stream.status).status).toBe(200);
      const history = await stream.next((m) => m.event === 'History', 'the History message');
      // First, and without an id: Last-Event-ID stays the event log's.
      expect(stream.messages[0]).toBe(history);
      expect(history.id).toBeUndefined();
      const figures = history.data as unknown as {
        intervalMs: number;
        windowMs: number;
        pools: Record<string, unknown[]>;
        snapshot: { totals: { pools: Record<string, number> } } | null;
      };
      expect(figures).toMatchObject({ intervalMs: 2000, windowMs: 900_000 });
      expect(Object.keys(figures.pools)).toEqual(['DefaultAppPool', 'Tiny']);
      const before = Number(figures.snapshot?.totals.pools.DefaultAppPool ?? 0);
      const served = await site('/pid.test');
      expect(served.status).toBe(200);
      // The request is counted at a later sample (the listener reports every 2 s): its pool's total grows.
      const tick = await stream.next(
        (m) => m.event === 'Stats' && (m.data as any).snapshot.totals.pools.DefaultAppPool > before,
        'a Stats message counting the request',
      );
      expect(tick.id).toBeUndefined();
      const { snapshot, pools, sites } = tick.data as any;
      // A live client gets the worker records too: the worker that served the request is there.
      expect(snapshot.wp.map((w: { pid: number }) => w.pid)).toContain(servedBy(served));
      expect(pools.DefaultAppPool).toMatchObject({ at: snapshot.at, queue: 0 });
      expect(sites['1'].at).toBe(snapshot.at);
      // GET /api/stats: the same history, one point more per sample.
      const stats = (await api('/api/stats')).body as any;
      expect(stats.pools.DefaultAppPool.length).toBeGreaterThanOrEqual(figures.pools.DefaultAppPool!.length);
    } finally {
      stream.close();
    }
  });

  it('serves an OpenAPI 3 document listing every route, and its reference at /docs, to the token only', async () => {
    expect((await httpRequest(`${system.wasUrl}/docs/json`)).status).toBe(401);
    const { status, body } = await api('/docs/json');
    expect(status).toBe(200);
    const doc = body as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    // Every route WAS logged as registered (the security suite's list) is in the document.
    const logged = await system.was.waitForLine(/admin API routes/);
    const routes = (JSON.parse(logged) as { routes: string[] }).routes;
    const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const route of routes) {
      const [method, url] = route.split(' ') as [string, string];
      // The reference itself and the dashboard's static files (docs/dashboard.md) are not API routes.
      if (method === 'HEAD' || url.startsWith('/docs') || url.startsWith('/dashboard')) continue;
      expect(doc.paths[openApiPath(url)]?.[method.toLowerCase()], route).toBeDefined();
    }
    expect(doc.paths['/api/requests']!.get!.responses['200']).toBeDefined();
    expect(
      doc.paths['/api/apppools/{name}/{action}']!.post!.responses['4XX'] ??
        doc.paths['/api/apppools/{name}/{action}']!.post!.responses['4xx'],
    ).toBeDefined();
    const ui = await httpRequest(`${system.wasUrl}/docs`, { headers: system.adminHeaders() });
    expect([200, 302]).toContain(ui.status);
  });

  it('stops a pool acknowledged by every listener: the next request is 503 at once; start serves again', async () => {
    const stop = await api('/api/apppools/DefaultAppPool/stop', 'POST');
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({
      name: 'DefaultAppPool',
      state: 'Stopped',
      reason: 'Disabled',
      listeners: 1,
    });
    const refused = await site('/pid.test');
    expect(refused.status).toBe(503);
    expect(refused.body).toContain('503');
    const start = await api('/api/apppools/DefaultAppPool/start', 'POST');
    expect(start).toMatchObject({ status: 200, body: { state: 'Started', listeners: 1 } });
    expect((await site('/pid.test')).status).toBe(200);

    const siteStop = await api('/api/sites/1/stop', 'POST');
    expect(siteStop).toMatchObject({ status: 200, body: { id: 1, state: 'Stopped', listeners: 1 } });
    expect((await site('/pid.test')).status).toBe(503);
    expect(await api('/api/sites/1/start', 'POST')).toMatchObject({
      status: 200,
      body: { state: 'Started' },
    });
    expect((await site('/pid.test')).status).toBe(200);
  });
});
