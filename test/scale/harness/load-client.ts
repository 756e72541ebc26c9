import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

// The scale suites' client machine: run inside the client namespace (SimulatedHosts.node('client', ...)),
// it sends the load LOAD_SPEC describes to the listeners on the bridge and prints one line,
// `load {...}` (LoadResult), when every request has ended. Each request ends in exactly one way:
// answered (a status), a connection error, or unanswered by its deadline.

export interface LoadSpec {
  /** Listener base URLs (http://10.213.0.11:8080); requests go round-robin over them. */
  targets: string[];
  /** Path and query of every request; `{n}` becomes the request's number in the run (unique). */
  path: string;
  clients: number;
  /** Stop starting requests after this long. */
  durationMs: number;
  /** Stop after this many requests in all (default: unbounded, the duration decides). */
  total?: number;
  /** 'echo': POST a unique body and check that the reply is that body (crossed replies are counted). */
  mode: 'get' | 'echo';
  requestTimeoutMs: number;
  /**
   * As a load balancer does: a request whose connection failed before any answer (a listener killed or
   * restarting) is sent to the next listener, up to this many times.
   */
  retriesOnConnectionError: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  /** Answers >= 400, by status. */
  failures: Record<string, number>;
  /** Echo replies that were another request's body. */
  crossed: number;
  connectionErrors: number;
  unanswered: number;
  /** Requests sent again to another listener after a connection error. */
  retried: number;
  /** Answers per x-w3pool-worker (pool/pid). */
  workers: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

type Outcome =
  | { kind: 'answered'; status: number; worker?: string; crossed: boolean; ms: number }
  | { kind: 'connection-error' }
  | { kind: 'unanswered' };

function once(
  spec: LoadSpec,
  agent: Agent,
  target: string,
  path: string,
  body: Buffer | undefined,
): Promise<Outcome> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish({ kind: 'unanswered' });
    }, spec.requestTimeoutMs);
    const req = request(
      `${target}${path}`,
      { agent, method: body ? 'POST' : 'GET', headers: body ? { 'content-length': body.length } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => finish({ kind: 'connection-error' }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const crossed = body !== undefined && status === 200 && !Buffer.concat(chunks).equals(body);
          const worker = res.headers['x-w3pool-worker'] as string | undefined;
          finish({
            kind: 'answered',
            status,
            crossed,
            ms: performance.now() - startedAt,
            ...(worker ? { worker } : {}),
          });
        });
      },
    );
    req.on('error', () => finish({ kind: 'connection-error' }));
    req.end(body);
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.clients });
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    failures: {},
    crossed: 0,
    connectionErrors: 0,
    unanswered: 0,
    retried: 0,
    workers: {},
    durationMs: 0,
    requestsPerSecond: 0,
    p50Ms: 0,
    p99Ms: 0,
  };
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const client = async () => {
    while (performance.now() - started < spec.durationMs && result.sent < (spec.total ?? Infinity)) {
      result.sent += 1;
      const path = spec.path.replace('{n}', String(result.sent));
      const body = spec.mode === 'echo' ? randomBytes(64) : undefined;
      let outcome: Outcome = { kind: 'connection-error' };
      // Each attempt goes to the next listener after the one that failed, never to the same one again.
      const first = next++;
      for (let attempt = 0; attempt <= spec.retriesOnConnectionError; attempt += 1) {
        if (attempt > 0) result.retried += 1;
        const target = spec.targets[(first + attempt) % spec.targets.length]!;
        outcome = await once(spec, agent, target, path, body);
        if (outcome.kind !== 'connection-error') break;
      }
      if (outcome.kind === 'connection-error') result.connectionErrors += 1;
      else if (outcome.kind === 'unanswered') result.unanswered += 1;
      else {
        if (outcome.worker) result.workers[outcome.worker] = (result.workers[outcome.worker] ?? 0) + 1;
        if (outcome.crossed) result.crossed += 1;
        if (outcome.status < 400) {
          result.ok += 1;
          latencies.push(outcome.ms);
        } else result.failures[outcome.status] = (result.failures[outcome.status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, client));
  agent.destroy();
  result.durationMs = Math.round(performance.now() - started);
  result.requestsPerSecond = Math.round((result.ok / result.durationMs) * 1000);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round((latencies[Math.floor((latencies.length - 1) * p)] ?? 0) * 10) / 10;
  result.p50Ms = at(0.5);
  result.p99Ms = at(0.99);
  return result;
}

if (process.env.LOAD_SPEC) {
  const result = await runLoad(JSON.parse(process.env.LOAD_SPEC) as LoadSpec);
  process.stdout.write(`load ${JSON.stringify(result)}\n`);
}
