import { effectiveWebServer } from './effective-web-server.js';
import type { W3poolConfig } from './schema/w3pool-config.js';

/** system.webServer/security/access@sslFlags, parsed: what a request must bring over TLS. */
export interface AccessSslFlags {
  /** Ssl: no plain HTTP (403.4). */
  ssl: boolean;
  /** Ssl128: a cipher key of 128 bits at least (403.5). */
  ssl128: boolean;
  /** SslNegotiateCert: ask clients for a certificate during the handshake. */
  negotiateCert: boolean;
  /** SslRequireCert: no request without a valid, trusted client certificate (403.7, 403.16, 403.17). */
  requireCert: boolean;
}

/** The flags of a comma list as the schema admits it (`Ssl, SslNegotiateCert`); IIS compares names ignoring case. */
export function parseAccessSslFlags(flags: string): AccessSslFlags {
  const names = new Set(flags.split(',').map((name) => name.trim().toLowerCase()));
  return {
    ssl: names.has('ssl'),
    ssl128: names.has('ssl128'),
    negotiateCert: names.has('sslnegotiatecert'),
    requireCert: names.has('sslrequirecert'),
  };
}

/**
 * Whether an https endpoint serving these sites (all of them without `siteIds`) must ask clients for a
 * certificate in its handshakes: true when the access@sslFlags in force for some application of them —
 * the server's, a site's or an application's own setting, merged as IIS merges <location> sections — has
 * SslNegotiateCert or SslRequireCert. TLS asks once per connection, before any URL is known, so one
 * application that wants certificates makes the whole endpoint ask; clients without one carry on.
 */
export function wantsClientCertificates(config: W3poolConfig, siteIds?: Iterable<number>): boolean {
  const only = siteIds === undefined ? undefined : new Set(siteIds);
  for (const site of config.sites) {
    if (only && !only.has(site.id)) continue;
    for (const app of site.applications) {
      const flags = parseAccessSslFlags(
        effectiveWebServer(config, site.id, app.path).security.access.sslFlags,
      );
      if (flags.negotiateCert || flags.requireCert) return true;
    }
  }
  return false;
}
