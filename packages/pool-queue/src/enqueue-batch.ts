import type { QueueEntry } from './queue-element.js';

/** The pool queue did not answer in time, or Redis is unreachable: the listener answers 503 QueueUnreachable. */
export class QueueUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueUnreachableError';
  }
}

interface Waiting {
  entry: QueueEntry;
  resolve: (admitted: boolean) => void;
  reject: (error: Error) => void;
}

/** At most this many requests in one script call (Lua's unpack has a stack limit near 8,000 values). */
const MAX_BATCH = 1000;

/**
 * The requests of one pool that arrive in one event-loop turn, admitted and queued together by one script
 * call: under load this divides the Redis work per request by the batch size. `setImmediate` (not a
 * microtask) is what lets a turn gather the requests of many sockets.
 *
 * Each call is bounded by the admission timeout: past it, every request of the batch is refused with
 * QueueUnreachableError. If Redis then answers late that some were queued after all, `onLate` takes them
 * back, so a request answered 503 is never run.
 */
export class EnqueueBatch {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (entries: QueueEntry[]) => Promise<number[]>,
    private readonly timeoutMs: () => number,
    private readonly onLate: (entries: QueueEntry[]) => void,
  ) {}

  add(entry: QueueEntry): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.waiting.length > 0) this.call(this.waiting.splice(0, MAX_BATCH));
  }

  private call(batch: Waiting[]): void {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      const error = new QueueUnreachableError(`the pool queue did not answer within ${this.timeoutMs()} ms`);
      for (const w of batch) w.reject(error);
    }, this.timeoutMs());
    this.send(batch.map((w) => w.entry)).then(
      (results) => {
        clearTimeout(timer);
        if (answered) {
          const late = batch.filter((_, i) => results[i] === 1).map((w) => w.entry);
          if (late.length > 0) this.onLate(late);
          return;
        }
        answered = true;
        batch.forEach((w, i) => w.resolve(results[i] === 1));
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (answered) return;
        answered = true;
        const failure = new QueueUnreachableError(`the pool queue is unreachable: ${String(error)}`, {
          cause: error,
        });
        for (const w of batch) w.reject(failure);
      },
    );
  }
}
