import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { checkReferences, webServerTrees } from './config-references.js';
import { checkHttpErrorsPaths, resolveHttpErrorsPaths } from './schema/response-paths.js';
import { BCRYPT_HASH_PATTERN } from './schema/security-modules.js';
import { BINDING_INFORMATION_PATTERN } from './schema/site.js';
import { checkBindings } from './tls/check-bindings.js';
import { W3poolConfigSchema, type W3poolConfig } from './schema/w3pool-config.js';

/**
 * Validate a configuration tree: fill IIS defaults, check the schema, check cross-references, and resolve
 * relative paths against `baseDir`. Throws ConfigError naming each JSON pointer and reason; returns a new
 * object and never touches its input, so a refused change leaves whatever the caller holds untouched.
 */
export interface ConfigLocation {
  source: string;
  /** Relative content paths (virtual directories, handler modules) resolve against this: the file's folder. */
  baseDir: string;
  /**
   * Relative log directories resolve against this (default baseDir): a container sets it to a writable
   * volume while the configuration itself stays read-only. IIS's %SystemDrive%\\inetpub\\logs plays this role.
   */
  logRoot?: string;
  /** Read https bindings' certificates (default true): see BindingCheckOptions.readCertificates. */
  readCertificates?: boolean;
}

export function validateConfig(raw: unknown, options: ConfigLocation): W3poolConfig {
  const candidate = Value.Default(W3poolConfigSchema, Value.Clone(raw ?? {}));
  const schemaIssues = firstIssuePerPointer(candidate);
  if (schemaIssues.length > 0) throw new ConfigError('CONFIG_INVALID', options.source, schemaIssues);

  const config = candidate as W3poolConfig;
  const referenceIssues = [...checkReferences(config), ...checkHttpErrorsPaths(config, options.baseDir)];
  if (referenceIssues.length > 0) throw new ConfigError('CONFIG_INVALID', options.source, referenceIssues);
  const resolved = resolvePaths(config, options.baseDir, options.logRoot ?? options.baseDir);
  // Certificate files are named relative to the config file: they are read once the paths are resolved.
  const bindingIssues = checkBindings(resolved, { readCertificates: options.readCertificates });
  if (bindingIssues.length > 0) throw new ConfigError('CONFIG_INVALID', options.source, bindingIssues);
  return resolved;
}

/** Parse YAML text (JSON is YAML too) and validate it. */
export function parseConfig(text: string, options: ConfigLocation): W3poolConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      'CONFIG_SYNTAX',
      options.source,
      doc.errors.map((e) => ({ pointer: '', reason: e.message.split('\n')[0] ?? e.message })),
    );
  }
  return validateConfig(doc.toJS(), options);
}

export async function loadConfigFile(
  path: string,
  logRoot?: string,
  check: Pick<ConfigLocation, 'readCertificates'> = {},
): Promise<W3poolConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError('CONFIG_UNREADABLE', file, [{ pointer: '', reason: (error as Error).message }]);
  }
  return parseConfig(text, { source: file, baseDir: dirname(file), logRoot, ...check });
}

function firstIssuePerPointer(value: unknown): ConfigIssue[] {
  const issues = new Map<string, string>();
  for (const error of Value.Errors(W3poolConfigSchema, value)) {
    // A union reports one error per branch; the first one per location is the useful one.
    if (!issues.has(error.path)) issues.set(error.path, describe(error.schema, error.message, error.value));
    if (issues.size >= 20) break;
  }
  return [...issues].map(([pointer, reason]) => ({ pointer, reason }));
}

