import { describe, expect, it } from 'vitest';
import { backgroundEventsCursorKey, backgroundQueueName } from './background-queue.js';
import { poolKeys } from './pool-keys.js';

/** The part of a key Redis Cluster hashes: the first non-empty `{...}`. */
const hashTag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];

describe('background queue names', () => {
  it("put an application's BullMQ keys in its pool's slot, under a prefix of their own", () => {
    const { prefix, name } = backgroundQueueName('DefaultAppPool', 1, '/shop');
    expect(prefix).toBe('w3pool:{DefaultAppPool}:jobs');
    expect(name).toBe('1-%2Fshop');
    // BullMQ's keys are `<prefix>:<name>:<suffix>`.
    expect(hashTag(`${prefix}:${name}:wait`)).toBe(hashTag(poolKeys('DefaultAppPool').depth));
    expect(hashTag(backgroundEventsCursorKey('DefaultAppPool'))).toBe('DefaultAppPool');
  });

  it('never collide with the request queue keys, nor with each other', () => {
    const keys = poolKeys('P');
    const requestKeys = [keys.depth, keys.lanes, keys.consumers, keys.seen, keys.rejected, keys.demand];
    const jobs = backgroundQueueName('P', 1, '/');
    for (const key of [...requestKeys, keys.lane(1, '/'), keys.inflight('c'), keys.landing('c')])
      expect(key.startsWith(`${jobs.prefix}:`)).toBe(false);
    expect(requestKeys).not.toContain(backgroundEventsCursorKey('P'));
    expect(backgroundQueueName('P', 1, '/a').name).not.toBe(backgroundQueueName('P', 11, '/a').name);
    expect(backgroundQueueName('P', 1, '/a:b').name).not.toContain(':');
  });

  it('keep a pool name with braces inside its tag', () => {
    const { prefix } = backgroundQueueName('odd}{pool', 1, '/');
    expect(hashTag(prefix)).toBe(encodeURIComponent('odd}{pool'));
  });
});
