import type { RequestUser } from '@w3pool/extension-sdk';
import type { RequestJob } from '@w3pool/protocol';
import { tlsVariable } from './tls-variables.js';

/** SERVER_SOFTWARE, as IIS answers `Microsoft-IIS/10.0`. */
export const SERVER_SOFTWARE = 'w3pool/0.1';

/** What the server variables of one request are made from, besides the job itself. */
export interface VariableSources {
  pool: string;
  site: { readonly id: number; readonly name: string };
  appPath: string;
  /** APPL_PHYSICAL_PATH without its trailing separator. */
  appRoot: string;
  scriptName: string;
  pathInfo: string;
  /** The mapping's allowPathInfo: without it IIS reports the whole URL as PATH_INFO. */
  allowPathInfo: boolean;
  scriptPath: string;
  headers: ReadonlyMap<string, string>;
  user: RequestUser;
  mapPath(url: string): string | undefined;
}

type Variable = (job: RequestJob, s: VariableSources) => string;

const user: Variable = (_job, s) => s.user.name;
const method: Variable = (job) => job.method;
const rawUrl: Variable = (job) => job.rawUrl;
const protocol: Variable = (job) => `HTTP/${job.httpVersion}`;
const localAddress: Variable = (job) => job.localAddress;
const remoteAddress: Variable = (job) => job.remoteAddress;
const scriptPath: Variable = (_job, s) => s.scriptPath;
const pathInfo: Variable = (job, s) => (s.allowPathInfo ? s.pathInfo : job.path);

/** The variables of IIS's list (iis.md §5d) that mean something here, by upper-case name. */
const VARIABLES: Readonly<Record<string, Variable>> = {
  ALL_HTTP: (_job, s) =>
    [...s.headers]
      .map(([header, value]) => `HTTP_${header.toUpperCase().replaceAll('-', '_')}:${value}\n`)
      .join(''),
  ALL_RAW: (job) => {
    let raw = '';
    for (let i = 0; i + 1 < job.headers.length; i += 2) raw += `${job.headers[i]}: ${job.headers[i + 1]}\r\n`;
    return raw;
  },
  APPL_MD_PATH: (_job, s) => `/LM/W3SVC/${s.site.id}/ROOT${s.appPath === '/' ? '' : s.appPath}`,
  APPL_PHYSICAL_PATH: (_job, s) => `${s.appRoot}/`,
  APP_POOL_ID: (_job, s) => s.pool,
  AUTH_TYPE: (_job, s) => s.user.authType,
  AUTH_USER: user,
  LOGON_USER: user,
  REMOTE_USER: user,
  UNMAPPED_REMOTE_USER: user,
  // IIS hands the Basic password to extensions; w3pool never does.
  AUTH_PASSWORD: () => '',
  CONTENT_LENGTH: (job) => String(Math.max(job.bodyLength, 0)),
  CONTENT_TYPE: (_job, s) => s.headers.get('content-type') ?? '',
  DOCUMENT_ROOT: (_job, s) => s.appRoot,
  GATEWAY_INTERFACE: () => 'CGI/1.1',
  HTTPS: (job) => (job.tls ? 'on' : 'off'),
  SERVER_PORT_SECURE: (job) => (job.tls ? '1' : '0'),
  HTTP_METHOD: method,
  REQUEST_METHOD: method,
  HTTP_URL: rawUrl,
  UNENCODED_URL: rawUrl,
  REQUEST_URI: rawUrl,
  HTTP_VERSION: protocol,
  SERVER_PROTOCOL: protocol,
  INSTANCE_ID: (_job, s) => String(s.site.id),
  INSTANCE_META_PATH: (_job, s) => `/LM/W3SVC/${s.site.id}`,
  INSTANCE_NAME: (_job, s) => s.site.name,
  LOCAL_ADDR: localAddress,
  SERVER_ADDR: localAddress,
  MANAGED_PIPELINE_MODE: () => 'Integrated',
  PATH_INFO: pathInfo,
  PATH_TRANSLATED: (job, s) => {
    const info = pathInfo(job, s);
    return info ? (s.mapPath(info) ?? '') : s.scriptPath;
  },
  QUERY_STRING: (job) => job.query,
  REMOTE_ADDR: remoteAddress,
  REMOTE_HOST: remoteAddress,
  REMOTE_PORT: (job) => String(job.remotePort),
  REQUEST_FILENAME: scriptPath,
  SCRIPT_FILENAME: scriptPath,
  SCRIPT_TRANSLATED: scriptPath,
  SCRIPT_NAME: (_job, s) => s.scriptName,
  SERVER_NAME: (job, s) => hostName(s.headers.get('host')) || job.localAddress,
  SERVER_PORT: (job) => String(job.localPort),
  SERVER_SOFTWARE: () => SERVER_SOFTWARE,
  URL: (_job, s) => s.scriptName + (s.allowPathInfo ? s.pathInfo : ''),
};

/**
 * GetServerVariable for one request, computed when asked, since most requests ask for none or a few. A
 * header not sent is undefined, as IIS fails GetServerVariable for it; the other variables always have a
 * value, empty when it does not apply.
 */
export function serverVariable(job: RequestJob, s: VariableSources, name: string): string | undefined {
  const key = name.toUpperCase();
  const variable = VARIABLES[key];
  if (variable) return variable(job, s);
  if (key.startsWith('HTTP_')) return s.headers.get(key.slice(5).toLowerCase().replaceAll('_', '-'));
  return tlsVariable(job, key);
}

/** The host name of a Host header: without the port, and without the brackets of an IPv6 literal. */
function hostName(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}