/** TypeBox's messages, reworded where they would show a regex or an anonymous union to an admin. */
function describe(schema: TSchema, message: string, value: unknown): string {
  let reason = message;
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((branch) => branch.const as unknown);
  if (choices?.every((c) => typeof c === 'string')) reason = `Expected one of ${choices.join(', ')}`;
  else if (typeof schema.pattern === 'string' && schema.pattern.includes(':[0-5]')) {
    reason = 'Expected an IIS timespan [d.]hh:mm:ss[.fff], such as 00:01:30';
  } else if (schema.pattern === BCRYPT_HASH_PATTERN) {
    // Not echoed: a value that is not a hash is most likely the password itself.
    return 'Expected a bcrypt hash ($2a$, $2b$ or $2y$), not a password: docs/security-modules.md shows how to make one';
  } else if (schema.pattern === BINDING_INFORMATION_PATTERN) {
    reason = 'Expected IP:port:host, such as *:80: or 127.0.0.1:8080:www.contoso.com';
  }
  return value === undefined ? `${reason} (missing)` : `${reason}, got ${JSON.stringify(value)}`;
}

function resolvePaths(config: W3poolConfig, baseDir: string, logRoot: string): W3poolConfig {
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const logPath = (p: string) => (isAbsolute(p) ? p : resolve(logRoot, p));
  config.httpSys.errorLoggingDir = logPath(config.httpSys.errorLoggingDir);
  config.httpSys.certificateStoreDirectory = absolute(config.httpSys.certificateStoreDirectory);
  config.centralCertProvider.certStoreLocation = absolute(config.centralCertProvider.certStoreLocation);
  for (const site of config.sites) {
    site.logFile.directory = logPath(site.logFile.directory);
    for (const binding of site.bindings) {
      if (binding.certificateFile) binding.certificateFile = absolute(binding.certificateFile);
      if (binding.certificateKeyFile) binding.certificateKeyFile = absolute(binding.certificateKeyFile);
      if (binding.clientCertificateAuthorities) {
        binding.clientCertificateAuthorities = absolute(binding.clientCertificateAuthorities);
      }
      if (binding.ocspResponseFile) binding.ocspResponseFile = absolute(binding.ocspResponseFile);
    }
    for (const app of site.applications) {
      for (const vdir of app.virtualDirectories) vdir.physicalPath = absolute(vdir.physicalPath);
    }
  }
  // Module and program paths that start with `.` are relative to the config file; a bare name (php-cgi)
  // is looked up in PATH when it runs.
  const relative = (p: string) => (p.startsWith('.') || isAbsolute(p) ? absolute(p) : p);
  for (const { webServer } of webServerTrees(config)) {
    for (const handler of webServer.handlers?.list ?? []) {
      if (handler.type) handler.type = relative(handler.type);
      if (handler.scriptProcessor) handler.scriptProcessor = programPath(handler.scriptProcessor, relative);
    }
    for (const module of webServer.modules ?? []) if (module.type) module.type = relative(module.type);
    for (const module of webServer.globalModules ?? []) module.image = absolute(module.image);
    for (const app of webServer.fastCgi?.applications ?? []) {
      app.fullPath = relative(app.fullPath);
      if (app.monitorChangesTo) app.monitorChangesTo = absolute(app.monitorChangesTo);
    }
    for (const entry of webServer.security?.isapiCgiRestriction?.list ?? [])
      entry.path = relative(entry.path);
    const basic = webServer.security?.authentication?.basicAuthentication;
    if (basic?.usersFile) basic.usersFile = absolute(basic.usersFile);
  }
  // httpErrors File paths: a site's or application's resolve against its root (response-paths.ts).
  resolveHttpErrorsPaths(config, baseDir);
  return config;
}

/**
 * A scriptProcessor's program resolved; the rest kept as written: FastCGI's `fullPath|arguments` names its
 * fastCgi entry by the arguments, and a CGI program may be followed by ` %s`.
 */
function programPath(scriptProcessor: string, resolve: (p: string) => string): string {
  const bar = scriptProcessor.indexOf('|');
  if (bar >= 0) return resolve(scriptProcessor.slice(0, bar)) + scriptProcessor.slice(bar);
  return scriptProcessor.startsWith('.') ? resolve(scriptProcessor) : scriptProcessor;
}
