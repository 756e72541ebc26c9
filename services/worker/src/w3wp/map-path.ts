import { resolve, sep } from 'node:path';
import type { Application } from '@w3pool/config';

/** An application's virtual directories, compiled once per configuration: what MAP_PATH needs. */
export interface CompiledPaths {
  /** The application's virtual path, '' for `/`. */
  appPrefix: string;
  /** Deepest first; prefixes lower-cased without a trailing slash ('' for `/`); roots resolved. */
  vdirs: { prefix: string; under: string; root: string }[];
}

export function compilePaths(application: Application): CompiledPaths {
  return {
    appPrefix: application.path === '/' ? '' : application.path,
    vdirs: application.virtualDirectories
      .map((vdir) => {
        const prefix = vdir.path === '/' ? '' : vdir.path.replace(/\/$/, '').toLowerCase();
        return { prefix, under: `${prefix}/`, root: resolve(vdir.physicalPath) };
      })
      .sort((a, b) => b.prefix.length - a.prefix.length),
  };
}

/** A rest of a URL that cannot climb: no `.` segment, no empty one, no backslash, no NUL. */
const PLAIN = /^(\/[^/\\\0.][^/\\\0]*|\/[.][^/\\\0.][^/\\\0]*)*\/?$/;

/**
 * MAP_PATH: the file system path of a URL within an application. The deepest virtual directory whose
 * path is a segment prefix of the URL wins. The result always stays inside that directory's root; the
 * listener normalises `..` already, and this check makes the worker safe on its own.
 */
export function mapCompiled(
  paths: CompiledPaths,
  urlPath: string,
): { root: string; physicalPath: string } | undefined {
  const { appPrefix } = paths;
  if (appPrefix && urlPath !== appPrefix && !urlPath.startsWith(`${appPrefix}/`)) return undefined;
  const withinApp = urlPath.slice(appPrefix.length) || '/';
  const lower = paths.vdirs.length > 1 ? withinApp.toLowerCase() : '';
  const vdir = paths.vdirs.find((v) => v.prefix === '' || lower === v.prefix || lower.startsWith(v.under));
  if (!vdir) return undefined;
  const { root } = vdir;
  const rest = withinApp.slice(vdir.prefix.length) || '/';
  // The common case, a plain path: joining it to the root cannot leave the root, so no resolve() needed.
  if (PLAIN.test(rest)) return { root, physicalPath: rest === '/' ? root : root + rest.replaceAll('/', sep) };
  if (rest.includes('\0')) return undefined;
  const physicalPath = resolve(root, `.${rest.startsWith('/') ? rest : `/${rest}`}`);
  if (physicalPath !== root && !physicalPath.startsWith(root + sep)) return undefined;
  // Keep the trailing slash: it tells the static handler the client asked for the directory itself.
  return {
    root,
    physicalPath: rest.endsWith('/') && physicalPath !== root ? physicalPath + sep : physicalPath,
  };
}

/** mapCompiled for an application compiled on the spot (tests, one-off use). */
export function mapPath(application: Application, urlPath: string) {
  return mapCompiled(compilePaths(application), urlPath);
}
