// Reading a CGI response's head (RFC 3875 section 6) and turning it into the handler's response, for the
// extensions that run CGI programs or FastCGI responders: `@w3pool/extension-sdk/cgi`.
export * from './response-head.js';
export * from './response-kind.js';
export * from './inherited-environment.js';
export * from './tls-variables.js';
