import type { RequestJob, RequestTls } from '@w3pool/protocol';

// IIS's HTTPS_*, CERT_* and CRYPT_* server variables, from the TLS facts the listener put in the job. Over
// plain HTTP they are empty, as IIS reports them (HTTPS is `off`, SERVER_PORT_SECURE `0`).

type TlsVariable = (tls: RequestTls) => string;

/** CERT_FLAGS bit 0: the client sent a certificate. */
const CERT_FLAG_PRESENT = 1;
/** CERT_FLAGS bit 1: its authority is not one the server trusts. */
const CERT_FLAG_UNTRUSTED = 2;

/** OpenSSL's verification errors that are about the certificate's dates, not its issuer. */
export const VALIDITY_ERRORS: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);

/** SChannel's SP_PROT_*_SERVER values, which IIS reports in hex as CRYPT_PROTOCOL. */
const PROTOCOL_IDS: Readonly<Record<string, number>> = {
  TLSv1: 0x40,
  'TLSv1.1': 0x100,
  'TLSv1.2': 0x400,
  'TLSv1.3': 0x1000,
};

const hex = (id: number | undefined) => (id === undefined ? '' : id.toString(16));

/** CryptoAPI ALG_IDs of the suite's bulk cipher (CALG_AES_128, CALG_AES_256, CALG_3DES). */
function cipherAlgorithm(tls: RequestTls): number | undefined {
  if (/AES_?128/i.test(tls.cipher)) return 0x660e;
  if (/AES_?256/i.test(tls.cipher)) return 0x6610;
  if (/3DES|DES-CBC3/i.test(tls.cipher)) return 0x6603;
  return undefined;
}

/** CALG_SHA_384, CALG_SHA_256, CALG_SHA1: the suite's hash. */
function hashAlgorithm(tls: RequestTls): number | undefined {
  if (/SHA384$/i.test(tls.cipher)) return 0x800d;
  if (/SHA256$/i.test(tls.cipher) || /POLY1305/i.test(tls.cipher)) return 0x800c;
  if (/SHA$/i.test(tls.cipher)) return 0x8004;
  return undefined;
}

/** CALG_ECDH_EPHEM, CALG_DH_EPHEM or CALG_RSA_KEYX. TLS 1.3 suites name none: Node negotiates ECDHE. */
function keyExchangeAlgorithm(tls: RequestTls): number {
  if (tls.protocol === 'TLSv1.3' || /^ECDHE-/i.test(tls.cipher)) return 0xae06;
  if (/^DHE-/i.test(tls.cipher)) return 0xaa02;
  return 0xa400;
}

function certFlags(tls: RequestTls): string {
  const client = tls.clientCertificate;
  if (!client) return '0';
  const untrusted = !client.authorized && !VALIDITY_ERRORS.has(client.authorizationError);
  return String(CERT_FLAG_PRESENT | (untrusted ? CERT_FLAG_UNTRUSTED : 0));
}

/** The client certificate as PEM, as Apache's SSL_CLIENT_CERT and nginx's $ssl_client_cert give it. */
function clientPem(tls: RequestTls): string {
  const der = tls.clientCertificate?.der;
  if (!der) return '';
  return `-----BEGIN CERTIFICATE-----\n${der.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

const keySize: TlsVariable = (tls) => String(tls.keySize);
const secretKeySize: TlsVariable = (tls) => String(tls.secretKeySize);
const serverSubject: TlsVariable = (tls) => tls.serverSubject;
const serverIssuer: TlsVariable = (tls) => tls.serverIssuer;

/** By upper-case name; each is '' over plain HTTP. */
export const TLS_VARIABLES: Readonly<Record<string, TlsVariable>> = {
  HTTPS_KEYSIZE: keySize,
  CERT_KEYSIZE: keySize,
  HTTPS_SECRETKEYSIZE: secretKeySize,
  CERT_SECRETKEYSIZE: secretKeySize,
  HTTPS_SERVER_SUBJECT: serverSubject,
  CERT_SERVER_SUBJECT: serverSubject,
  HTTPS_SERVER_ISSUER: serverIssuer,
  CERT_SERVER_ISSUER: serverIssuer,
  CERT_COOKIE: (tls) => tls.clientCertificate?.fingerprint256 ?? '',
  CERT_FLAGS: certFlags,
  CERT_SUBJECT: (tls) => tls.clientCertificate?.subject ?? '',
  CERT_ISSUER: (tls) => tls.clientCertificate?.issuer ?? '',
  CERT_SERIALNUMBER: (tls) => tls.clientCertificate?.serialNumber ?? '',
  CRYPT_PROTOCOL: (tls) => hex(PROTOCOL_IDS[tls.protocol]),
  CRYPT_CIPHER_ALG_ID: (tls) => hex(cipherAlgorithm(tls)),
  CRYPT_HASH_ALG_ID: (tls) => hex(hashAlgorithm(tls)),
  CRYPT_KEYEXCHANGE_ALG_ID: (tls) => hex(keyExchangeAlgorithm(tls)),
  // w3pool's addition, under mod_ssl's name: IIS hands the certificate itself out through
  // HSE_REQ_GET_CERT_INFO_EX, which a CGI or FastCGI program cannot call.
  SSL_CLIENT_CERT: clientPem,
};

/** A TLS variable of this request: its value, '' over plain HTTP, undefined when `key` is not one. */
export function tlsVariable(job: RequestJob, key: string): string | undefined {
  const variable = TLS_VARIABLES[key];
  if (!variable) return undefined;
  return job.tls ? variable(job.tls) : '';
}
