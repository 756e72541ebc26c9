import { HttpError, type ExtensionContext, type Handler } from '@w3pool/extension-sdk';
import {
  applicationName,
  type ApplicationRegistry,
  type FastCgiApplication,
} from './application-registry.js';
import { parseAddress } from './external-server.js';
import { FastCgiCall } from './fastcgi-call.js';
import { fastCgiParams } from './fastcgi-params.js';
import { FcgiConnectionError } from './fcgi-connection.js';
import { ResponseRelay } from './response-relay.js';

/**
 * Find the fastCgi application a mapping names: its scriptProcessor is `fullPath` or `fullPath|arguments`,
 * and an application matches when both are equal (IIS's rule).
 */
export function resolveApplication(
  scriptProcessor: string,
  applications: readonly FastCgiApplication[],
): { app: FastCgiApplication } | { missing: string } {
  const bar = scriptProcessor.indexOf('|');
  const fullPath = (bar === -1 ? scriptProcessor : scriptProcessor.slice(0, bar)).trim();
  const args = bar === -1 ? '' : scriptProcessor.slice(bar + 1).trim();
  if (!fullPath) return { missing: 'the handler mapping has no scriptProcessor (fullPath|arguments)' };
  const app = applications.find((a) => a.fullPath === fullPath && a.arguments.trim() === args);
  if (app) return { app };
  const known = applications.map((a) => `"${applicationName(a)}"`).join(', ') || 'none';
  return {
    missing: `scriptProcessor "${scriptProcessor}" needs a fastCgi.applications entry with fullPath "${fullPath}" and arguments "${args}" (configured: ${known})`,
  };
}

/** FastCgiModule for one handler mapping: its requests go to the application its scriptProcessor names. */
export function createFastCgiHandler(context: ExtensionContext, registry: ApplicationRegistry): Handler {
  const resolved = resolveApplication(
    context.mapping.scriptProcessor,
    context.webServer.fastCgi.applications,
  );
  if ('missing' in resolved) {
    const detail = `handler mapping "${context.mapping.name}": ${resolved.missing}`;
    context.log.error('FastCGI application not configured', { mapping: context.mapping.name, detail });
    return () => Promise.reject(new HttpError('EXT_FASTCGI_APPLICATION_NOT_CONFIGURED', detail));
  }
  const app = resolved.app;
  // A malformed address fails the load (500.21 naming the mapping), not every request.
  if (app.address) parseAddress(app.address);
  const limits = {
    requestTimeoutMs: app.requestTimeout * 1000,
    activityTimeoutMs: app.activityTimeout * 1000,
  };
  const relayOptions = {
    stderrMode: app.stderrMode,
    responseBufferLimit: context.mapping.responseBufferLimit,
    log: context.log,
    application: applicationName(app),
  };

  return async (request, response, signal) => {
    const lease = await registry.backendFor(app, context.log).acquire(signal);
    if (signal.aborted) {
      lease.release();
      throw signal.reason;
    }
    let call: FastCgiCall;
    try {
      call = new FastCgiCall(lease, fastCgiParams(request), limits);
    } catch (error) {
      // The connection closed between the lease and the first record.
      lease.discard((error as Error).message, true);
      throw new HttpError('EXT_FASTCGI_PROCESS_FAILED', (error as Error).message);
    }
    // A request body that fails (the client's upload broke) ends the request as the client leaving does.
    const bodyFailed = new AbortController();
    call.exchange.sendStdin(request.bodyStream()).catch((error: unknown) => {
      if (!(error instanceof FcgiConnectionError)) bodyFailed.abort(error);
    });
    const stop = AbortSignal.any([signal, bodyFailed.signal]);
    let outcome;
    try {
      outcome = await new ResponseRelay(response, relayOptions).run(call, stop);
    } catch (error) {
      // FCGI_ABORT_REQUEST, and the process stays leased until the application ends the request.
      if (!call.isSettled) call.abortInBackground();
      throw error;
    }
    if (outcome.kind === 'local-redirect') await response.executeUrl(outcome.location);
  };
}
