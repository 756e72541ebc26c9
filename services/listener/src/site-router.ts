import {
  timeSpanToMs,
  type Application,
  type Binding,
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
  binding: Binding;
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
  /** https: TLS (and HTTP/2 through ALPN) on this socket. A port is either http or https. */
  secure: boolean;
  /** The https bindings this socket serves (the certificates, SNI names and sslFlags); none for http. */
  bindings: SecureBinding[];
}

/** An https binding as its endpoint serves it. */
export interface SecureBinding {
  site: Site;
  binding: Binding;
  /** The binding's host name, lower-cased; '' for none. */
  host: string;
}

/**
 * http.sys's URL-prefix routing, compiled once per configuration version. A request goes to the site whose
 * binding matches its local address, port and Host header, in http.sys's precedence: explicit host before
 * wildcard host, and an IP-bound binding before an all-addresses one. Within the site, the application with
 * the longest matching virtual path wins, and that application's pool gets the request.
 */
/** An application of a site, with everything routing needs, compiled once per configuration version. */
interface CompiledApplication {
  /** The virtual path lower-cased, without a trailing slash ('' for `/`). */
  prefix: string;
  /** `prefix/`: a path under the application. */
  under: string;
  /** The same Route object for every request to it: nothing is built per request. */
  route: Route;
}

export class SiteRouter {
  private readonly bindings: CompiledBinding[];
  /** Per site, longest virtual path first, so the first match is the longest. */
  private readonly applications = new Map<number, CompiledApplication[]>();

  constructor(config: W3poolConfig) {
    // Stopped sites keep their bindings, so that their requests get 503 Disabled rather than 400.
    this.bindings = config.sites
      .flatMap((site) =>
        site.bindings.map((b) => {
          const [ip = '', port = '0', host = ''] = splitBinding(b.bindingInformation);
          return {
            site,
            binding: b,
            ip: ip === '*' || ip === '' ? undefined : ip.replace(/^\[|\]$/g, ''),
            port: Number(port),
            host: host.toLowerCase(),
          };
        }),
      )
      // Most specific first, so route() can take the first match.
      .sort((a, b) => specificity(b) - specificity(a));
    const pools = new Map(config.applicationPools.map((p) => [p.name, p]));
    for (const site of config.sites) {
      const compiled: CompiledApplication[] = [];
      for (const application of [...site.applications].sort((a, b) => b.path.length - a.path.length)) {
        const pool = pools.get(application.applicationPool);
        if (!pool) continue;
        const prefix = application.path.toLowerCase().replace(/\/$/, '');
        compiled.push({ prefix, under: `${prefix}/`, route: compileRoute(site, application, pool) });
      }
      this.applications.set(site.id, compiled);
    }
  }

  /** A Host header is one of a few values: each is parsed once (up to a bound), not per request. */
  private readonly hosts = new Map<string | undefined, string>();
  private hostName(header: string | undefined): string {
    let host = this.hosts.get(header);
    if (host === undefined) {
      if (this.hosts.size >= 1000) this.hosts.clear();
      host = hostName(header);
      this.hosts.set(header, host);
    }
    return host;
  }

  endpoints(): Endpoint[] {
    const byPort = new Map<number, CompiledBinding[]>();
    for (const b of this.bindings) byPort.set(b.port, [...(byPort.get(b.port) ?? []), b]);
    const endpoints: Endpoint[] = [];
    for (const [port, bindings] of byPort) {
      // Validation makes the bindings that share a socket agree on http or https.
      const endpoint = (host: string | undefined, served: CompiledBinding[]): Endpoint => {
        const secure = served.some((b) => b.binding.protocol === 'https');
        return {
          host,
          port,
          secure,
          bindings: secure ? served.map((b) => ({ site: b.site, binding: b.binding, host: b.host })) : [],
        };
      };
      // A wildcard socket already receives every address on the port; a second, specific one would collide.
      if (bindings.some((b) => b.ip === undefined)) endpoints.push(endpoint(undefined, bindings));
      else {
        for (const ip of new Set(bindings.map((b) => b.ip))) {
          endpoints.push(
            endpoint(
              ip,
              bindings.filter((b) => b.ip === ip),
            ),
          );
        }
      }
    }
    return endpoints;
  }

  route(
    localAddress: string,
    localPort: number,
    hostHeader: string | undefined,
    path: string,
  ): Route | undefined {
    const host = this.hostName(hostHeader);
    const address = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
    let binding: CompiledBinding | undefined;
    for (const b of this.bindings) {
      if (
        b.port === localPort &&
        (b.ip === undefined || b.ip === address) &&
        (b.host === '' || b.host === host)
      ) {
        binding = b;
        break;
      }
    }
    if (!binding) return undefined;
    const applications = this.applications.get(binding.site.id) ?? [];
    // One application at `/` (most sites): no need to look at the path.
    if (applications.length === 1 && applications[0]!.prefix === '') return applications[0]!.route;
    const lower = path.toLowerCase();
    return applications.find((a) => a.prefix === '' || lower === a.prefix || lower.startsWith(a.under))
      ?.route;
  }
}

function compileRoute(site: Site, application: Application, pool: ApplicationPool): Route {
  const siteTimeoutMs = timeSpanToMs(site.limits.connectionTimeout);
  const pm = pool.processModel;
  return {
    site,
    application,
    pool,
    queueTimeoutMs: timeSpanToMs(pool.queueTimeout) || siteTimeoutMs,
    bodyTimeoutMs: siteTimeoutMs,
    workerSilenceMs: timeSpanToMs(pm.pingInterval) + timeSpanToMs(pm.pingResponseTime),
  };
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
