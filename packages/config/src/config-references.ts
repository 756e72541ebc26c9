import type { ConfigIssue } from './config-error.js';
import type { W3poolConfig } from './schema/w3pool-config.js';

// Rules the schema cannot express: uniqueness and cross-references, as IIS enforces collection keys.

export function checkReferences(config: W3poolConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const poolNames = new Set<string>();
  config.applicationPools.forEach((pool, i) => {
    if (poolNames.has(pool.name)) {
      issues.push({
        pointer: `/applicationPools/${i}/name`,
        reason: `duplicate application pool name "${pool.name}"`,
      });
    }
    poolNames.add(pool.name);
  });

  const siteIds = new Set<number>();
  const siteNames = new Set<string>();
  config.sites.forEach((site, s) => {
    const at = `/sites/${s}`;
    if (siteIds.has(site.id)) issues.push({ pointer: `${at}/id`, reason: `duplicate site id ${site.id}` });
    if (siteNames.has(site.name))
      issues.push({ pointer: `${at}/name`, reason: `duplicate site name "${site.name}"` });
    siteIds.add(site.id);
    siteNames.add(site.name);

    site.bindings.forEach((binding, b) => {
      const port = Number(binding.bindingInformation.split(':').at(-2));
      if (!(port >= 1 && port <= 65535)) {
        issues.push({
          pointer: `${at}/bindings/${b}/bindingInformation`,
          reason: `port ${port} is not between 1 and 65535`,
        });
      }
    });

    const appPaths = new Set<string>();
    site.applications.forEach((app, a) => {
      const appAt = `${at}/applications/${a}`;
      if (appPaths.has(app.path))
        issues.push({ pointer: `${appAt}/path`, reason: `duplicate application path "${app.path}"` });
      appPaths.add(app.path);
      if (!poolNames.has(app.applicationPool)) {
        issues.push({
          pointer: `${appAt}/applicationPool`,
          reason: `application pool "${app.applicationPool}" is not defined in /applicationPools`,
        });
      }
      if (!app.virtualDirectories.some((v) => v.path === '/')) {
        issues.push({
          pointer: `${appAt}/virtualDirectories`,
          reason: 'the application has no root virtual directory (path "/")',
        });
      }
    });
    if (!appPaths.has('/')) {
      issues.push({ pointer: `${at}/applications`, reason: 'the site has no root application (path "/")' });
    }
  });

  const handlerNames = new Set<string>();
  config.webServer.handlers.list.forEach((handler, h) => {
    const at = `/webServer/handlers/list/${h}`;
    if (handlerNames.has(handler.name))
      issues.push({ pointer: `${at}/name`, reason: `duplicate handler name "${handler.name}"` });
    handlerNames.add(handler.name);
    if (!handler.modules && !handler.type) {
      issues.push({
        pointer: at,
        reason: 'a handler mapping needs `modules` (a built-in module) or `type` (a module of your own)',
      });
    }
  });
  return issues;
}
