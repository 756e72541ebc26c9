/**
 * The connection's TLS server variables that IIS gives a CGI program or FastCGI responder over https, as it
 * does an ISAPI extension (PHP on IIS shows them in $_SERVER; Apache's mod_ssl has its own SSL_* names for
 * the same facts). Passed only over https, where they have values; HTTPS itself is passed always.
 */
export const TLS_SERVER_VARIABLES = [
  'HTTPS_KEYSIZE',
  'HTTPS_SECRETKEYSIZE',
  'HTTPS_SERVER_ISSUER',
  'HTTPS_SERVER_SUBJECT',
  'CERT_COOKIE',
  'CERT_FLAGS',
  'CERT_ISSUER',
  'CERT_KEYSIZE',
  'CERT_SECRETKEYSIZE',
  'CERT_SERIALNUMBER',
  'CERT_SERVER_ISSUER',
  'CERT_SERVER_SUBJECT',
  'CERT_SUBJECT',
] as const;
