import type { ConfigIssue } from './config-error.js';
import type { W3poolConfig } from './schema/w3pool-config.js';
import type { WebServerOverride } from './schema/web-server-override.js';

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

  for (const { webServer, at } of webServerTrees(config)) {
    const handlerNames = new Set<string>();
    webServer.handlers?.list?.forEach((handler, h) => {
      const pointer = `${at}/handlers/list/${h}`;
      if (handlerNames.has(handler.name))
        issues.push({ pointer: `${pointer}/name`, reason: `duplicate handler name "${handler.name}"` });
      handlerNames.add(handler.name);
      if (!handler.modules && !handler.type) {
        issues.push({
          pointer,
          reason: 'a handler mapping needs `modules` (a built-in module) or `type` (a module of your own)',
        });
      }
    });
    const moduleNames = new Set<string>();
    webServer.modules?.forEach((module, m) => {
      if (moduleNames.has(module.name))
        issues.push({ pointer: `${at}/modules/${m}/name`, reason: `duplicate module name "${module.name}"` });
      moduleNames.add(module.name);
    });
  }
  return issues;
}

/** The server's webServer tree and every site's and application's own, with the JSON pointer of each. */
export function webServerTrees(config: W3poolConfig): { webServer: WebServerOverride; at: string }[] {
  const trees: { webServer: WebServerOverride; at: string }[] = [
    { webServer: config.webServer, at: '/webServer' },
  ];
  config.sites.forEach((site, s) => {
    if (site.webServer) trees.push({ webServer: site.webServer, at: `/sites/${s}/webServer` });
    site.applications.forEach((app, a) => {
      if (app.webServer)
        trees.push({ webServer: app.webServer, at: `/sites/${s}/applications/${a}/webServer` });
    });
  });
  return trees;
}
