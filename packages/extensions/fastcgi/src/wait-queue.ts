// Requests waiting for a FastCGI process or connection, oldest first: IIS's FastCGI queue. Bounded by the
// caller (queueLength); a waiter whose client leaves is taken out at once.

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  detach(): void;
}

export class WaitQueue<T> {
  private readonly waiters: Waiter<T>[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Wait until `serve` hands this waiter a value, or the signal aborts (rejects with its reason). */
  wait(signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal.reason as Error);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        detach: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hand `value` to the oldest waiter; false when nobody waits. */
  serve(value: T): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    waiter.detach();
    waiter.resolve(value);
    return true;
  }

  /** Fail the oldest waiter (a process it waited for did not start); false when nobody waits. */
  failOldest(error: unknown): boolean {
    const waiter = this.waiters.shift();
    if (!waiter) return false;
    waiter.detach();
    waiter.reject(error);
    return true;
  }

  failAll(error: unknown): void {
    while (this.failOldest(error));
  }
}
