/** One problem of a refused configuration change: a JSON pointer into the tree and the reason. */
export interface ConfigIssue {
  pointer: string;
  reason: string;
}

/** An answer other than 2xx, as the admin API sends it: `{ code, message, issues? }` (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ConfigIssue[] = [],
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  body: T;
  etag: string | null;
}

const TOKEN_KEY = 'w3pool.adminToken';

/**
 * The admin token lives in sessionStorage: it is gone when the tab closes, and it is never a cookie, so
 * the browser never attaches it to a request on its own (WAS only accepts it in Authorization).
 */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when WAS answers 401: the token was rotated or is wrong, so the user must sign in again. */
let onUnauthorized: () => void = () => {};
export const setUnauthorizedHandler = (handler: () => void) => (onUnauthorized = handler);

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Sent as is, with this content type (the import's XML); otherwise `body` is sent as JSON. */
  rawBody?: { text: string; type: string };
  ifMatch?: string | null;
  token?: string;
}

/** Every call of the dashboard: the public admin API with `Authorization: Bearer`, nothing else. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
  const token = options.token ?? tokenStore.get() ?? '';
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  let body: string | undefined;
  if (options.rawBody) {
    headers['content-type'] = options.rawBody.type;
    body = options.rawBody.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await fetch(path, { method: options.method ?? 'GET', headers, body, cache: 'no-store' });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : safeJson(text);
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string; issues?: ConfigIssue[] };
    if (response.status === 401 && options.token === undefined) onUnauthorized();
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? response.statusText,
      error.issues ?? [],
    );
  }
  return { body: parsed as T, etag: response.headers.get('etag') };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `%2F` for `/`: how the config routes name an application by its path. */
export const encodeKey = (key: string) => encodeURIComponent(key);
