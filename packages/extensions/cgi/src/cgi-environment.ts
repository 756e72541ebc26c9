import type { HandlerRequest } from '@w3pool/extension-sdk';
import { inheritedEnvironment, TLS_SERVER_VARIABLES } from '@w3pool/extension-sdk/cgi';

export type CgiEnvironment = Record<string, string>;

/** Made once when the mapping loads: what the program inherits from the worker (a short list, never all). */
export function baseEnvironment(worker: NodeJS.ProcessEnv): CgiEnvironment {
  return inheritedEnvironment(worker);
}

/**
 * A header name that may become an HTTP_* variable: letters, digits and `-` only. `X_Forwarded_For` and
 * `X-Forwarded-For` would otherwise both become HTTP_X_FORWARDED_FOR, and a proxy that checks one would
 * let a client forge the other.
 */
const PASSABLE_NAME = /^[A-Za-z0-9-]+$/;

/**
 * Request headers that do not become HTTP_* variables. `proxy`: httpoxy (CVE-2016-5385): HTTP_PROXY is
 * the variable many HTTP client libraries take their outgoing proxy from, so a client's `Proxy:` header
 * would route the script's own requests through the client's server. Content-Type and Content-Length are
 * CONTENT_TYPE and CONTENT_LENGTH already (RFC 3875 section 4.1.18).
 */
const NOT_PASSED = new Set(['proxy', 'content-type', 'content-length']);

/**
 * The RFC 3875 meta-variables for one request, plus what PHP expects of a web server (SCRIPT_FILENAME,
 * REQUEST_URI, DOCUMENT_ROOT, REDIRECT_STATUS), taken from the server variables an ISAPI extension would
 * read, so a CGI program and an extension see the same request.
 */
export function buildCgiEnvironment(request: HandlerRequest, base: CgiEnvironment): CgiEnvironment {
  const env: CgiEnvironment = { ...base };
  Object.assign(env, protocolVariables(request), requestVariables(request), phpVariables(request));
  for (const [name, value] of request.headers) {
    if (!PASSABLE_NAME.test(name) || NOT_PASSED.has(name)) continue;
    // Credentials the server itself checked are the server's; the script gets REMOTE_USER and AUTH_TYPE.
    if (name === 'authorization' && request.user.authType !== '') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  return env;
}

/** What RFC 3875 section 4.1 calls the server's and the connection's variables. */
function protocolVariables(request: HandlerRequest): CgiEnvironment {
  const variable = (name: string) => request.serverVariable(name);
  return {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: variable('SERVER_SOFTWARE') ?? 'w3pool',
    SERVER_PROTOCOL: variable('SERVER_PROTOCOL') ?? `HTTP/${request.httpVersion}`,
    SERVER_NAME: variable('SERVER_NAME') ?? hostName(request),
    SERVER_PORT: variable('SERVER_PORT') ?? String(request.localPort),
    SERVER_ADDR: variable('LOCAL_ADDR') ?? request.localAddress,
    REMOTE_ADDR: variable('REMOTE_ADDR') ?? request.remoteAddress,
    // Without reverse lookups, IIS (and RFC 3875 section 4.1.9) give the address.
    REMOTE_HOST: variable('REMOTE_HOST') ?? request.remoteAddress,
    REMOTE_PORT: variable('REMOTE_PORT') ?? String(request.remotePort),
    AUTH_TYPE: request.user.authType,
    REMOTE_USER: request.user.name,
  };
}

/** What the request asks for: method, script, extra path, query and body. */
function requestVariables(request: HandlerRequest): CgiEnvironment {
  const env: CgiEnvironment = {
    REQUEST_METHOD: request.method,
    // RFC 3875's SCRIPT_NAME and PATH_INFO split the URL at the mapped file; IIS's own PATH_INFO server
    // variable is the whole URL when allowPathInfo is false, which is why PHP has a workaround for IIS.
    SCRIPT_NAME: request.scriptName,
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
  };
  // PATH_TRANSLATED is PATH_INFO mapped as a URL of the site, and absent without PATH_INFO (section 4.1.6).
  if (request.pathInfo !== '') {
    const translated = request.mapPath(request.pathInfo);
    if (translated !== undefined) env.PATH_TRANSLATED = translated;
  }
  // No body, no CONTENT_LENGTH (section 4.1.2). A chunked body of unknown length has none either: the
  // script reads stdin to its end.
  if (request.contentLength > 0) env.CONTENT_LENGTH = String(request.contentLength);
  const contentType = request.headers.get('content-type');
  if (contentType !== undefined) env.CONTENT_TYPE = contentType;
  return env;
}

/** Over https: IIS's TLS variables, and SERVER_PORT_SECURE, which a CGI program has only then. */
const TLS_VARIABLES = [...TLS_SERVER_VARIABLES, 'SERVER_PORT_SECURE'] as const;

/** Not in RFC 3875, but set by every server PHP runs under; php-cgi needs REDIRECT_STATUS. */
function phpVariables(request: HandlerRequest): CgiEnvironment {
  const env: CgiEnvironment = {
    SCRIPT_FILENAME: request.physicalPath,
    REQUEST_URI: request.rawUrl,
    DOCUMENT_ROOT:
      request.serverVariable('DOCUMENT_ROOT') ?? request.mapPath('/') ?? request.application.physicalPath,
    // php-cgi's cgi.force_redirect refuses to run unless a web server (not a user on a shell) started it.
    REDIRECT_STATUS: '200',
  };
  if (request.serverVariable('HTTPS')?.toLowerCase() === 'on') {
    env.HTTPS = 'on';
    for (const name of TLS_VARIABLES) {
      const value = request.serverVariable(name);
      if (value !== undefined) env[name] = value;
    }
  }
  return env;
}

/** The Host header's name without its port; the local address if the request had none (HTTP/1.0). */
function hostName(request: HandlerRequest): string {
  const host = request.headers.get('host');
  if (!host) return request.localAddress;
  const bracket = host.indexOf(']');
  const colon = host.indexOf(':', bracket + 1);
  return colon === -1 ? host : host.slice(0, colon);
}
