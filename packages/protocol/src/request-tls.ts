// What the listener knows of a request's TLS connection, as http.sys hands it to w3wp: the HTTPS_*, CERT_*
// and CRYPT_* server variables and the security/access@sslFlags checks are made from it. Computed once per
// connection by the listener; it travels with each job as a positional array like the job itself.

/** The client certificate the client sent (IIS's HTTP_SSL_CLIENT_CERT_INFO). */
export interface ClientCertificate {
  /** `C=US, O=Contoso, CN=alice`: CryptoAPI's X.500 string, in the certificate's order (CERT_SUBJECT). */
  subject: string;
  /** CERT_ISSUER, formatted as subject. */
  issuer: string;
  /** Hex bytes separated by `-`, as IIS formats CERT_SERIALNUMBER (`04-67-F3-02`). */
  serialNumber: string;
  /** Epoch ms of notBefore and notAfter. */
  validFrom: number;
  validTo: number;
  /** SHA-256 of the DER, lower-case hex without separators: CERT_COOKIE. */
  fingerprint256: string;
  /** Whether the chain verified against the binding's trusted authorities (Node's socket.authorized). */
  authorized: boolean;
  /** OpenSSL's reason when not authorized (`CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...); '' otherwise. */
  authorizationError: string;
  /** The certificate's DER, base64: what a PEM body holds. */
  der: string;
}

export interface RequestTls {
  /** The negotiated protocol as Node names it: `TLSv1.2`, `TLSv1.3`. */
  protocol: string;
  /** The cipher suite's OpenSSL name (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`). */
  cipher: string;
  /** Bits of the bulk cipher's key: HTTPS_KEYSIZE and CERT_KEYSIZE. */
  keySize: number;
  /** Bits of the server certificate's key: HTTPS_SECRETKEYSIZE and CERT_SECRETKEYSIZE. */
  secretKeySize: number;
  /** The certificate the server presented (the one SNI chose), formatted as ClientCertificate.subject. */
  serverSubject: string;
  serverIssuer: string;
  /** Absent when the client sent none. */
  clientCertificate?: ClientCertificate;
}

/** The tls field of an encoded job: nil over plain HTTP, so a plain request pays one byte for it. */
export function encodeRequestTls(tls: RequestTls | undefined): unknown[] | null {
  if (!tls) return null;
  const c = tls.clientCertificate;
  return [
    tls.protocol,
    tls.cipher,
    tls.keySize,
    tls.secretKeySize,
    tls.serverSubject,
    tls.serverIssuer,
    c
      ? [
          c.subject,
          c.issuer,
          c.serialNumber,
          c.validFrom,
          c.validTo,
          c.fingerprint256,
          c.authorized,
          c.authorizationError,
          c.der,
        ]
      : null,
  ];
}

/** Decode the tls field; a string naming what is wrong when it is not one. */
export function decodeRequestTls(field: unknown): RequestTls | undefined | string {
  if (field === null || field === undefined) return undefined;
  if (!Array.isArray(field) || field.length !== 7) return 'tls is not a list of 7 fields';
  const f = field as unknown[];
  const tls: RequestTls = {
    protocol: f[0] as string,
    cipher: f[1] as string,
    keySize: f[2] as number,
    secretKeySize: f[3] as number,
    serverSubject: f[4] as string,
    serverIssuer: f[5] as string,
  };
  for (const name of ['protocol', 'cipher', 'serverSubject', 'serverIssuer'] as const)
    if (typeof tls[name] !== 'string') return `tls.${name} is not a string`;
  for (const name of ['keySize', 'secretKeySize'] as const)
    if (!Number.isInteger(tls[name]) || tls[name] < 0) return `tls.${name} is not a bit count`;
  const client = f[6];
  if (client === null || client === undefined) return tls;
  if (!Array.isArray(client) || client.length !== 9) return 'tls.clientCertificate is not a list of 9 fields';
  const c = client as unknown[];
  const certificate: ClientCertificate = {
    subject: c[0] as string,
    issuer: c[1] as string,
    serialNumber: c[2] as string,
    validFrom: c[3] as number,
    validTo: c[4] as number,
    fingerprint256: c[5] as string,
    authorized: c[6] as boolean,
    authorizationError: c[7] as string,
    der: c[8] as string,
  };
  for (const name of [
    'subject',
    'issuer',
    'serialNumber',
    'fingerprint256',
    'authorizationError',
    'der',
  ] as const)
    if (typeof certificate[name] !== 'string') return `tls.clientCertificate.${name} is not a string`;
  for (const name of ['validFrom', 'validTo'] as const)
    if (!Number.isFinite(certificate[name])) return `tls.clientCertificate.${name} is not a time`;
  if (typeof certificate.authorized !== 'boolean') return 'tls.clientCertificate.authorized is not a boolean';
  tls.clientCertificate = certificate;
  return tls;
}
