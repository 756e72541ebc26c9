import { isAbsolute, relative, resolve } from 'node:path';
import type { ConfigIssue } from '../config-error.js';
import type { HttpErrors } from './response-modules.js';
import type { W3poolConfig } from './w3pool-config.js';

// The file paths of httpErrors (CustomErrorModule). The server's relative paths resolve against the config
// file, like every other path; a site's or application's own ("delegated", IIS's web.config) resolve
// against the application's root, and must stay inside it unless the server allows otherwise
// (allowAbsolutePathsWhenDelegated): a site's settings cannot serve any file of the machine. IIS refuses
// every absolute delegated path; w3pool refuses those outside the root, so that a configuration whose
// relative paths were already resolved (as WAS publishes it) validates again unchanged.

type HttpErrorsTree = Partial<Omit<HttpErrors, 'errors'>> & { errors?: HttpErrors['errors'] };

interface Tree {
  httpErrors: HttpErrorsTree;
  at: string;
  /** The folder relative paths resolve against; undefined for the server's own tree (the config file's). */
  root: string | undefined;
  /** defaultResponseMode in force here: the tree's own, else its parent's. */
  defaultMode: HttpErrors['defaultResponseMode'];
}

function trees(config: W3poolConfig): Tree[] {
  const server = config.webServer.httpErrors;
  const out: Tree[] = [
    {
      httpErrors: server,
      at: '/webServer/httpErrors',
      root: undefined,
      defaultMode: server.defaultResponseMode,
    },
  ];
  config.sites.forEach((site, s) => {
    const rootOf = (app: W3poolConfig['sites'][number]['applications'][number] | undefined) =>
      app?.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '';
    const siteErrors: HttpErrorsTree | undefined = site.webServer?.httpErrors;
    const siteMode = siteErrors?.defaultResponseMode ?? server.defaultResponseMode;
    if (siteErrors) {
      const root = rootOf(site.applications.find((a) => a.path === '/'));
      out.push({
        httpErrors: siteErrors,
        at: `/sites/${s}/webServer/httpErrors`,
        root,
        defaultMode: siteMode,
      });
    }
    site.applications.forEach((app, a) => {
      const appErrors: HttpErrorsTree | undefined = app.webServer?.httpErrors;
      if (!appErrors) return;
      out.push({
        httpErrors: appErrors,
        at: `/sites/${s}/applications/${a}/webServer/httpErrors`,
        root: rootOf(app),
        defaultMode: appErrors.defaultResponseMode ?? siteMode,
      });
    });
  });
  return out;
}

/** Each file path of a tree, with its JSON pointer and a setter. */
function filePaths(tree: Tree): { pointer: string; value: string; set: (p: string) => void }[] {
  const { httpErrors, at } = tree;
  const paths: { pointer: string; value: string; set: (p: string) => void }[] = [];
  httpErrors.errors?.forEach((entry, i) => {
    if (entry.prefixLanguageFilePath) {
      // `path` is then relative to the language folder, and only the folder is resolved.
      paths.push({
        pointer: `${at}/errors/${i}/prefixLanguageFilePath`,
        value: entry.prefixLanguageFilePath,
        set: (p) => (entry.prefixLanguageFilePath = p),
      });
    } else if (entry.responseMode === 'File') {
      paths.push({ pointer: `${at}/errors/${i}/path`, value: entry.path, set: (p) => (entry.path = p) });
    }
  });
  if (httpErrors.defaultPath && tree.defaultMode === 'File') {
    paths.push({
      pointer: `${at}/defaultPath`,
      value: httpErrors.defaultPath,
      set: (p) => (httpErrors.defaultPath = p),
    });
  }
  return paths;
}

/** File paths of a site's or application's httpErrors outside its root, unless allowAbsolutePathsWhenDelegated. */
export function checkHttpErrorsPaths(config: W3poolConfig, baseDir: string): ConfigIssue[] {
  if (config.webServer.httpErrors.allowAbsolutePathsWhenDelegated) return [];
  const issues: ConfigIssue[] = [];
  for (const tree of trees(config)) {
    if (tree.root === undefined) continue;
    const root = resolve(baseDir, tree.root);
    for (const { pointer, value } of filePaths(tree)) {
      const inside = relative(root, resolve(root, value));
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
        issues.push({
          pointer,
          reason: `"${value}" is outside the application root ${root}: a site's or application's httpErrors may name files inside it only (allowAbsolutePathsWhenDelegated is false); use a path relative to the root`,
        });
      }
    }
  }
  return issues;
}

/** Resolve relative File paths: the server's against `baseDir`, a site's or application's against its root. */
export function resolveHttpErrorsPaths(config: W3poolConfig, baseDir: string): void {
  for (const tree of trees(config)) {
    for (const { value, set } of filePaths(tree)) {
      if (!isAbsolute(value)) set(resolve(tree.root ?? baseDir, value));
    }
  }
}
