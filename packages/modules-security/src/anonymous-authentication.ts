import { defineModule, HttpError, type ModuleSubscriptions } from '@w3pool/extension-sdk';

/**
 * IIS's AnonymousAuthenticationModule (security/authentication/anonymousAuthentication). Enabled (IIS's
 * default), a request nobody logged on is served as the anonymous user (LOGON_USER and AUTH_TYPE empty) and
 * the module costs nothing. Disabled, it runs after the other authentication modules and answers 401.2 for a
 * request none of them logged on; BasicAuthenticationModule adds its challenge to that 401.
 */
export const AnonymousAuthenticationModule = defineModule({
  name: 'AnonymousAuthenticationModule',
  init(context): ModuleSubscriptions {
    if (context.webServer.security.authentication.anonymousAuthentication.enabled) return {};
    return {
      AuthenticateRequest: (ctx) => {
        if (ctx.user.name === '') throw new HttpError('WORKER_LOGON_REQUIRED', ctx.request.path);
        return 'continue';
      },
    };
  },
});
