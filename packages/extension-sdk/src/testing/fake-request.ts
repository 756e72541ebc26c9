import { W3poolError } from '@w3pool/protocol';
import type { HandlerRequest, RequestUser } from '../handler-request.js';

/** A body the test releases chunk by chunk (`null` ends it); `pulls` counts what the reader asked for. */
export class FakeBody {
  pulls = 0;
  private readonly queued: (Uint8Array | null)[] = [];
  private wake: (() => void) | undefined;

  push(chunk: Uint8Array | string | null): void {
    this.queued.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.wake?.();
  }

  async *stream(): AsyncGenerator<Uint8Array> {
    for (;;) {
      this.pulls += 1;
      while (this.queued.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const chunk = this.queued.shift()!;
      if (chunk === null) return;
      yield chunk;
    }
  }
}

export interface FakeRequestInit {
  id?: string;
  method?: string;
  /** UNENCODED_URL: path and query as the client sent them (default `/`). */
  url?: string;
  /** The decoded path; by default the URL's path, percent-decoded. */
  path?: string;
  httpVersion?: string;
  /**
   * The request headers, by name, or as the client sent them (name, value, name, value: ALL_RAW keeps
   * them so). Default: `Host: localhost`.
   */
  headers?: Readonly<Record<string, string>> | readonly string[];
  /**
   * The body: bytes (pre-read, as a small body is), a FakeBody the test feeds, or a function that streams
   * it. None by default.
   */
  body?: string | Uint8Array | FakeBody | (() => AsyncIterable<Uint8Array>);
  /** cbTotalBytes; by default the length of a body given as bytes, -1 for a streamed one, 0 without. */
  contentLength?: number;
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /** The connection is TLS (the HTTPS server variable). */
  https?: boolean;
  site?: { id: number; name: string };
  /** The application's virtual path and root directory (default `/` in `/srv/app`). */
  application?: { path: string; physicalPath: string };
  /** SCRIPT_FILENAME; by default the path mapped through mapPath. */
  physicalPath?: string;
  /** SCRIPT_NAME; by default the path without pathInfo. */
  scriptName?: string;
  pathInfo?: string;
  user?: RequestUser;
  /** HSE_REQ_MAP_URL_TO_PATH; by default a URL under the application's path maps into its root. */
  mapPath?: (url: string) => string | undefined;
  /** Server variables that answer instead of the computed ones; `undefined` makes one absent. */
  serverVariables?: Readonly<Record<string, string | undefined>>;
}

export const ANONYMOUS: RequestUser = { name: '', authType: '', roles: [] };

/** What the fake answers as SERVER_SOFTWARE. */
export const FAKE_SERVER_SOFTWARE = 'w3pool-test';

/**
 * The SDK's HandlerRequest for unit tests, made from a few fields: headers both as a map and as sent, a
 * body in memory or fed by the test, and serverVariable() answering the common IIS variables from the
 * request's own fields. `user` may be reassigned (a FakeRequestContext's authentication does).
 */
export class FakeRequest implements HandlerRequest {
  readonly id: string;
  readonly method: string;
  readonly rawUrl: string;
  readonly path: string;
  readonly query: string;
  readonly httpVersion: string;
  readonly headers: ReadonlyMap<string, string>;
  /** The headers as the client sent them: name, value, name, value. */
  readonly rawHeaders: readonly string[];
  readonly contentLength: number;
  readonly preloadedBody: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly https: boolean;
  readonly site: { readonly id: number; readonly name: string };
  readonly application: { readonly path: string; readonly physicalPath: string };
  readonly physicalPath: string;
  readonly scriptName: string;
  readonly pathInfo: string;
  user: RequestUser;
  private readonly streamBody: () => AsyncIterable<Uint8Array>;
  private readonly mapUrl: (url: string) => string | undefined;
  private readonly overrides: Readonly<Record<string, string | undefined>>;

  constructor(init: FakeRequestInit = {}) {
    const url = init.url ?? init.path ?? '/';
    const q = url.indexOf('?');
    this.id = init.id ?? 'r1';
    this.method = init.method ?? 'GET';
    this.rawUrl = url;
    this.path = init.path ?? decodeURIComponent(q === -1 ? url : url.slice(0, q));
    this.query = q === -1 ? '' : url.slice(q + 1);
    this.httpVersion = init.httpVersion ?? '1.1';
    this.rawHeaders = rawHeaderList(init.headers ?? ['Host', 'localhost']);
    this.headers = headerMap(this.rawHeaders);
    const body = init.body;
    const bytes =
      typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined;
    this.preloadedBody = bytes ?? new Uint8Array(0);
    this.contentLength = init.contentLength ?? (bytes ? bytes.length : body === undefined ? 0 : -1);
    this.streamBody =
      body instanceof FakeBody
        ? () => body.stream()
        : typeof body === 'function'
          ? body
          : async function* () {
              if (bytes && bytes.length > 0) yield await Promise.resolve(bytes);
            };
    this.remoteAddress = init.remoteAddress ?? '127.0.0.1';
    this.remotePort = init.remotePort ?? 50000;
    this.localAddress = init.localAddress ?? '127.0.0.1';
    this.localPort = init.localPort ?? 80;
    this.https = init.https ?? false;
    this.site = init.site ?? { id: 1, name: 'Default Web Site' };
    this.application = init.application ?? { path: '/', physicalPath: '/srv/app' };
    this.mapUrl = init.mapPath ?? ((u) => mapUnder(this.application, u));
    this.pathInfo = init.pathInfo ?? '';
    this.scriptName = init.scriptName ?? this.path.slice(0, this.path.length - this.pathInfo.length);
    this.physicalPath = init.physicalPath ?? this.mapUrl(this.scriptName) ?? '';
    this.user = init.user ?? ANONYMOUS;
    this.overrides = init.serverVariables ?? {};
  }

