import { defineModule, HttpError, type ModuleSubscriptions } from '@w3pool/extension-sdk';
import { RequestFilterRules } from './request-filter-rules.js';

/**
 * IIS's RequestFilteringModule as the worker applies it (system.webServer/security/requestFiltering), at
 * BeginRequest: the application's effective settings (its own and its site's overrides merged over the
 * server's, which the listener applied before queueing), and what only the worker applies — headerLimits
 * (404.10), denyQueryStringSequences (404.18), filteringRules (404.19), alwaysAllowedUrls and
 * alwaysAllowedQueryStrings, hidden segments below the application's path. docs/security-modules.md says
 * which layer applies which rule.
 */
export const RequestFilteringModule = defineModule({
  name: 'RequestFilteringModule',
  init(context): ModuleSubscriptions {
    const rules = new RequestFilterRules(context.webServer.requestFiltering, context.application.path);
    const { varyBy } = rules;
    return {
      BeginRequest: (ctx) => {
        const denied = rules.check(ctx.request);
        if (denied) throw new HttpError(denied.code, denied.detail);
        if (varyBy !== undefined) ctx.response.setHeader('vary', varyBy);
        return 'continue';
      },
    };
  },
});
