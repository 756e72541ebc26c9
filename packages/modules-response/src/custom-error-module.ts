import { defineModule, type ModuleSubscriptions, type RequestContext } from '@w3pool/extension-sdk';
import { selectErrorPage, type HttpErrorsSettings } from './error-page-selection.js';
import {
  answerBuiltIn,
  clearBodyHeaders,
  ErrorPages,
  executingPages,
  PAGE_VALIDATORS,
  redirectBody,
} from './error-pages.js';
import { BODY_REPLACED, ERROR_PAGE, HANDLER_REACHED } from './response-items.js';
import { statusPage } from './status-page.js';

/**
 * CustomErrorModule (system.webServer/httpErrors). Errors reach it two ways:
 *
 * - the Error notification: an error the server raised (no handler, not found, access, a module's
 *   refusal), a handler that threw or failed, or a handler that called sendCustomError
 *   (HSE_REQ_SEND_CUSTOM_ERROR). None of these has a body of its own, so the configured page answers.
 *   Under existingResponse PassThrough, the errors a handler throws keep the built-in page.
 * - SendResponse: an error status a handler wrote itself with status() and its own body (even an empty
 *   one). Auto and PassThrough leave it; Replace replaces it.
 *
 * errorMode: Detailed answers with the built-in page and its detail; Custom with the configured page (or
 * the built-in page without detail); DetailedLocalOnly is Detailed for loopback clients, Custom for others.
 */
export const customErrorModule = defineModule({
  name: 'CustomErrorModule',
  init(context) {
    const settings = context.webServer.httpErrors;
    // IIS's defaults with no pages are what the pipeline's built-in pages do already.
    if (!changesAnything(settings)) return {};
    const pages = new ErrorPages(context.webServer.staticContent.mimeMap, context.log);
    const subscriptions: ModuleSubscriptions = { Error: (request) => answerError(request, settings, pages) };
    if (settings.existingResponse === 'PassThrough') {
      subscriptions.ExecuteRequestHandler = (request) => {
        request.items.set(HANDLER_REACHED, true);
      };
    }
    if (settings.existingResponse === 'Replace' || usesExecuteUrl(settings)) {
      subscriptions.SendResponse = (request) => atSendResponse(request, settings, pages);
    }
    return subscriptions;
  },
});

function changesAnything(settings: HttpErrorsSettings): boolean {
  return (
    settings.errorMode !== 'DetailedLocalOnly' ||
    settings.errors.length > 0 ||
    settings.defaultPath !== '' ||
    settings.existingResponse === 'Replace'
  );
}

function usesExecuteUrl(settings: HttpErrorsSettings): boolean {
  return (
    settings.errors.some((e) => e.responseMode === 'ExecuteURL') ||
    (settings.defaultPath !== '' && settings.defaultResponseMode === 'ExecuteURL')
  );
}

function detailedFor(settings: HttpErrorsSettings, local: boolean): boolean {
  return settings.errorMode === 'Detailed' || (settings.errorMode === 'DetailedLocalOnly' && local);
}

async function answerError(
  context: RequestContext,
  settings: HttpErrorsSettings,
  pages: ErrorPages,
): Promise<void> {
  const { request, response, error } = context;
  if (response.headersSent || response.ended || executingPages.has(response)) return;
  const requested = error?.code === 'WORKER_CUSTOM_ERROR';
  if (settings.existingResponse === 'PassThrough' && context.items.has(HANDLER_REACHED) && !requested) return;
  const local = isLoopback(request.remoteAddress);
  // The pipeline's own page shows the detail to loopback clients only; sendCustomError's has none.
  const failure = requested ? undefined : error;
  if (detailedFor(settings, local)) {
    if (!local && failure) await answerBuiltIn(context, failure, true);
    return;
  }
  const page = selectErrorPage(settings, response.statusCode, response.substatus);
  if (page && (await pages.answer(context, page))) return;
  if (local && failure) await answerBuiltIn(context, failure, false);
}

/** An ExecuteURL page keeps the error's status; under Replace, a handler's own error body is replaced. */
async function atSendResponse(
  context: RequestContext,
  settings: HttpErrorsSettings,
  pages: ErrorPages,
): Promise<void> {
  const { request, response } = context;
  const forced = executingPages.get(response);
  if (forced) {
    response.status(forced.status, forced.substatus);
    for (const name of PAGE_VALIDATORS) response.removeHeader(name);
    return;
  }
  if (settings.existingResponse !== 'Replace') return;
  if (response.statusCode < 400 || context.error !== undefined || context.items.has(ERROR_PAGE)) return;
  const status = response.statusCode;
  const substatus = response.substatus;
  let body: string | Buffer = statusPage(status, substatus);
  let type = 'text/html; charset=utf-8';
  const page = detailedFor(settings, isLoopback(request.remoteAddress))
    ? undefined
    : selectErrorPage(settings, status, substatus);
  clearBodyHeaders(response);
  // The handler's response has started on its way out: ExecuteURL, which needs the pipeline before that,
  // falls back to the built-in page here; File and Redirect replace the head and the body.
  if (page?.responseMode === 'File') {
    const file = await pages.read(context, page);
    if (file) ({ bytes: body, type } = file);
  } else if (page?.responseMode === 'Redirect') {
    response.status(302).setHeader('location', page.path);
    body = redirectBody(page.path);
  }
  response.setHeader('content-type', type);
  context.items.set(BODY_REPLACED, true);
  context.items.set(ERROR_PAGE, true);
  const replacement = request.method === 'HEAD' ? new Uint8Array(0) : Buffer.from(body);
  let sent = false;
  context.addResponseFilter(() => {
    if (sent) return new Uint8Array(0);
    sent = true;
    return replacement;
  });
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
