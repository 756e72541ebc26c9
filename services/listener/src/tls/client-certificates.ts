import { wantsClientCertificates, type W3poolConfig } from '@w3pool/config';
import type { Endpoint } from '../site-router.js';

/**
 * Whether an https socket asks clients for a certificate during the handshake: when some application of a
 * site it serves has access@sslFlags SslNegotiateCert or SslRequireCert. TLS has one request per
 * connection, made before the URL is known, so it is asked for the whole socket; clients without one
 * carry on, and the worker answers 403.7 where one is required.
 */
export function requestsClientCertificates(endpoint: Endpoint, config: W3poolConfig): boolean {
  return wantsClientCertificates(
    config,
    endpoint.bindings.map((served) => served.site.id),
  );
}
