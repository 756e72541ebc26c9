import { defineModule, type ModuleSubscriptions } from '@w3pool/extension-sdk';
import { REDIRECT_STATUS, redirectTarget } from './redirect-target.js';

/**
 * IIS's HttpRedirectionModule (system.webServer/httpRedirect), set on a site or an application: at
 * BeginRequest it answers the application's requests with a redirect to destination (302, 301, 307 or 308)
 * and finishes them. The location the rest of the path is measured from is the application's virtual path.
 */
export const HttpRedirectionModule = defineModule({
  name: 'HttpRedirectionModule',
  init(context): ModuleSubscriptions {
    const settings = context.webServer.httpRedirect;
    if (!settings.enabled) return {};
    if (settings.destination === '') {
      throw new Error('httpRedirect is enabled without a destination: set httpRedirect.destination');
    }
    const status = REDIRECT_STATUS[settings.httpResponseStatus];
    const location = context.application.path;
    return {
      BeginRequest: async (ctx) => {
        const target = redirectTarget(settings, location, ctx.request);
        if (target === undefined) return 'continue';
        await ctx.response.redirect(target, status);
        return 'finish';
      },
    };
  },
});
