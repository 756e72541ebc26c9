import { Agent, request } from 'node:http';

// Steady load with every request accounted for: N keep-alive clients, each sending one request after
// another for a bounded time and count. Each request ends in exactly one of three ways: an HTTP status
// (answered), a connection error, or nothing by its own deadline or by the end of the run (unanswered).
// So sent === answered + connectionErrors + unanswered always holds, and a hang shows as unanswered.

export interface RequestRecord {
  startedAt: number;
  endedAt?: number;
  status?: number;
  /** "502.3" for a server error page (IIS's status.substatus), or the bare status. */
  label?: string;
  /** The error catalogue code the error page names. */
  code?: string;
  /** x-w3pool-worker: who answered. */
  worker?: string;
  error?: string;
}

export interface LoadOptions {
  /** The URL of each request (a function can spread requests over paths). */
  url: string | ((client: number, sequence: number) => string);
  clients: number;
  durationMs: number;
  /** Per client; bounds the run in count as well as in time. */
  maxRequestsPerClient?: number;
  /** A request without an answer by then is abandoned and counted unanswered. */
  requestTimeoutMs: number;
  /**
   * Each client's pause between an answer and its next request (default 0: back to back). A paced load
   * keeps the server below saturation, so its latency is the service time rather than its own queueing.
   */
  thinkMs?: number;
}

export interface LoadSummary {
  fault: string;
  sent: number;
  answered: number;
  ok: number;
  /** Non-2xx/3xx answers by status.substatus. */
  failures: Record<string, number>;
  /** Failure answers by catalogue code. */
  codes: Record<string, number>;
  connectionErrors: number;
  unanswered: number;
  /** Longest time from a fault until the last failure it caused (0 when nothing failed). */
  recoveryMs: number;
  durationMs: number;
  workers: number;
}

const PAGE_STATUS = /HTTP Error (\d{3}\.\d+)/;
const PAGE_CODE = /Error code: <code>([A-Z0-9_]+)<\/code>/;

export const succeeded = (r: RequestRecord) => r.status !== undefined && r.status < 400;

export class SteadyLoad {
  readonly records: RequestRecord[] = [];
  /** Times the test injected a fault (performance.now()), for the recovery time. */
  readonly faults: number[] = [];
  private readonly agent: Agent;
  private stopping = false;
  private clientsDone?: Promise<void>;
  private startedAt = 0;
  private endedAt = 0;

  constructor(private readonly options: LoadOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  }

  start(): this {
    this.startedAt = performance.now();
    const clients = Array.from({ length: this.options.clients }, (_, i) => this.client(i));
    this.clientsDone = Promise.all(clients).then(() => undefined);
    return this;
  }

  /** Note that a fault was injected now. */
  fault(): void {
    this.faults.push(performance.now());
  }

