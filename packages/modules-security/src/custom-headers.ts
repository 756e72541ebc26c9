import type { HeaderEntry } from '@w3pool/config';
import { defineModule, type HandlerResponse, type ModuleSubscriptions } from '@w3pool/extension-sdk';
import { resolveCollection } from './collection.js';

interface CustomHeader {
  readonly name: string;
  readonly value: string;
}

/** The headers in force: inherited entries first, `remove` and `clear` applied, names compared case-insensitively. */
export function resolveHeaders(entries: readonly HeaderEntry[]): CustomHeader[] {
  return resolveCollection<CustomHeader, string>(
    entries,
    (header, name) => header.name.toLowerCase() === name.toLowerCase(),
  );
}

/**
 * Add a header the way IIS's customHeaders do: beside a value the handler set for the same name, not in
 * place of it (only an identical value is not repeated).
 */
export function addHeader(response: HandlerResponse, header: CustomHeader): void {
  const existing = response.getHeader(header.name);
  if (existing === undefined) {
    response.setHeader(header.name, header.value);
    return;
  }
  const values = Array.isArray(existing) ? existing : [existing];
  if (!values.includes(header.value)) response.setHeader(header.name, [...values, header.value]);
}

/**
 * The custom headers of IIS's ProtocolSupportModule (system.webServer/httpProtocol): customHeaders on every
 * response of the application, redirectHeaders on its redirects (3xx) only, added at SendResponse, just
 * before the head goes out. Without any, it subscribes to nothing.
 */
export const CustomHeaderModule = defineModule({
  name: 'CustomHeaderModule',
  init(context): ModuleSubscriptions {
    const custom = resolveHeaders(context.webServer.httpProtocol.customHeaders);
    const redirect = resolveHeaders(context.webServer.httpProtocol.redirectHeaders);
    if (custom.length === 0 && redirect.length === 0) return {};
    return {
      SendResponse: (ctx) => {
        for (const header of custom) addHeader(ctx.response, header);
        const status = ctx.response.statusCode;
        if (status >= 300 && status < 400) for (const header of redirect) addHeader(ctx.response, header);
      },
    };
  },
});
