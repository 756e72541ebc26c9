import { HttpError, type BackgroundJobs, type ExtensionLogger, type Handler } from '@w3pool/extension-sdk';
import type { NodeApp } from './app-loader.js';
import { RequestExchange } from './request-exchange.js';

/**
 * HttpExtensionProc of NodeAppModule: each request becomes a Node IncomingMessage/ServerResponse pair that
 * the application serves. A WebSocket upgrade is refused with 501: the queue carries requests and their
 * responses, not a connection that changes protocol. Other Upgrade tokens (h2c) are ignored and the request
 * is served as plain HTTP/1.1, as Node's own server does without an 'upgrade' listener (RFC 9110 §7.8).
 */
export function nodeAppHandler(app: NodeApp, backgroundJobs: BackgroundJobs, log: ExtensionLogger): Handler {
  let trailersDropped = 0;
  return async (request, response, signal) => {
    const upgrade = request.headers.get('upgrade');
    if (upgrade !== undefined && /\bwebsocket\b/i.test(upgrade)) {
      throw new HttpError('EXT_NODE_APP_UPGRADE_NOT_SUPPORTED', `Upgrade: ${upgrade}`);
    }
    const exchange = new RequestExchange(request, response, { request, backgroundJobs }, log);
    await exchange.run(app.serve, signal);
    if (exchange.trailers.length > 0) {
      // Said once, then every 1000th time: the reply messages have no field for trailers yet.
      if (trailersDropped % 1000 === 0) {
        log.warn('the application sent trailers, which w3pool does not carry; they were dropped', {
          trailers: exchange.trailers.filter((_, i) => i % 2 === 0),
          times: trailersDropped + 1,
        });
      }
      trailersDropped += 1;
    }
  };
}
