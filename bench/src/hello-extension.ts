import { defineExtension } from '@w3pool/extension-sdk';

// The benchmark's handler: a tiny fixed body, so the figures measure the hop, not the handler.
const body = Buffer.from('hello world');

export default defineExtension({
  name: 'BenchHello',
  version: '0.1.0',
  load: () => (_request, response) => response.setHeader('content-type', 'text/plain').end(body),
});
