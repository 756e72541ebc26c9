import type { Binding } from '../schema/site.js';

/** IIS's binding@sslFlags bits (iis.md §1), by their IIS names. */
export const SSL_FLAGS = {
  Sni: 1,
  CentralCertStore: 2,
  DisableHTTP2: 4,
  DisableOCSPStapling: 8,
  DisableQUIC: 16,
  DisableTLS13OverTcp: 32,
  DisableLegacyTLS: 64,
} as const;

export type SslFlag = keyof typeof SSL_FLAGS;

export function hasSslFlag(binding: Pick<Binding, 'sslFlags'>, flag: SslFlag): boolean {
  return (binding.sslFlags & SSL_FLAGS[flag]) !== 0;
}
