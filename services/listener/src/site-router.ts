import {
  timeSpanToMs,
  type Application,
  type ApplicationPool,
  type Site,
  type W3poolConfig,
} from '@w3pool/config';

export interface Route {
  site: Site;
  application: Application;
  pool: ApplicationPool;
  /**
   * How long the request may wait in its pool queue (http.sys Timer_AppPool): the pool's queueTimeout, or
   * else the site's connectionTimeout, as in IIS.
   */
  queueTimeoutMs: number;
  /** The site's connectionTimeout in ms: the entity-body timer while the body is read. */
  bodyTimeoutMs: number;
  /**
   * How long a worker of the pool may go unheard before it counts as dead (pingInterval + pingResponseTime,
   * as WAS judges a worker): past it, a request it holds that nobody settled is answered 502.3.
   */
  workerSilenceMs: number;
}

interface CompiledBinding {
  site: Site;
  /** undefined for `*` / empty: any local address. */
  ip: string | undefined;
  port: number;
  /** lower-cased; '' matches any Host. */
  host: string;
}

/** Where the listener must listen: one socket per port for wildcard bindings, else one per address. */
export interface Endpoint {
  host: string | undefined;
  port: number;
}

/**
 * http.sys's URL-prefix routing, compiled once per configuration version. A request goes to the site whose
 * binding matches its local address, port and Host header, in http.sys's precedence: explicit host before
 * wildcard host, and an IP-bound binding before an all-addresses one. Within the site, the application with
 * the longest matching virtual path wins, and that application's pool gets the request.
 */
export class SiteRouter {
  private readonly bindings: CompiledBinding[];
  private readonly applications = new Map<number, Application[]>();
  private readonly siteTimeouts = new Map<number, number>();
  private readonly pools = new Map<
    string,
    { pool: ApplicationPool; queueTimeoutMs: number; workerSilenceMs: number }
  >();

  constructor(config: W3poolConfig) {
    // Stopped sites keep their bindings, so that their requests get 503 Disabled rather than 400.
    this.bindings = config.sites
      .flatMap((site) =>
        site.bindings
          .filter((b) => b.protocol === 'http')
          .map((b) => {
            const [ip = '', port = '0', host = ''] = splitBinding(b.bindingInformation);
            return {
              site,
              ip: ip === '*' || ip === '' ? undefined : ip.replace(/^\[|\]$/g, ''),
              port: Number(port),
              host: host.toLowerCase(),
            };
          }),
      )
      // Most specific first, so route() can take the first match.
      .sort((a, b) => specificity(b) - specificity(a));
    for (const site of config.sites) {
      this.applications.set(
        site.id,
        [...site.applications].sort((a, b) => b.path.length - a.path.length),
      );
      this.siteTimeouts.set(site.id, timeSpanToMs(site.limits.connectionTimeout));
    }
    for (const pool of config.applicationPools) {
      const pm = pool.processModel;
      this.pools.set(pool.name, {
        pool,
        queueTimeoutMs: timeSpanToMs(pool.queueTimeout),
        workerSilenceMs: timeSpanToMs(pm.pingInterval) + timeSpanToMs(pm.pingResponseTime),
      });
    }
  }

  endpoints(): Endpoint[] {
    const byPort = new Map<number, Set<string | undefined>>();
    for (const b of this.bindings) {
      const hosts = byPort.get(b.port) ?? new Set();
      hosts.add(b.ip);
      byPort.set(b.port, hosts);
    }
    const endpoints: Endpoint[] = [];
    for (const [port, hosts] of byPort) {
      // A wildcard socket already receives every address on the port; a second, specific one would collide.
      if (hosts.has(undefined)) endpoints.push({ host: undefined, port });
      else for (const host of hosts) endpoints.push({ host, port });
    }
    return endpoints;
  }

  route(
    localAddress: string,
    localPort: number,
    hostHeader: string | undefined,
    path: string,
  ): Route | undefined {
    const host = hostName(hostHeader);
    const address = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
    const binding = this.bindings.find(
      (b) =>
        b.port === localPort &&
        (b.ip === undefined || b.ip === address) &&
        (b.host === '' || b.host === host),
    );
    if (!binding) return undefined;
    const lower = path.toLowerCase();
    const application = this.applications.get(binding.site.id)?.find((app) => {
      const prefix = app.path.toLowerCase().replace(/\/$/, '');
      return prefix === '' || lower === prefix || lower.startsWith(`${prefix}/`);
    });
    const pool = application && this.pools.get(application.applicationPool);
    if (!application || !pool) return undefined;
    return {
      site: binding.site,
      application,
      pool: pool.pool,
      queueTimeoutMs: pool.queueTimeoutMs || (this.siteTimeouts.get(binding.site.id) ?? 0),
      bodyTimeoutMs: this.siteTimeouts.get(binding.site.id) ?? 0,
      workerSilenceMs: pool.workerSilenceMs,
    };
  }
}

function specificity(b: CompiledBinding): number {
  return (b.host === '' ? 0 : 2) + (b.ip === undefined ? 0 : 1);
}

/** `ip:port:host`, where the IP may be a bracketed IPv6 address containing colons. */
function splitBinding(info: string): string[] {
  const last = info.lastIndexOf(':');
  const middle = info.lastIndexOf(':', last - 1);
  return [info.slice(0, middle), info.slice(middle + 1, last), info.slice(last + 1)];
}

/** The Host header without its port, lower-cased; IPv6 literals keep their brackets off. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}
