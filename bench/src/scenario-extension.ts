import { performance } from 'node:perf_hooks';
import { defineExtension } from '@w3pool/extension-sdk';

// The handlers of the peer scenarios (BENCHMARKS.md), the same work the PM2 peer app does for each path:
// 1 ms of synchronous CPU, a 1 MB body streamed in 64 KB writes, and a 100 KB upload echoed back.
const MB = 1024 * 1024;
const piece = Buffer.alloc(64 * 1024, 'w3pool-');
const done = Buffer.from('done');

/** Busy for 1 ms of wall time on this thread: what a request that does real work costs. */
function burnOneMillisecond(): void {
  const until = performance.now() + 1;
  while (performance.now() < until) {
    // spin: synchronous work, as a template render or a JSON transform would be
  }
}

export default defineExtension({
  name: 'BenchScenarios',
  version: '0.1.0',
  load: () => async (request, response) => {
    if (request.path.endsWith('/cpu')) {
      burnOneMillisecond();
      await response.setHeader('content-type', 'text/plain').end(done);
      return;
    }
    if (request.path.endsWith('/1mb')) {
      response.setHeader('content-type', 'application/octet-stream').setHeader('content-length', MB);
      for (let sent = 0; sent < MB; sent += piece.length) await response.write(piece);
      await response.end();
      return;
    }
    // /echo: the upload, read whole, sent back.
    const body = await request.readBody();
    await response.setHeader('content-type', 'application/octet-stream').end(body);
  },
});
