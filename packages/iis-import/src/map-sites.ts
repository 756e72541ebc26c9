import { ApplicationSchema, SiteSchema, WebLimitsSchema } from '@w3pool/config';
import type { TSchema } from '@sinclair/typebox';
import type { ImportContext } from './import-context.js';
import type { XmlElement } from './xml-tree.js';

// system.applicationHost/sites: sites over siteDefaults, applications over applicationDefaults, virtual
// directories over virtualDirectoryDefaults, as IIS applies them, so every site of the output is explicit.

type Tree = Record<string, unknown>;

const siteProperties = SiteSchema.properties as Record<string, TSchema>;

export function mapSites(section: XmlElement, ctx: ImportContext): Tree[] {
  section.handled = true;
  const siteDefaults = section.child('siteDefaults');
  const applicationDefaults = section.child('applicationDefaults');
  const vdirDefaults = section.child('virtualDirectoryDefaults');
  const sites: Tree[] = [];
  for (const siteEl of section.each(['site'])) {
    const name = siteEl.attr('name');
    const id = siteEl.attr('id');
    if (!name || !id || !/^\d+$/.test(id)) {
      ctx.report(siteEl, 'a site needs a name and a numeric id; left out', 'error');
      continue;
    }
    const site: Tree = { name, id: Number(id) };
    if (siteDefaults) applySiteLevel(siteDefaults, site, ctx);
    applySiteLevel(siteEl, site, ctx);
    site.bindings = mapBindings(siteEl.child('bindings'), ctx);
    site.applications = siteEl
      .each(['application'])
      .map((appEl) => mapApplication(appEl, applicationDefaults, vdirDefaults, ctx));
    sites.push(site);
  }
  return sites;
}

/** siteDefaults or a site: serverAutoStart, limits, logFile (its directory through the path rules). */
function applySiteLevel(el: XmlElement, site: Tree, ctx: ImportContext): void {
  ctx.copy(el, SiteSchema, site, ['name', 'id', 'logFile']);
  const logFileEl = el.child('logFile');
  if (!logFileEl) return;
  const logFile = (site.logFile as Tree | undefined) ?? {};
  site.logFile = logFile;
  ctx.copy(logFileEl, siteProperties.logFile!, logFile, ['directory']);
  const directory = ctx.path(logFileEl, 'directory');
  if (directory !== undefined) ctx.put(logFile, 'directory', directory, logFileEl, 'directory');
}

function mapBindings(bindingsEl: XmlElement | undefined, ctx: ImportContext): Tree[] {
  const bindings: Tree[] = [];
  for (const binding of bindingsEl?.each() ?? []) {
    if (binding.name !== 'binding') {
      ctx.report(binding, `<${binding.name}> in a site's bindings is not supported; ignored`, 'warning');
      continue;
    }
    const protocol = binding.attributes.get('protocol') ?? 'http';
    if (protocol !== 'http' && protocol !== 'https') {
      ctx.report(
        binding,
        `a ${protocol} binding: w3pool listens for http and https only; left out`,
        'warning',
      );
      continue;
    }
    const out: Tree = {};
    ctx.copy(binding, SiteSchema.properties.bindings.items, out);
    if (protocol === 'https') reportCertificate(binding, out, ctx);
    bindings.push(out);
  }
  return bindings;
}

/**
 * Where an https binding's certificate has to come from here. IIS's certificates live in Windows's stores
 * and http.sys's SSL bindings, which do not travel with applicationHost.config: the report says which file
 * w3pool will read, so the admin exports it there (validation then checks it, as WAS will).
 */
function reportCertificate(binding: XmlElement, out: Tree, ctx: ImportContext): void {
  const flags = Number(out.sslFlags ?? 0);
  const hash = typeof out.certificateHash === 'string' ? out.certificateHash.toUpperCase() : undefined;
  if (flags & 2) {
    ctx.report(
      binding,
      "a central certificate store binding: IIS keeps the store's settings in the registry; set centralCertProvider (enabled, certStoreLocation with one <host>.pfx per host name, privateKeyPassword)",
      'warning',
      'sslFlags',
    );
  } else if (hash) {
    const store = typeof out.certificateStoreName === 'string' ? out.certificateStoreName : 'My';
    ctx.report(
      binding,
      `the certificate is in a Windows certificate store: export it with its private key to <httpSys.certificateStoreDirectory>/${store}/${hash}.pfx (default certs/${store}/${hash}.pfx beside the configuration), with certificatePassword if the .pfx has one`,
      'warning',
      'certificateHash',
    );
  } else {
    const [, port = '443', host = ''] =
      (typeof out.bindingInformation === 'string' ? out.bindingInformation : '').match(/:(\d+):(.*)$/) ?? [];
    const where = flags & 1 ? `hostnameport=${host}:${port}` : `ipport=0.0.0.0:${port}`;
    ctx.report(
      binding,
      `IIS keeps this binding's certificate in http.sys, not in applicationHost.config (netsh http show sslcert ${where}): export it as a .pfx and name it with certificateFile (and certificatePassword)`,
      'warning',
      'protocol',
    );
  }
}

function mapApplication(
  appEl: XmlElement,
  defaults: XmlElement | undefined,
  vdirDefaults: XmlElement | undefined,
  ctx: ImportContext,
): Tree {
  // The path first, so that the YAML reads as IIS's <application path="...">.
  const app: Tree = { path: appEl.attributes.get('path') };
  if (defaults) ctx.copy(defaults, ApplicationSchema, app, ['path']);
  ctx.copy(appEl, ApplicationSchema, app);
  const vdirDefaultsPath = vdirDefaults ? ctx.path(vdirDefaults, 'physicalPath') : undefined;
  if (vdirDefaults) vdirDefaults.handled = true;
  app.virtualDirectories = appEl.each(['virtualDirectory']).map((vdirEl) => {
    const vdir: Tree = {};
    const path = vdirEl.attr('path');
    if (path !== undefined) ctx.put(vdir, 'path', path, vdirEl, 'path');
    const physicalPath = ctx.path(vdirEl, 'physicalPath') ?? vdirDefaultsPath;
    if (physicalPath !== undefined) ctx.put(vdir, 'physicalPath', physicalPath, vdirEl, 'physicalPath');
    return vdir;
  });
  return app;
}

export function mapWebLimits(el: XmlElement, ctx: ImportContext): Tree {
  return ctx.copy(el, WebLimitsSchema, {});
}
