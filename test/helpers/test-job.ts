import type { RequestJob } from '@w3pool/protocol';

// A request job for unit tests that need one: every field filled, each id unique.

let sequence = 0;

export function testJob(overrides: Partial<RequestJob> = {}): RequestJob {
  sequence += 1;
  const now = Date.now();
  return {
    id: `test-listener.${sequence}`,
    replyTo: 'test-listener',
    enqueuedAt: now,
    deadline: now + 120_000,
    siteId: 1,
    siteName: 'Default Web Site',
    appPath: '/',
    method: 'GET',
    rawUrl: `/r/${sequence}`,
    path: `/r/${sequence}`,
    query: '',
    httpVersion: '1.1',
    headers: ['Host', 'example.test'],
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    localAddress: '127.0.0.1',
    localPort: 80,
    body: new Uint8Array(0),
    bodyLength: 0,
    bodyComplete: true,
    ...overrides,
  };
}
