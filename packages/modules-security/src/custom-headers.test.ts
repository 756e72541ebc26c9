import { describe, expect, it } from 'vitest';
import { CustomHeaderModule, resolveHeaders } from './custom-headers.js';
import { fakeContext, initModule, notify, webServerFor } from './module-harness.test-helper.js';

describe('resolveHeaders', () => {
  it('puts a child’s headers after its parent’s and applies remove and clear', () => {
    const headers = webServerFor({
      server: {
        httpProtocol: {
          customHeaders: [
            { name: 'X-Powered-By', value: 'w3pool' },
            { name: 'X-A', value: '1' },
          ],
        },
      },
      site: { httpProtocol: { customHeaders: [{ remove: 'x-powered-by' }, { name: 'X-B', value: '2' }] } },
    }).httpProtocol.customHeaders;
    expect(resolveHeaders(headers)).toEqual([
      { name: 'X-A', value: '1' },
      { name: 'X-B', value: '2' },
    ]);
    expect(resolveHeaders([...headers, { clear: true }, { name: 'X-C', value: '3' }])).toEqual([
      { name: 'X-C', value: '3' },
    ]);
  });
});

describe('CustomHeaderModule', () => {
  it('subscribes to nothing without custom or redirect headers (the default)', async () => {
    expect((await initModule(CustomHeaderModule)).subscriptions).toEqual({});
  });

  it('adds customHeaders to every response beside the handler’s own, and redirectHeaders to 3xx only', async () => {
    const { subscriptions } = await initModule(CustomHeaderModule, {
      server: {
        httpProtocol: {
          customHeaders: [
            { name: 'X-Frame-Options', value: 'DENY' },
            { name: 'Cache-Control', value: 'no-transform' },
          ],
          redirectHeaders: [{ name: 'X-Redirected-By', value: 'w3pool' }],
        },
      },
    });
    const ok = fakeContext();
    ok.response.setHeader('cache-control', 'public, max-age=60').setHeader('x-frame-options', 'DENY');
    const sent = await notify(subscriptions, 'SendResponse', ok);
    expect(sent.headers).toEqual({
      'x-frame-options': 'DENY',
      'cache-control': ['public, max-age=60', 'no-transform'],
    });
    const moved = fakeContext();
    moved.response.status(301);
    expect((await notify(subscriptions, 'SendResponse', moved)).headers).toMatchObject({
      'x-frame-options': 'DENY',
      'x-redirected-by': 'w3pool',
    });
    const notModified = fakeContext();
    notModified.response.status(404);
    expect(
      (await notify(subscriptions, 'SendResponse', notModified)).headers['x-redirected-by'],
    ).toBeUndefined();
  });
});
