import type { W3poolConfig } from '@w3pool/config';

/** appcmd list app: every application of every site, with the pool that runs it. */
export function appsView(
  config: W3poolConfig,
): { site: string; siteId: number; path: string; pool: string }[] {
  return config.sites.flatMap((site) =>
    site.applications.map((app) => ({
      site: site.name,
      siteId: site.id,
      path: app.path,
      pool: app.applicationPool,
    })),
  );
}
