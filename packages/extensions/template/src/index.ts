import { defineExtension, HttpError } from '@w3pool/extension-sdk';
import { greeting } from './greeting.js';

/**
 * The template extension: copy this folder to start your own (docs/extensions.md). Map it to `*.hello`:
 *
 *   { name: 'Hello', path: '*.hello', verb: 'GET,HEAD', type: './hello/dist/index.js' }
 *
 * load() runs once per worker process and application (GetExtensionVersion): read settings and open what
 * every request shares here. The function it returns runs per request (HttpExtensionProc).
 */
export default defineExtension({
  name: 'HelloExtension',
  version: '1.0.0',
  load(context) {
    context.log.info('hello extension loaded', { mapping: context.mapping.name, pool: context.pool });
    let served = 0;
    return async (request, response) => {
      const name = new URLSearchParams(request.query).get('name') ?? 'world';
      // Bad input is the client's error: a catalogue code gives it the right status and page.
      if (name.length > 100)
        throw new HttpError('LISTENER_BAD_REQUEST', 'name is longer than 100 characters');
      served += 1;
      // Appended to cs-uri-query in the W3C log, as IIS does with an ISAPI extension's lpszLogData.
      response.logData = `|hello|${served}`;
      response.status(200).setHeader('content-type', 'text/plain; charset=utf-8');
      await response.end(greeting(name, request));
    };
  },
  terminate() {
    // TerminateExtension: close what load() opened. Called after the last request of this worker.
  },
});
