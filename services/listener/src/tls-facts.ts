import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { ClientCertificate, RequestTls } from '@w3pool/protocol';

// What http.sys hands w3wp of a request's TLS connection (HTTP_SSL_INFO): protocol, cipher strength, the
// server certificate and the client's. The handshake settles all of it, so it is read once per connection
// and kept beside the socket: an HTTP/2 connection carries many requests, a keep-alive one several.

const facts = new WeakMap<TLSSocket, RequestTls>();

/** The TLS facts of the request's connection; undefined over plain HTTP. */
export function tlsFactsOf(request: IncomingMessage): RequestTls | undefined {
  const socket = tlsSocketOf(request);
  if (!socket) return undefined;
  let known = facts.get(socket);
  if (!known) {
    known = readTlsFacts(socket);
    facts.set(socket, known);
  }
  return known;
}

/**
 * The connection's own TLS socket. An HTTP/2 compat request's `socket` is a proxy of the session's socket:
 * its methods work, but it is a new object per stream, so it cannot key the cache.
 */
function tlsSocketOf(request: IncomingMessage): TLSSocket | undefined {
  const socket =
    request.httpVersionMajor === 2
      ? ((request as unknown as Http2ServerRequest).stream?.session?.socket as TLSSocket | undefined)
      : (request.socket as TLSSocket);
  return socket?.encrypted ? socket : undefined;
}

export function readTlsFacts(socket: TLSSocket): RequestTls {
  const cipher = socket.getCipher();
  const server = socket.getX509Certificate();
  const facts: RequestTls = {
    protocol: socket.getProtocol() ?? cipher?.version ?? '',
    cipher: cipher?.name ?? '',
    keySize: cipherKeyBits(cipher?.name ?? ''),
    secretKeySize: (socket.getCertificate() as { bits?: number } | null)?.bits ?? 0,
    serverSubject: server ? x500Name(server.subject) : '',
    serverIssuer: server ? x500Name(server.issuer) : '',
  };
  const client = socket.getPeerX509Certificate();
  if (client) facts.clientCertificate = clientCertificate(client, socket);
  return facts;
}

function clientCertificate(x509: X509Certificate, socket: TLSSocket): ClientCertificate {
  return {
    subject: x500Name(x509.subject),
    issuer: x500Name(x509.issuer),
    serialNumber: serialNumber(x509.serialNumber),
    validFrom: Date.parse(x509.validFrom),
    validTo: Date.parse(x509.validTo),
    fingerprint256: x509.fingerprint256.replaceAll(':', '').toLowerCase(),
    authorized: socket.authorized,
    authorizationError: socket.authorized ? '' : String(socket.authorizationError ?? ''),
    der: x509.raw.toString('base64'),
  };
}

/**
 * Bits of the bulk cipher's key, from the suite's name: TLS 1.3's `TLS_AES_128_GCM_SHA256` and OpenSSL's
 * TLS 1.2 names (`ECDHE-RSA-AES256-GCM-SHA384`, `ECDHE-ECDSA-CHACHA20-POLY1305`). 3DES counts 168, as
 * SChannel reports it. 0 for a suite this does not know.
 */
export function cipherKeyBits(name: string): number {
  const sized = /(?:AES|CAMELLIA|ARIA)_?(128|256)/i.exec(name);
  if (sized) return Number(sized[1]);
  if (/CHACHA20/i.test(name)) return 256;
  if (/3DES|DES-CBC3/i.test(name)) return 168;
  return 0;
}

/** OpenSSL's short names that CryptoAPI's CertNameToStr writes otherwise. */
const CRYPTOAPI_NAMES: Readonly<Record<string, string>> = {
  ST: 'S',
  emailAddress: 'E',
  title: 'T',
  GN: 'G',
  initials: 'I',
  serialNumber: 'SERIALNUMBER',
  street: 'STREET',
  postalCode: 'PostalCode',
};

/**
 * A distinguished name as IIS writes CERT_SUBJECT and CERT_ISSUER (CertNameToStr, CERT_X500_NAME_STR):
 * `C=US, S=Washington, O="Contoso, Ltd", CN=www.contoso.com`, in the certificate's order. Node gives one
 * attribute a line, RFC 2253 escapes inside values and ` + ` between the attributes of a multi-valued RDN.
 */
export function x500Name(multiline: string): string {
  const parts: string[] = [];
  for (const line of multiline.split('\n')) {
    for (const attribute of line.split(' + ')) {
      const equals = attribute.indexOf('=');
      if (equals <= 0) continue;
      const key = attribute.slice(0, equals);
      const value = unescapeRfc2253(attribute.slice(equals + 1));
      parts.push(`${CRYPTOAPI_NAMES[key] ?? key}=${quoted(value)}`);
    }
  }
  return parts.join(', ');
}

function unescapeRfc2253(value: string): string {
  if (!value.includes('\\')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i]!;
    const hex = char === '\\' ? /^[0-9A-Fa-f]{2}/.exec(value.slice(i + 1))?.[0] : undefined;
    if (hex) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      if (char === '\\') i += 1;
      bytes.push(...Buffer.from(value[i] ?? ''));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** CertNameToStr quotes a value holding a separator or edge spaces, doubling its quotes. */
function quoted(value: string): string {
  return /[,+=<>#;"\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** `4D8905…` → `4D-89-05-…`: hex bytes separated by `-`, as IIS writes CERT_SERIALNUMBER. */
export function serialNumber(hex: string): string {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return (even.toUpperCase().match(/../g) ?? []).join('-');
}
