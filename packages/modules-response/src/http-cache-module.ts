import { timeSpanToMs } from '@w3pool/config';
import { defineModule, type RequestContext } from '@w3pool/extension-sdk';
import {
  effectivePolicy,
  extensionOf,
  locationCacheControl,
  profilesByExtension,
  type CachingProfile,
} from './cache-profiles.js';

/**
 * HttpCacheModule (system.webServer/caching profiles): at SendResponse, a 200 answer to a GET whose URL's
 * extension has a profile gets the profile's policy for the listener's response cache — kept until its file
 * changes, for a time, or never. The listener keys such entries on the profile's varyByQueryString and
 * varyByHeaders itself (services/listener/src/cache-variation.ts), since the cache is consulted before any
 * worker sees the request. Without profiles the module subscribes to nothing.
 */
export const httpCacheModule = defineModule({
  name: 'HttpCacheModule',
  init(context) {
    const { caching } = context.webServer;
    if (!caching.enabled || caching.profiles.length === 0) return {};
    const profiles = profilesByExtension(caching.profiles);
    return {
      SendResponse: (request) => {
        const profile = profiles.get(extensionOf(request.request.path));
        if (profile) applyProfile(request, profile, caching.enableKernelCache);
      },
    };
  },
});

function applyProfile(context: RequestContext, profile: CachingProfile, enableKernelCache: boolean): void {
  const { request, response } = context;
  if (request.method !== 'GET' || response.statusCode !== 200) return;
  const policy = effectivePolicy(profile, enableKernelCache);
  switch (policy) {
    case 'DontCache':
      // The handler's own choice stands (the StaticFile handler keeps files until they change).
      return;
    case 'DisableCache':
      // A lifetime of zero: the listener does not keep it, whatever the handler asked.
      response.setKernelCache({ maxAgeMs: 0 });
      return;
    case 'CacheUntilChange':
      response.setKernelCache({ dependsOnFile: request.physicalPath });
      break;
    case 'CacheForTimePeriod':
      response.setKernelCache({ maxAgeMs: timeSpanToMs(profile.duration) });
      break;
  }
  if (response.getHeader('cache-control') === undefined)
    response.setHeader('cache-control', locationCacheControl(profile.location));
}
