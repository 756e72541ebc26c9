import type { Logger } from 'pino';
import type { ExtensionLogger } from '@w3pool/extension-sdk';

/** The SDK's logger interface over pino, so extensions do not depend on the worker's logging library. */
export function extensionLogger(log: Logger): ExtensionLogger {
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
