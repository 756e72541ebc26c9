// The one catalogue of w3pool errors. Each code maps once to an HTTP status, an IIS substatus and, for
// rejections the listener makes itself, the http.sys HTTPERR `s-reason`. docs/errors.md lists every code;
// a test keeps the two in step.

export interface ErrorDefinition {
  readonly status: number;
  readonly substatus: number;
  /** HTTPERR s-reason, for errors the listener (http.sys role) produces itself. */
  readonly reason?: string;
  /** The status text IIS shows for this code. */
  readonly title: string;
  /** What went wrong, for the error page and the log. */
  readonly message: string;
}

const define = <T extends Record<string, ErrorDefinition>>(catalogue: T): T => catalogue;

export const errorCatalogue = define({
  // Configuration (IIS: 500.19 "Configuration data is invalid").
  CONFIG_INVALID: {
    status: 500,
    substatus: 19,
    title: 'Internal Server Error',
    message: 'The configuration is invalid.',
  },
  CONFIG_UNREADABLE: {
    status: 500,
    substatus: 19,
    title: 'Internal Server Error',
    message: 'The configuration file cannot be read.',
  },
  CONFIG_SYNTAX: {
    status: 500,
    substatus: 19,
    title: 'Internal Server Error',
    message: 'The configuration file is not well-formed YAML.',
  },

  // Listener (http.sys).
  LISTENER_NO_SITE: {
    status: 400,
    substatus: 0,
    reason: 'Hostname',
    title: 'Bad Request - Invalid Hostname',
    message: 'The request hostname and port match no site binding.',
  },
  LISTENER_BAD_REQUEST: {
    status: 400,
    substatus: 0,
    reason: 'BadRequest',
    title: 'Bad Request',
    message: 'The request could not be parsed.',
  },
  LISTENER_URL_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'URL',
    title: 'Bad Request - Invalid URL',
    message: 'The request URL is invalid.',
  },
  LISTENER_CONTENT_TOO_LARGE: {
    status: 413,
    substatus: 0,
    reason: 'EntityTooLarge',
    title: 'Request Entity Too Large',
    message: 'The request body exceeds the allowed content length.',
  },
  LISTENER_QUEUE_UNAVAILABLE: {
    status: 503,
    substatus: 0,
    reason: 'N/A',
    title: 'Service Unavailable',
    message: 'The application pool queue could not accept the request.',
  },
  LISTENER_QUEUE_TIMEOUT: {
    status: 503,
    substatus: 0,
    reason: 'Timer_AppPool',
    title: 'Service Unavailable',
    message: 'The request waited in the application pool queue longer than the queue deadline.',
  },
  LISTENER_SHUTTING_DOWN: {
    status: 503,
    substatus: 0,
    reason: 'AppShutdown',
    title: 'Service Unavailable',
    message: 'The server is shutting down.',
  },

  // Worker (w3wp) and its pipeline.
  WORKER_NOT_FOUND: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message:
      'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.',
  },
  WORKER_NO_HANDLER: {
    status: 404,
    substatus: 4,
    title: 'Not Found',
    message:
      'No handler mapping matches the request: no handler is configured for this file name extension and verb.',
  },
  WORKER_VERB_NOT_ALLOWED: {
    status: 405,
    substatus: 0,
    title: 'Method Not Allowed',
    message: 'A handler mapping matches the path, but none of the matching mappings allows this verb.',
  },
  WORKER_POOL_NOT_CONFIGURED: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'The worker was started for an application pool that the configuration does not define.',
  },
  WORKER_NO_APPLICATION: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message: 'The application that the listener routed to is not configured in this pool.',
  },
  WORKER_HANDLER_FAILED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The handler failed while processing the request.',
  },

  // Built-in extensions.
  EXT_STATIC_MIME_MAP_MISSING: {
    status: 404,
    substatus: 3,
    title: 'Not Found',
    message:
      'The page you are requesting cannot be served because of the extension configuration: the file name extension has no MIME map entry.',
  },
  EXT_STATIC_DIRECTORY_LISTING_DENIED: {
    status: 403,
    substatus: 14,
    title: 'Forbidden',
    message:
      'A default document is not configured for the requested URL, and directory browsing is not enabled.',
  },
  EXT_STATIC_PRECONDITION_FAILED: {
    status: 412,
    substatus: 0,
    title: 'Precondition Failed',
    message: 'A request precondition failed.',
  },
  EXT_STATIC_RANGE_NOT_SATISFIABLE: {
    status: 416,
    substatus: 0,
    title: 'Range Not Satisfiable',
    message: 'The requested range cannot be served.',
  },
  EXT_STATIC_METHOD_NOT_ALLOWED: {
    status: 405,
    substatus: 0,
    title: 'Method Not Allowed',
    message: 'The static file handler serves only GET and HEAD.',
  },
  EXT_HANDLER_LOAD_FAILED: {
    status: 500,
    substatus: 21,
    title: 'Internal Server Error',
    message: 'A handler mapping names a module that could not be loaded.',
  },
});

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalogue, code);
}

/** IIS writes status and substatus as `404.3`. */
export function statusLabel(code: ErrorCode): string {
  const def = errorCatalogue[code];
  return `${def.status}.${def.substatus}`;
}

/** An error that carries a catalogue code; services turn it into the mapped status. */
export class W3poolError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly substatus: number;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string, options?: ErrorOptions) {
    const def = errorCatalogue[code];
    super(detail ? `${code}: ${def.message} ${detail}` : `${code}: ${def.message}`, options);
    this.name = 'W3poolError';
    this.code = code;
    this.status = def.status;
    this.substatus = def.substatus;
    this.detail = detail;
  }
}
