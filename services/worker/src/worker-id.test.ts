import { describe, expect, it } from 'vitest';
import { consumerPrefix, workerIdFactory } from './worker-id.js';

describe('worker ids', () => {
  it('are unique per start, and no one is the consumer prefix of another', () => {
    const next = workerIdFactory('web01.example.com', 4242);
    const ids = Array.from({ length: 200 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^web01_example_com-4242-1-[0-9a-f]{4}$/);
    for (const id of ids) {
      const consumers = [`${id}.1`, `${id}.12`];
      for (const other of ids) {
        if (other === id) continue;
        expect(consumers.some((c) => c.startsWith(consumerPrefix(other)))).toBe(false);
      }
    }
  });
});
