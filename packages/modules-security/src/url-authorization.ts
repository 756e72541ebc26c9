import { defineModule, HttpError, type ModuleSubscriptions } from '@w3pool/extension-sdk';
import { AuthorizationPolicy } from './authorization-rules.js';

/**
 * IIS's UrlAuthorizationModule (system.webServer/security/authorization), at AuthorizeRequest. A refused
 * anonymous request gets 401.2, so that a browser asks for credentials (BasicAuthenticationModule adds its
 * challenge); a refused logged-on user gets 403: asking again for credentials that are valid cannot help.
 * With IIS's default rules (Allow `*`) it subscribes to nothing and costs nothing.
 */
export const UrlAuthorizationModule = defineModule({
  name: 'UrlAuthorizationModule',
  init(context): ModuleSubscriptions {
    const policy = new AuthorizationPolicy(context.webServer.security.authorization.rules);
    if (policy.allowsEveryone) return {};
    return {
      AuthorizeRequest: (ctx) => {
        const { method, path } = ctx.request;
        if (policy.allows(ctx.user, method)) return 'continue';
        throw new HttpError(
          ctx.user.name === ''
            ? 'WORKER_URL_AUTHORIZATION_LOGON_REQUIRED'
            : 'WORKER_URL_AUTHORIZATION_DENIED',
          `${method} ${path}`,
        );
      },
    };
  },
});