  /** Resolves once this many requests have been answered successfully since the call (bounded by timeoutMs). */
  async successes(count: number, timeoutMs: number): Promise<void> {
    const from = this.records.length;
    const deadline = performance.now() + timeoutMs;
    while (this.records.slice(from).filter(succeeded).length < count) {
      if (performance.now() > deadline || this.stopping)
        throw new Error(`fewer than ${count} successes within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Wait for the clients to finish their time (or stop them now), then for every request's end. */
  async finish(now = false): Promise<RequestRecord[]> {
    if (now) this.stopping = true;
    await this.clientsDone;
    this.endedAt = performance.now();
    this.agent.destroy();
    return this.records;
  }

  summary(fault: string): LoadSummary {
    const failures: Record<string, number> = {};
    const codes: Record<string, number> = {};
    let answered = 0;
    let ok = 0;
    let connectionErrors = 0;
    let unanswered = 0;
    const workers = new Set<string>();
    for (const r of this.records) {
      if (r.worker) workers.add(r.worker);
      if (r.status !== undefined) {
        answered += 1;
        if (succeeded(r)) ok += 1;
        else {
          failures[r.label!] = (failures[r.label!] ?? 0) + 1;
          if (r.code) codes[r.code] = (codes[r.code] ?? 0) + 1;
        }
      } else if (r.error !== undefined) connectionErrors += 1;
      else unanswered += 1;
    }
    return {
      fault,
      sent: this.records.length,
      answered,
      ok,
      failures,
      codes,
      connectionErrors,
      unanswered,
      recoveryMs: Math.round(recoveryTime(this.records, this.faults)),
      durationMs: Math.round((this.endedAt || performance.now()) - this.startedAt),
      workers: workers.size,
    };
  }

  private async client(index: number): Promise<void> {
    const { durationMs, maxRequestsPerClient = Number.MAX_SAFE_INTEGER } = this.options;
    for (let sequence = 0; sequence < maxRequestsPerClient; sequence += 1) {
      if (this.stopping || performance.now() - this.startedAt >= durationMs) return;
      const url = typeof this.options.url === 'string' ? this.options.url : this.options.url(index, sequence);
      await this.send(url);
      if (this.options.thinkMs) await new Promise((resolve) => setTimeout(resolve, this.options.thinkMs));
    }
  }

  private send(url: string): Promise<void> {
    const record: RequestRecord = { startedAt: performance.now() };
    this.records.push(record);
    return new Promise<void>((resolve) => {
      const settle = () => {
        record.endedAt ??= performance.now();
        clearTimeout(deadline);
        resolve();
      };
      // The request's own deadline: past it, the client gives up, and the request stays unanswered.
      const deadline = setTimeout(() => {
        req.destroy();
        settle();
      }, this.options.requestTimeoutMs);
      const req = request(url, { agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (record.endedAt !== undefined) return;
          const status = res.statusCode ?? 0;
          record.status = status;
          record.worker = res.headers['x-w3pool-worker'] as string | undefined;
          if (status >= 400) {
            const body = Buffer.concat(chunks).toString();
            record.label = PAGE_STATUS.exec(body)?.[1] ?? String(status);
            record.code = PAGE_CODE.exec(body)?.[1];
          } else record.label = String(status);
          settle();
        });
        res.on('error', (error) => {
          if (record.endedAt === undefined) record.error = error.message;
          settle();
        });
      });
      req.on('error', (error) => {
        if (record.endedAt === undefined)
          record.error = (error as NodeJS.ErrnoException).code ?? error.message;
        settle();
      });
      req.end();
    });
  }
}

/**
 * The p-th percentile (0–100) of the latency of the successful requests that started in [from, to), in ms;
 * undefined when there are none.
 */
export function latencyPercentile(
  records: RequestRecord[],
  p: number,
  windows: { from: number; to: number }[],
): number | undefined {
  const latencies = records
    .filter((r) => succeeded(r) && windows.some((w) => r.startedAt >= w.from && r.startedAt < w.to))
    .map((r) => r.endedAt! - r.startedAt)
    .sort((a, b) => a - b);
  if (latencies.length === 0) return undefined;
  return latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
}

/**
 * For each fault, the time from it until the end of the last failed request that ended before the next
 * fault: how long the system took to be back to an error rate of 0. The longest over all faults. A failure
 * belongs to the latest fault before its end (a request in flight when a worker is killed fails then).
 */
export function recoveryTime(records: RequestRecord[], faults: number[]): number {
  let longest = 0;
  for (const r of records) {
    if (succeeded(r)) continue;
    const ended = r.endedAt ?? r.startedAt;
    const cause = faults.filter((at) => at <= ended).pop();
    if (cause !== undefined) longest = Math.max(longest, ended - cause);
  }
  return longest;
}

/** The summary as one JSON line, for the run's output and RELIABILITY.md. */
export function printSummary<T extends LoadSummary>(summary: T): void {
  console.log(`chaos ${JSON.stringify(summary)}`);
}
