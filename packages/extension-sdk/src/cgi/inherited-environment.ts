/**
 * The variables a CGI program or FastCGI process inherits from the worker: the few it needs to run at all
 * (where programs are, the locale, the time zone, a temporary directory), never the worker's whole
 * environment, which holds the worker's own settings (REDIS_URL with its password, ...) that a script
 * could print. Windows's IIS passes SystemRoot for the same reason; php-fpm clears its workers' environment
 * (clear_env) likewise.
 */
const INHERITED = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'] as const;

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Those variables from the worker's environment, plus `alsoInherit` (a runtime's own, such as PHPRC). */
export function inheritedEnvironment(
  worker: NodeJS.ProcessEnv,
  alsoInherit: readonly string[] = [],
): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of [...INHERITED, ...alsoInherit]) {
    const value = worker[name];
    if (value !== undefined && value !== '') base[name] = value;
  }
  base.PATH ??= DEFAULT_PATH;
  return base;
}
