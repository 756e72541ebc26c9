import type { WebServer } from '@w3pool/config';

export type CachingProfile = WebServer['caching']['profiles'][number];
export type CachePolicy = CachingProfile['policy'];

/** The URL's file name extension, lower-cased with its dot ('' for none): what a caching profile names. */
export function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash ? path.slice(dot).toLowerCase() : '';
}

/** Profiles by extension; the first profile of an extension wins, as in IIS's keyed collection. */
export function profilesByExtension(
  profiles: readonly CachingProfile[],
): ReadonlyMap<string, CachingProfile> {
  const map = new Map<string, CachingProfile>();
  for (const profile of profiles) {
    const extension = profile.extension.toLowerCase();
    if (!map.has(extension)) map.set(extension, profile);
  }
  return map;
}

/**
 * w3pool has one response cache, the listener's, which plays both of IIS's: the kernel cache
 * (kernelCachePolicy) and the user-mode output cache (policy). DisableCache in either keeps the response out;
 * otherwise kernelCachePolicy decides unless it is DontCache, then policy does. With enableKernelCache
 * false, only policy counts.
 */
export function effectivePolicy(profile: CachingProfile, enableKernelCache: boolean): CachePolicy {
  const kernel = enableKernelCache ? profile.kernelCachePolicy : 'DontCache';
  if (kernel === 'DisableCache' || profile.policy === 'DisableCache') return 'DisableCache';
  return kernel !== 'DontCache' ? kernel : profile.policy;
}

/** The Cache-Control a profile's location names, for responses whose handler set none. */
export function locationCacheControl(location: CachingProfile['location']): string {
  switch (location) {
    case 'Any':
    case 'Downstream':
      return 'public';
    case 'Client':
    case 'ServerAndClient':
      return 'private';
    case 'Server':
    case 'None':
      return 'no-cache';
  }
}
