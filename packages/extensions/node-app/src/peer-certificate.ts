import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { HandlerRequest } from '@w3pool/extension-sdk';

/** What a TLS socket tells an application of the client's certificate, as Node's TLSSocket does. */
export interface ClientCertificateView {
  /** TLSSocket.authorized: the client sent a certificate its authorities trust, valid now. */
  readonly authorized: boolean;
  /** TLSSocket.getPeerCertificate(): the certificate, or `{}` when the client sent none. */
  getPeerCertificate(): PeerCertificate | Record<string, never>;
}

/**
 * The client certificate of an https request, from the server variables the worker fills: SSL_CLIENT_CERT
 * (PEM) and CERT_FLAGS (bit 0 present, bit 1 untrusted issuer). Apps that check client certificates read
 * `req.socket.authorized` and `req.socket.getPeerCertificate()`, as behind Node's own https server.
 */
export function clientCertificateView(request: HandlerRequest): ClientCertificateView {
  const pem = request.serverVariable('SSL_CLIENT_CERT') ?? '';
  const flags = Number(request.serverVariable('CERT_FLAGS') || 0);
  let parsed: PeerCertificate | undefined;
  return {
    // The worker already refused expired ones under SslRequireCert; without it, the dates decide here too.
    authorized: pem !== '' && (flags & 3) === 1 && withinValidity(pem),
    getPeerCertificate: () => {
      if (pem === '') return {};
      parsed ??= new X509Certificate(pem).toLegacyObject();
      return parsed;
    },
  };
}

function withinValidity(pem: string): boolean {
  const x509 = new X509Certificate(pem);
  const now = Date.now();
  return Date.parse(x509.validFrom) <= now && now <= Date.parse(x509.validTo);
}
