import { resolve, sep } from 'node:path';
import type { Application } from '@w3pool/config';

/**
 * MAP_PATH: the file system path of a URL within an application. The deepest virtual directory whose
 * path is a segment prefix of the URL wins. The result always stays inside that directory's root; the
 * listener normalises `..` already, and this check makes the worker safe on its own.
 */
export function mapPath(
  application: Application,
  urlPath: string,
): { root: string; physicalPath: string } | undefined {
  const appPrefix = application.path === '/' ? '' : application.path;
  if (appPrefix && urlPath !== appPrefix && !urlPath.startsWith(`${appPrefix}/`)) return undefined;
  const withinApp = urlPath.slice(appPrefix.length) || '/';

  let best: { path: string; physicalPath: string } | undefined;
  for (const vdir of application.virtualDirectories) {
    const prefix = vdir.path === '/' ? '' : vdir.path.replace(/\/$/, '');
    const matches =
      prefix === '' ||
      withinApp.toLowerCase() === prefix.toLowerCase() ||
      withinApp.toLowerCase().startsWith(`${prefix.toLowerCase()}/`);
    if (matches && (!best || prefix.length > best.path.length))
      best = { path: prefix, physicalPath: vdir.physicalPath };
  }
  if (!best) return undefined;

  const root = resolve(best.physicalPath);
  const rest = withinApp.slice(best.path.length);
  if (rest.includes('\0')) return undefined;
  const physicalPath = resolve(root, `.${rest.startsWith('/') ? rest : `/${rest}`}`);
  if (physicalPath !== root && !physicalPath.startsWith(root + sep)) return undefined;
  // Keep the trailing slash: it tells the static handler the client asked for the directory itself.
  return {
    root,
    physicalPath: rest.endsWith('/') && physicalPath !== root ? physicalPath + sep : physicalPath,
  };
}
