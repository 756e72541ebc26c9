import { TLS_SERVER_VARIABLES } from '@w3pool/extension-sdk/cgi';
import type { HandlerRequest } from '@w3pool/extension-sdk';

// The FCGI_PARAMS of a request: the CGI/1.1 meta-variables (RFC 3875 section 4.1), what PHP needs on top
// (SCRIPT_FILENAME, REQUEST_URI, DOCUMENT_ROOT, REDIRECT_STATUS), a few of IIS's own server variables, and
// the request headers as HTTP_*.

/** IIS server variables passed along when the pipeline knows them, as IIS's FastCGI module does. */
const IIS_VARIABLES = [
  'APP_POOL_ID',
  'APPL_MD_PATH',
  'APPL_PHYSICAL_PATH',
  'INSTANCE_ID',
  'INSTANCE_META_PATH',
  'INSTANCE_NAME',
  'SERVER_PORT_SECURE',
  'UNENCODED_URL',
  'URL',
  'LOGON_USER',
  'AUTH_USER',
] as const;

/** Headers that become CONTENT_* variables, or must never reach the application as HTTP_*. */
const NOT_HTTP_VARIABLES = new Set([
  'content-type',
  'content-length',
  // httpoxy (CVE-2016-5385): a client's `Proxy:` header would become HTTP_PROXY, which many HTTP client
  // libraries read as their outbound proxy.
  'proxy',
]);

export function fastCgiParams(request: HandlerRequest): [string, string][] {
  const variable = (name: string) => request.serverVariable(name);
  const params: [string, string][] = [];
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) params.push([name, value]);
  };

  set('GATEWAY_INTERFACE', 'CGI/1.1');
  set('SERVER_SOFTWARE', variable('SERVER_SOFTWARE') ?? 'w3pool');
  set('SERVER_PROTOCOL', `HTTP/${request.httpVersion}`);
  set(
    'SERVER_NAME',
    variable('SERVER_NAME') ?? hostName(request.headers.get('host')) ?? request.localAddress,
  );
  set('SERVER_ADDR', variable('SERVER_ADDR') ?? request.localAddress);
  set('SERVER_PORT', variable('SERVER_PORT') ?? String(request.localPort));
  set('REQUEST_METHOD', request.method);
  set('REQUEST_URI', request.rawUrl);
  set('QUERY_STRING', request.query);
  set('SCRIPT_NAME', request.scriptName);
  set('SCRIPT_FILENAME', request.physicalPath);
  if (request.pathInfo !== '') {
    set('PATH_INFO', request.pathInfo);
    set('PATH_TRANSLATED', request.mapPath(request.pathInfo));
  }
  set('DOCUMENT_ROOT', variable('DOCUMENT_ROOT') ?? request.mapPath('/') ?? request.application.physicalPath);
  set('REMOTE_ADDR', request.remoteAddress);
  set('REMOTE_HOST', variable('REMOTE_HOST') ?? request.remoteAddress);
  set('REMOTE_PORT', String(request.remotePort));
  if (request.user.name !== '') {
    set('REMOTE_USER', request.user.name);
    set('AUTH_TYPE', request.user.authType);
  }
  // php-cgi refuses to run without it (cgi.force_redirect): it proves a web server started the request.
  set('REDIRECT_STATUS', '200');
  const https = variable('HTTPS') ?? 'off';
  set('HTTPS', https);
  for (const name of IIS_VARIABLES) set(name, variable(name));
  if (https.toLowerCase() === 'on') for (const name of TLS_SERVER_VARIABLES) set(name, variable(name));

  const contentType = request.headers.get('content-type');
  if (contentType !== undefined) set('CONTENT_TYPE', contentType);
  // A body of unknown length (chunked) streams without CONTENT_LENGTH; PHP then reads no form from it.
  if (request.contentLength >= 0 && (request.contentLength > 0 || hasBodyMethod(request.method)))
    set('CONTENT_LENGTH', String(request.contentLength));

  for (const [name, value] of request.headers) {
    // `X_Forwarded_For` would land on the same variable as `X-Forwarded-For`: such names are dropped, as
    // nginx and Apache do, so a client cannot pass one off as the other.
    if (NOT_HTTP_VARIABLES.has(name) || name.includes('_')) continue;
    set(`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value);
  }
  return params;
}

function hasBodyMethod(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** The Host header without its port (`[::1]:8080` → `[::1]`). */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || host;
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
