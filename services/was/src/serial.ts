/**
 * Runs tasks one after another. WAS's writes to Redis that must not interleave go through one: a
 * configuration published by SIGHUP while a republish after a Redis restart is still writing, or an
 * administrator's stop while the state is being written back.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task runs whatever happened to this one; the caller sees this one's failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