  bodyStream(): AsyncIterable<Uint8Array> {
    return this.streamBody();
  }

  async readBody(limit = Infinity): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of this.bodyStream()) {
      length += chunk.length;
      if (length > limit) throw new W3poolError('LISTENER_CONTENT_TOO_LARGE', `more than ${limit} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, length);
  }

  mapPath(url: string): string | undefined {
    return this.mapUrl(url);
  }

  serverVariable(name: string): string | undefined {
    const key = name.toUpperCase();
    if (Object.hasOwn(this.overrides, key)) return this.overrides[key];
    if (key.startsWith('HTTP_') && !(key in COMPUTED)) {
      return this.headers.get(key.slice(5).toLowerCase().replaceAll('_', '-'));
    }
    return COMPUTED[key]?.(this);
  }
}

/** The common server variables (services/worker's server-variables.ts has the whole list). */
const COMPUTED: Readonly<Record<string, (r: FakeRequest) => string>> = {
  ALL_RAW: (r) =>
    r.rawHeaders.reduce((all, part, i) => all + (i % 2 === 0 ? `${part}: ` : `${part}\r\n`), ''),
  APPL_MD_PATH: (r) => `/LM/W3SVC/${r.site.id}/ROOT${r.application.path === '/' ? '' : r.application.path}`,
  APPL_PHYSICAL_PATH: (r) => `${r.application.physicalPath.replace(/\/$/, '')}/`,
  AUTH_TYPE: (r) => r.user.authType,
  AUTH_USER: (r) => r.user.name,
  LOGON_USER: (r) => r.user.name,
  REMOTE_USER: (r) => r.user.name,
  CONTENT_LENGTH: (r) => String(Math.max(r.contentLength, 0)),
  CONTENT_TYPE: (r) => r.headers.get('content-type') ?? '',
  DOCUMENT_ROOT: (r) => r.application.physicalPath.replace(/\/$/, ''),
  GATEWAY_INTERFACE: () => 'CGI/1.1',
  HTTPS: (r) => (r.https ? 'on' : 'off'),
  SERVER_PORT_SECURE: (r) => (r.https ? '1' : '0'),
  REQUEST_METHOD: (r) => r.method,
  HTTP_METHOD: (r) => r.method,
  UNENCODED_URL: (r) => r.rawUrl,
  REQUEST_URI: (r) => r.rawUrl,
  HTTP_URL: (r) => r.rawUrl,
  SERVER_PROTOCOL: (r) => `HTTP/${r.httpVersion}`,
  HTTP_VERSION: (r) => `HTTP/${r.httpVersion}`,
  INSTANCE_ID: (r) => String(r.site.id),
  INSTANCE_NAME: (r) => r.site.name,
  LOCAL_ADDR: (r) => r.localAddress,
  SERVER_ADDR: (r) => r.localAddress,
  PATH_INFO: (r) => r.pathInfo || r.path,
  QUERY_STRING: (r) => r.query,
  REMOTE_ADDR: (r) => r.remoteAddress,
  REMOTE_HOST: (r) => r.remoteAddress,
  REMOTE_PORT: (r) => String(r.remotePort),
  SCRIPT_FILENAME: (r) => r.physicalPath,
  SCRIPT_NAME: (r) => r.scriptName,
  SERVER_NAME: (r) => (r.headers.get('host') ?? '').replace(/^\[([^\]]*)\].*$|:\d+$/, '$1') || r.localAddress,
  SERVER_PORT: (r) => String(r.localPort),
  SERVER_SOFTWARE: () => FAKE_SERVER_SOFTWARE,
  URL: (r) => r.scriptName + r.pathInfo,
};

function rawHeaderList(headers: Readonly<Record<string, string>> | readonly string[]): readonly string[] {
  return Array.isArray(headers) ? [...(headers as readonly string[])] : Object.entries(headers).flat();
}

/** Names lower-cased; repeats joined with `, ` (cookie with `; `), as the worker's request has them. */
function headerMap(raw: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const previous = headers.get(name);
    const separator = name === 'cookie' ? '; ' : ', ';
    headers.set(name, previous === undefined ? raw[i + 1]! : `${previous}${separator}${raw[i + 1]!}`);
  }
  return headers;
}

function mapUnder(application: { path: string; physicalPath: string }, url: string): string | undefined {
  const base = application.path.replace(/\/$/, '');
  if (url !== base && !url.startsWith(`${base}/`)) return undefined;
  return `${application.physicalPath.replace(/\/$/, '')}${url.slice(base.length) || '/'}`;
}

/** A request for a unit test: see FakeRequestInit for what may be given and the defaults. */
export function fakeRequest(init: FakeRequestInit = {}): FakeRequest {
  return new FakeRequest(init);
}
