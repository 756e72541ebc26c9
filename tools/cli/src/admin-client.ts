import { readFileSync } from 'node:fs';
import { isErrorCode, type ErrorCode } from '@w3pool/protocol';

/**
 * An error the CLI reports as `w3pool: <code>: <message>` on stderr, with exit code 1. The code is the
 * catalogue's: the API's own when it answered one, a WAS_CLI_ code for what the CLI refuses itself.
 */
export class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface AdminSettings {
  url: string;
  token: string | undefined;
}

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8172';

/**
 * Where the admin API is and its token. The token comes from the environment or a file only, never
 * from an argument: arguments are visible to every user of the host through `ps`.
 */
export function adminSettings(env: NodeJS.ProcessEnv, urlOption: string | undefined): AdminSettings {
  const url = (urlOption ?? env.W3POOL_ADMIN_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '');
  if (env.W3POOL_ADMIN_TOKEN) return { url, token: env.W3POOL_ADMIN_TOKEN };
  if (env.W3POOL_ADMIN_TOKEN_FILE) {
    try {
      return { url, token: readFileSync(env.W3POOL_ADMIN_TOKEN_FILE, 'utf8').trim() };
    } catch (error) {
      throw new CliError(
        'WAS_CLI_TOKEN_UNREADABLE',
        `cannot read W3POOL_ADMIN_TOKEN_FILE: ${(error as Error).message}`,
      );
    }
  }
  return { url, token: undefined };
}

export interface ApiAnswer<T = unknown> {
  status: number;
  etag: string | undefined;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is with this type (the import route's XML); otherwise `body` is JSON. */
  rawBody?: { text: string; contentType: string };
  ifMatch?: string;
}

/** The admin API over HTTP (node's fetch): answers as JSON, errors as CliError with the API's code. */
export class AdminClient {
  constructor(private readonly settings: AdminSettings) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiAnswer<T>> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    const body = text === '' ? undefined : parseJson(text);
    if (!response.ok) {
      const { code, message } = (body ?? {}) as { code?: string; message?: string; issues?: unknown };
      // A refused configuration names each problem by its JSON pointer (ConfigIssue of @w3pool/config).
      const issues = (body as { issues?: { pointer?: string; reason?: string }[] } | undefined)?.issues;
      const detail = issues?.length
        ? `\n${issues.map((i) => `  ${i.pointer || '/'}: ${i.reason ?? ''}`).join('\n')}`
        : '';
      throw apiError(response, code, `${message ?? response.statusText}${detail}`);
    }
    return { status: response.status, etag: response.headers.get('etag') ?? undefined, body: body as T };
  }

  /** A raw response, for the event stream (text/event-stream). */
  async stream(path: string): Promise<Response> {
    const response = await this.send('GET', path, {}, 'text/event-stream');
    if (!response.ok) {
      const body = parseJson(await response.text()) as { code?: string; message?: string } | undefined;
      throw apiError(response, body?.code, body?.message ?? response.statusText);
    }
    return response;
  }

  private async send(method: string, path: string, options: RequestOptions, accept = 'application/json') {
    const headers: Record<string, string> = { accept };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    let body: string | undefined;
    if (options.rawBody) {
      headers['content-type'] = options.rawBody.contentType;
      body = options.rawBody.text;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    try {
      return await fetch(`${this.settings.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        'WAS_CLI_ADMIN_UNREACHABLE',
        `cannot reach the admin API at ${this.settings.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
  }
}

/** The API's refusal with its catalogue code; anything else (a proxy's page) is WAS_CLI_ANSWER_INVALID. */
function apiError(response: Response, code: string | undefined, message: string): CliError {
  // W3poolError's message starts with its code, which the CLI prints once already.
  if (code !== undefined && isErrorCode(code))
    return new CliError(code, message.replace(`${code}: `, ''), response.status);
  return new CliError('WAS_CLI_ANSWER_INVALID', `HTTP ${response.status}: ${message}`, response.status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text };
  }
}
