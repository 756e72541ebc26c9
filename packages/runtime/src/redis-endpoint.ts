import { W3poolError } from '@w3pool/protocol';

/** host:port of one Redis or Sentinel node. */
export interface RedisNode {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
}

/**
 * Where the system's Redis is, as REDIS_URL names it (docs/scale-out.md has the formats):
 * - `redis://[user:password@]host[:port][/db]` (or `rediss://`, TLS): one Redis;
 * - `redis+sentinel://[user:password@]host:port[,host:port...]/<master name>[/db]`: the primary that a
 *   Sentinel group names, followed through failovers; `?sentinelPassword=` when the sentinels want one.
 */
export type RedisEndpoint =
  | { kind: 'single'; url: string }
  | ({
      kind: 'sentinel';
      sentinels: RedisNode[];
      masterName: string;
      db: number;
      sentinelPassword?: string;
    } & Credentials);

const SENTINEL_PORT = 26379;

export function parseRedisEndpoint(url: string): RedisEndpoint {
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'single', url };
  if (scheme === 'redis+sentinel') return parseSentinel(url);
  throw invalid(
    url,
    scheme
      ? `the scheme ${scheme}:// is not one of redis://, rediss:// or redis+sentinel://`
      : 'it is not a URL (redis://host:port)',
  );
}

/** The URL without its password, for logs. */
export function describeRedisEndpoint(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_all, scheme: string, auth: string) => {
    const user = auth.includes(':') ? auth.slice(0, auth.indexOf(':')) : '';
    return `${scheme}${user}:***@`;
  });
}

function parseSentinel(url: string): RedisEndpoint {
  // new URL() accepts one host only, so the host list is taken apart here.
  const rest = url.slice('redis+sentinel://'.length);
  const [beforeQuery = '', query = ''] = splitOnce(rest, '?');
  const [authority = '', path = ''] = splitOnce(beforeQuery, '/');
  const at = authority.lastIndexOf('@');
  const credentials = at >= 0 ? parseCredentials(authority.slice(0, at)) : {};
  const hosts = at >= 0 ? authority.slice(at + 1) : authority;
  const sentinels = hosts.split(',').map((hostPort) => parseNode(url, hostPort));
  const [masterName = '', db = '0', ...extra] = path.split('/').map(decodeURIComponent);
  if (!masterName) throw invalid(url, 'it names no master: redis+sentinel://host:26379/<master name>');
  if (extra.length > 0 || !/^\d+$/.test(db)) throw invalid(url, `"${path}" is not <master name>[/db]`);
  const params = new URLSearchParams(query);
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels,
    masterName,
    db: Number(db),
    ...credentials,
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

function parseNode(url: string, hostPort: string): RedisNode {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(hostPort);
  if (!match) throw invalid(url, `"${hostPort}" is not host:port`);
  const port = match[2] === undefined ? SENTINEL_PORT : Number(match[2]);
  if (port < 1 || port > 65535) throw invalid(url, `port ${port} is out of range`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function parseCredentials(auth: string): Credentials {
  const [user = '', password] = splitOnce(auth, ':');
  return {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password !== undefined && password !== '' ? { password: decodeURIComponent(password) } : {}),
  };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

function invalid(url: string, reason: string): W3poolError {
  return new W3poolError('CONFIG_REDIS_URL_INVALID', `${describeRedisEndpoint(url)}: ${reason}.`);
}
