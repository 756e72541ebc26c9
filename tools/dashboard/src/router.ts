import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'overview' }
  | { view: 'pool'; name: string }
  | { view: 'site'; id: string }
  | { view: 'config'; pool?: string }
  | { view: 'import' };

/**
 * Hash routes (#/pools/DefaultAppPool): WAS serves one index.html, and a reload or a shared link opens the
 * same view without WAS knowing the dashboard's routes.
 */
export function parseRoute(hash: string): Route {
  const [, first = '', second] = hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  if (first === 'pools' && second) return { view: 'pool', name: second };
  if (first === 'sites' && second) return { view: 'site', id: second };
  if (first === 'config') return second ? { view: 'config', pool: second } : { view: 'config' };
  if (first === 'import') return { view: 'import' };
  return { view: 'overview' };
}

export const href = {
  overview: () => '#/',
  pool: (name: string) => `#/pools/${encodeURIComponent(name)}`,
  site: (id: number | string) => `#/sites/${encodeURIComponent(String(id))}`,
  config: (pool?: string) => (pool ? `#/config/${encodeURIComponent(pool)}` : '#/config'),
  import: () => '#/import',
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
