import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

/** One series of the exposition: its labels and value. */
interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The text format's sample lines, by metric name (what promtool checks the syntax of). */
function parseExposition(text: string): Map<string, Series[]> {
  const series = new Map<string, Series[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[name!] = value!.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    const list = series.get(match[1]!) ?? [];
    list.push({ labels, value: Number(match[3]) });
    series.set(match[1]!, list);
  }
  return series;
}

/** The sum of a metric's series whose labels include `where` (undefined when none matches). */
function total(
  metrics: Map<string, Series[]>,
  name: string,
  where: Record<string, string> = {},
): number | undefined {
  const matching = (metrics.get(name) ?? []).filter((s) =>
    Object.entries(where).every(([k, v]) => s.labels[k] === v),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

// GET /metrics on WAS through the whole system: traffic through a real listener and worker, counted where
// it happened and read back from Redis at scrape time; the output passes promtool's checks.
describe('Prometheus metrics on WAS', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({ host: 'metrics.test' });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const scrape = async () => {
    const res = await httpRequest(`${system.wasUrl}/metrics`, { headers: system.adminHeaders() });
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/plain; version=0.0.4');
    return res.body;
  };
  /** Scrape until `ready` holds of the parsed metrics (listeners report every 2 s). */
  const scrapeUntil = (what: string, ready: (m: Map<string, Series[]>) => boolean) =>
    eventually(async () => {
      const text = await scrape();
      const metrics = parseExposition(text);
      return ready(metrics) ? { text, metrics } : undefined;
    }, what);
  const get = (path: string, host = 'metrics.test') =>
    httpRequest(`${system.baseUrl}${path}`, { headers: { host } });

  it('counts requests by site, pool and status class, rejections by reason, and passes promtool', async () => {
    const site = { site: 'Test Site', pool: 'DefaultAppPool' };
    for (let i = 0; i < 5; i += 1) expect((await get('/')).status).toBe(200);
    expect((await get('/no-such-page.html')).status).toBe(404);
    // A Host no binding names: http.sys refuses it itself (400, HTTPERR reason Hostname), with no site.
    expect((await get('/', 'other.example')).status).toBe(400);

    // The listener reports every 2 s, the services' process metrics every 5 s (the first at their start).
    const { text, metrics } = await scrapeUntil(
      'the listener to report 7 requests',
      (m) =>
        total(m, 'w3pool_requests_total') === 7 &&
        total(m, 'process_resident_memory_bytes', { service: 'pool-host' }) !== undefined,
    );
    expect(total(metrics, 'w3pool_requests_total', { ...site, status_class: '2xx' })).toBe(5);
    expect(total(metrics, 'w3pool_requests_total', { ...site, status_class: '4xx' })).toBe(1);
    expect(total(metrics, 'w3pool_requests_total', { site: '', pool: '', status_class: '4xx' })).toBe(1);
    expect(total(metrics, 'w3pool_listener_rejections_total', { reason: 'Hostname' })).toBe(1);
    expect(total(metrics, 'w3pool_listeners')).toBe(1);

    // Every request the listener answered is in the total-time histogram; the six a worker answered (the
    // response cache may have served some of the five from memory) in the queue wait one at most.
    expect(total(metrics, 'w3pool_request_duration_seconds_count', { pool: 'DefaultAppPool' })).toBe(6);
    expect(
      total(metrics, 'w3pool_request_duration_seconds_bucket', { pool: 'DefaultAppPool', le: '+Inf' }),
    ).toBe(6);
    const waited = total(metrics, 'w3pool_request_queue_wait_seconds_count', { pool: 'DefaultAppPool' }) ?? 0;
    const hits = total(metrics, 'w3pool_response_cache_hits_total') ?? 0;
    expect(waited).toBeGreaterThanOrEqual(1);
    expect(waited + hits).toBe(6);
    expect(total(metrics, 'w3pool_request_duration_seconds_sum', { pool: 'DefaultAppPool' })).toBeGreaterThan(
      0,
    );

    // At rest: nothing queued, nothing old, one started pool with its worker.
    expect(total(metrics, 'w3pool_pool_queue_requests', { pool: 'DefaultAppPool' })).toBe(0);
    expect(total(metrics, 'w3pool_pool_queue_max_item_age_seconds', { pool: 'DefaultAppPool' })).toBe(0);
    expect(total(metrics, 'w3pool_pool_queue_rejected_requests_total', { pool: 'DefaultAppPool' })).toBe(0);
    expect(total(metrics, 'w3pool_pool_queue_length_limit', { pool: 'DefaultAppPool' })).toBe(1000);
    expect(total(metrics, 'w3pool_pool_started', { pool: 'DefaultAppPool' })).toBe(1);
    expect(total(metrics, 'w3pool_worker_processes', { pool: 'DefaultAppPool' })).toBeGreaterThanOrEqual(1);
    expect(
      total(metrics, 'w3pool_background_jobs', { pool: 'DefaultAppPool', application: '/', state: 'failed' }),
    ).toBe(0);
    // Every service's process metrics (prom-client's defaults): WAS's own, and those the listener and the
    // pool host publish in Redis, told apart by service and instance.
    for (const service of ['was', 'listener', 'pool-host']) {
      expect(total(metrics, 'process_resident_memory_bytes', { service }), service).toBeGreaterThan(0);
      expect(total(metrics, 'nodejs_eventloop_lag_seconds', { service }), service).toBeGreaterThanOrEqual(0);
      expect(total(metrics, 'nodejs_heap_size_used_bytes', { service }), service).toBeGreaterThan(0);
    }
    const instances = new Set((metrics.get('process_cpu_seconds_total') ?? []).map((x) => x.labels.instance));
    expect(instances.size).toBe(3);

    // promtool reads the exposition from stdin: no syntax errors, no lint problems (names, units, _total).
    const { stdout, stderr } = await promtool(text);
    expect(stderr).toBe('');
    expect(stdout).toBe('');
  });

  it('shows a stopped pool, its Disabled rejections, and an on-demand recycle', async () => {
    const admin = (path: string) =>
      httpRequest(`${system.wasUrl}${path}`, { method: 'POST', headers: system.adminHeaders() });
    expect((await admin('/api/apppools/DefaultAppPool/recycle')).status).toBe(200);
    await scrapeUntil(
      'the OnDemand recycle to be counted',
      (m) => total(m, 'w3pool_worker_recycles_total', { pool: 'DefaultAppPool', reason: 'OnDemand' }) === 1,
    );

    expect((await admin('/api/apppools/DefaultAppPool/stop')).status).toBe(200);
    try {
      // The listener follows the stop through Redis: until then a request may still be served.
      await eventually(
        async () => ((await get('/style.css')).status === 503 ? true : undefined),
        '503 Disabled',
      );
      const { metrics } = await scrapeUntil(
        'the Disabled rejection',
        (m) => (total(m, 'w3pool_listener_rejections_total', { reason: 'Disabled' }) ?? 0) >= 1,
      );
      expect(total(metrics, 'w3pool_pool_started', { pool: 'DefaultAppPool', reason: 'Disabled' })).toBe(0);
      expect(
        total(metrics, 'w3pool_requests_total', { site: 'Test Site', status_class: '5xx' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await admin('/api/apppools/DefaultAppPool/start');
    }
  });

  it('is an admin route: a scrape without the token, or with a wrong one, sees nothing', async () => {
    const anonymous = await httpRequest(`${system.wasUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toContain('w3pool_');
    const wrong = await httpRequest(`${system.wasUrl}/metrics`, {
      headers: { authorization: 'Bearer not-it' },
    });
    expect(wrong.status).toBe(401);
    expect(await scrape()).toContain('w3pool_requests_total');
  });
});

/** promtool check metrics, fed on stdin; resolves with its output (it exits non-zero on any problem). */
function promtool(text: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('promtool', ['check', 'metrics'], (error, stdout, stderr) => {
      if (error) reject(new Error(`promtool: ${error.message}\n${stdout}${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(text);
  });
}
