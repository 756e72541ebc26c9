import { describe, expect, it } from 'vitest';
import { isNewerConfig } from './config-channel.js';

// The ordering every follower applies. Publishing, republishing and following against a real Redis are
// tested from WAS (services/was/src/config-versions.test.ts), which may start a private redis-server.
describe('isNewerConfig', () => {
  const e = 1_795_000_000_000;
  const held = { epoch: e, version: 5 };

  it('ignores the version held and older ones of the same epoch', () => {
    expect(isNewerConfig({ epoch: e, version: 5 }, held)).toBe(false);
    expect(isNewerConfig({ epoch: e, version: 4 }, held)).toBe(false);
  });

  it('takes a later version of the same epoch', () => {
    expect(isNewerConfig({ epoch: e, version: 6 }, held)).toBe(true);
  });

  it('takes any version of a later epoch (Redis restarted empty), and none of an earlier one', () => {
    expect(isNewerConfig({ epoch: e + 1, version: 1 }, held)).toBe(true);
    expect(isNewerConfig({ epoch: e - 1, version: 500 }, held)).toBe(false);
  });

  it('orders what was published before epochs (epoch 0) below any epoch', () => {
    expect(isNewerConfig({ epoch: e, version: 1 }, { epoch: 0, version: 900 })).toBe(true);
  });
});
