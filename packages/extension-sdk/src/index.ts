export * from './extension.js';
export * from './background-jobs.js';
export * from './pipeline-module.js';
export * from './handler-request.js';
export * from './handler-response.js';
// Extensions raise errors from the one catalogue, so every failure maps to a known status and substatus.
export { W3poolError as HttpError, escapeHtml, type ErrorCode } from '@w3pool/protocol';
// Extensions read settings as IIS writes them; this converts their timespans.
export { timeSpanToMs, type WebServer } from '@w3pool/config';
