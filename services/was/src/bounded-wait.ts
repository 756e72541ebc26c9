/**
 * Wait for `work` (settled either way) for at most `ms`: what a closing WAS does with anything that may be
 * waiting on a Redis that is away, since stopping never waits on an absent Redis.
 */
export async function boundedWait(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
