// The one catalogue of w3pool errors. Each code maps once to an HTTP status, an IIS substatus and, for
// rejections the listener makes itself, the http.sys HTTPERR `s-reason`. docs/errors.md lists every code;
// a test keeps the two in step.

export interface ErrorDefinition {
  readonly status: number;
  readonly substatus: number;
  /** HTTPERR s-reason, for errors the listener (http.sys role) produces itself. */
  readonly reason?: string;
  /**
   * The status.substatus IIS logs and shows on its error page when it differs from what is sent: request
   * filtering answers 413/414 on the wire (what clients and proxies understand) and logs IIS's 404.13/404.14.
   */
  readonly iisStatus?: string;
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
  CONFIG_REDIS_URL_INVALID: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'REDIS_URL does not name a Redis, or a Sentinel group, in a form w3pool reads (docs/scale-out.md).',
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
  // Import of IIS's applicationHost.config (packages/iis-import): the document given to import is the
  // client's, so a document that is not XML is a 400, not IIS's 500.19 for its own broken file.
  CONFIG_IMPORT_XML_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message:
      'The applicationHost.config to import is not well-formed XML, or its root is not <configuration>.',
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
  LISTENER_REQUEST_LINE_TOO_LONG: {
    status: 414,
    substatus: 0,
    reason: 'URL_Length',
    title: 'Request-URI Too Long',
    message: 'The request line is longer than http.sys allows (16 KB for the request line and headers).',
  },
  LISTENER_HEADERS_TOO_LARGE: {
    status: 431,
    substatus: 0,
    reason: 'FieldLength',
    title: 'Request Header Fields Too Large',
    message: 'The request headers are longer than http.sys allows (16 KB for the request line and headers).',
  },
  LISTENER_HOST_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'Hostname',
    title: 'Bad Request - Invalid Hostname',
    message: 'The request has more than one Host header (RFC 9112 section 3.2).',
  },
  LISTENER_VERB_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'Verb',
    title: 'Bad Request - Invalid Verb',
    message: 'The request method is not a valid HTTP token.',
  },
  LISTENER_HEADER_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'Header',
    title: 'Bad Request - Invalid Header',
    message: 'A request header is malformed.',
  },
  LISTENER_NUMBER_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'Number',
    title: 'Bad Request - Invalid Number',
    message: 'A Content-Length or chunk size is not a valid number.',
  },
  LISTENER_LINE_ENDING_INVALID: {
    status: 400,
    substatus: 0,
    reason: 'Invalid_CR/LF',
    title: 'Bad Request',
    message: 'A line of the request does not end with CRLF.',
  },
  LISTENER_TRANSFER_CODING_NOT_IMPLEMENTED: {
    status: 501,
    substatus: 0,
    reason: 'N/I',
    title: 'Not Implemented',
    message: 'The request uses a transfer coding the server does not implement.',
  },
  LISTENER_VERSION_NOT_SUPPORTED: {
    status: 505,
    substatus: 0,
    reason: 'Version_N/S',
    title: 'HTTP Version Not Supported',
    message: 'Only HTTP/1.0 and HTTP/1.1 are served.',
  },
  LISTENER_SITE_STOPPED: {
    status: 503,
    substatus: 0,
    reason: 'Disabled',
    title: 'Service Unavailable',
    message: 'The site is stopped.',
  },
  LISTENER_POOL_STOPPED: {
    status: 503,
    substatus: 0,
    reason: 'Disabled',
    title: 'Service Unavailable',
    message: 'The application pool is stopped.',
  },
  LISTENER_POOL_OFFLINE: {
    status: 503,
    substatus: 0,
    reason: 'AppOffline',
    title: 'Service Unavailable',
    message: 'The application pool was taken offline after its worker processes failed repeatedly.',
  },
  LISTENER_QUEUE_FULL: {
    status: 503,
    substatus: 0,
    reason: 'QueueFull',
    title: 'Service Unavailable',
    message: 'The application pool queue is full (queueLength).',
  },
  LISTENER_CONNECTION_LIMIT: {
    status: 503,
    substatus: 0,
    reason: 'ConnLimit',
    title: 'Service Unavailable',
    message: 'The site has as many open connections as it allows (limits maxConnections).',
  },
  // IIS's core server, not request filtering: sent and logged as 413.0.
  LISTENER_ENTITY_TOO_LARGE: {
    status: 413,
    substatus: 0,
    title: 'Request Entity Too Large',
    message:
      'The request body exceeds the largest the server allows (serverRuntime maxRequestEntityAllowed).',
  },

  // Request filtering, applied by the listener before a request is queued (IIS's RequestFilteringModule;
  // logged in the site's W3C log with IIS's 404.x substatus).
  LISTENER_CONTENT_TOO_LARGE: {
    status: 413,
    substatus: 0,
    iisStatus: '404.13',
    title: 'Request Entity Too Large',
    message: 'The request body exceeds the allowed content length (maxAllowedContentLength).',
  },
  LISTENER_URL_TOO_LONG: {
    status: 414,
    substatus: 0,
    iisStatus: '404.14',
    title: 'Request-URI Too Long',
    message: 'The request URL is longer than requestLimits maxUrl.',
  },
  LISTENER_QUERY_TOO_LONG: {
    status: 404,
    substatus: 15,
    title: 'Not Found',
    message: 'The query string is longer than requestLimits maxQueryString.',
  },
  LISTENER_URL_SEQUENCE_DENIED: {
    status: 404,
    substatus: 5,
    title: 'Not Found',
    message: 'The URL contains a sequence that request filtering denies (denyUrlSequences).',
  },
  LISTENER_VERB_DENIED: {
    status: 404,
    substatus: 6,
    title: 'Not Found',
    message: 'Request filtering denies this verb.',
  },
  LISTENER_EXTENSION_DENIED: {
    status: 404,
    substatus: 7,
    title: 'Not Found',
    message: 'Request filtering denies this file name extension.',
  },
  LISTENER_HIDDEN_SEGMENT: {
    status: 404,
    substatus: 8,
    title: 'Not Found',
    message: 'The URL contains a hidden segment (requestFiltering hiddenSegments).',
  },
  LISTENER_DOUBLE_ESCAPED: {
    status: 404,
    substatus: 11,
    title: 'Not Found',
    message: 'The URL contains a double-escaped sequence (allowDoubleEscaping is false).',
  },
  LISTENER_HIGH_BIT: {
    status: 404,
    substatus: 12,
    title: 'Not Found',
    message: 'The URL contains high-bit characters (allowHighBitCharacters is false).',
  },
  LISTENER_TOO_MANY_SEGMENTS: {
    status: 404,
    substatus: 20,
    title: 'Not Found',
    message: 'The URL has more segments than the site allows (limits maxUrlSegments).',
  },
  LISTENER_QUEUE_UNAVAILABLE: {
    status: 503,
    substatus: 0,
    reason: 'N/A',
    title: 'Service Unavailable',
    message: 'The application pool queue could not accept the request.',
  },
  LISTENER_QUEUE_UNREACHABLE: {
    status: 503,
    substatus: 0,
    reason: 'QueueUnreachable',
    title: 'Service Unavailable',
    message:
      'The application pool queue (Redis) did not admit the request within the admission timeout: it is down or too slow. Retry shortly.',
  },
  LISTENER_REQUEST_ABANDONED: {
    status: 503,
    substatus: 0,
    reason: 'Connection_Abandoned_By_ReqQueue',
    title: 'Service Unavailable',
    message:
      'The request is no longer in the application pool queue or with any worker process: the queue lost it (Redis restarted without its data).',
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

  // WAS and its admin API.
  WAS_NOT_READY: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'WAS has no configuration loaded yet.',
  },
  WAS_POOL_NOT_FOUND: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message: 'No application pool has this name.',
  },
  WAS_SITE_NOT_FOUND: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message: 'No site has this id.',
  },
  WAS_UNKNOWN_ACTION: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'The action must be start or stop.',
  },
  WAS_REDIS_UNAVAILABLE: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'WAS cannot reach Redis right now; it answers again as soon as it reconnects.',
  },
  WAS_INTERNAL: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The admin API failed; see the WAS log.',
  },

  // WAS admin API security (services/was/src/security): bearer token, Host and Origin checks, body limits.
  WAS_TOKEN_MISSING: {
    status: 401,
    substatus: 2,
    title: 'Unauthorized',
    message: 'The admin API needs an Authorization: Bearer <token> header (docs/admin-security.md).',
  },
  WAS_TOKEN_INVALID: {
    status: 401,
    substatus: 1,
    title: 'Unauthorized',
    message: 'The admin token is not valid.',
  },
  WAS_HOST_NOT_ALLOWED: {
    status: 421,
    substatus: 0,
    title: 'Misdirected Request',
    message: "The Host header names none of the admin API's own names (W3POOL_WAS_ALLOWED_HOSTS).",
  },
  WAS_ORIGIN_FORBIDDEN: {
    status: 403,
    substatus: 0,
    title: 'Forbidden',
    message: 'A cross-origin request may not change state (W3POOL_WAS_CORS_ORIGINS).',
  },
  WAS_BODY_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'The request body is not valid.',
  },
  WAS_BODY_TOO_LARGE: {
    status: 413,
    substatus: 0,
    iisStatus: '404.13',
    title: 'Content Too Large',
    message: "The request body exceeds the admin API's limit.",
  },
  WAS_MEDIA_TYPE_UNSUPPORTED: {
    status: 415,
    substatus: 0,
    title: 'Unsupported Media Type',
    message: 'The admin API accepts request bodies as application/json only.',
  },
  WAS_SITE_ID_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'A site id is a whole number from 1 to 4294967295, in digits only.',
  },
  WAS_ADMIN_TOKEN_UNAVAILABLE: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'WAS has no admin token: the token file cannot be read or the state directory cannot be written.',
  },

  // WAS live configuration API (services/was/src/config-api): reads, writes, versions and history.
  WAS_CONFIG_REJECTED: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message:
      'The configuration change is invalid; nothing was changed (see issues: JSON pointer and reason).',
  },
  WAS_CONFIG_PRECONDITION_FAILED: {
    status: 412,
    substatus: 0,
    title: 'Precondition Failed',
    message: 'If-Match does not name the running configuration version (its ETag); read it again.',
  },
  WAS_CONFIG_PRECONDITION_REQUIRED: {
    status: 428,
    substatus: 0,
    title: 'Precondition Required',
    message: 'Replacing the whole configuration needs an If-Match header with the ETag of a GET.',
  },
  WAS_CONFIG_ITEM_NOT_FOUND: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message: 'The configuration has no such item.',
  },
  WAS_CONFIG_ITEM_EXISTS: {
    status: 409,
    substatus: 0,
    title: 'Conflict',
    message: 'The configuration already has an item with this key.',
  },
  WAS_CONFIG_VERSION_NOT_FOUND: {
    status: 404,
    substatus: 0,
    title: 'Not Found',
    message: 'The configuration history does not hold this version.',
  },

  // WAS runtime views, live events and acknowledged actions (services/was/src/{views,events,actions}).
  WAS_QUERY_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'A query parameter has a value the route does not accept.',
  },
  WAS_LAST_EVENT_ID_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'Last-Event-ID is not an event id this stream sent (<ms>-<seq>).',
  },
  WAS_EVENT_STREAMS_BUSY: {
    status: 503,
    substatus: 2,
    title: 'Service Unavailable',
    message: 'Too many live event streams are open; try again when one closes.',
  },
  WAS_ACTION_TIMEOUT: {
    status: 504,
    substatus: 0,
    title: 'Gateway Timeout',
    message: 'The action was sent, but the pool hosts or listeners did not report its effect in time.',
  },

  // The `w3pool` CLI (tools/cli): refusals it makes itself, before or instead of an admin API answer. It
  // prints them as `w3pool: CODE: message` with exit code 1; the status is what the API would have said.
  WAS_CLI_ARGUMENT_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message:
      'An argument or setting is not one the command takes (unknown name, or a value of the wrong type).',
  },
  WAS_CLI_FILE_INVALID: {
    status: 400,
    substatus: 0,
    title: 'Bad Request',
    message: 'The file given to the command cannot be read, or is not YAML or JSON.',
  },
  WAS_CLI_TOKEN_UNREADABLE: {
    status: 401,
    substatus: 0,
    title: 'Unauthorized',
    message: 'The admin token file (W3POOL_ADMIN_TOKEN_FILE) cannot be read.',
  },
  WAS_CLI_ADMIN_UNREACHABLE: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'The admin API cannot be reached (--url, W3POOL_ADMIN_URL; default http://127.0.0.1:8172).',
  },
  WAS_CLI_ANSWER_INVALID: {
    status: 502,
    substatus: 0,
    title: 'Bad Gateway',
    message: 'The admin API answered without a catalogue code, or without the ETag a write needs.',
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
  WORKER_PROCESS_FAILED: {
    status: 502,
    substatus: 3,
    reason: 'Connection_Abandoned_By_AppPool',
    title: 'Bad Gateway',
    message: 'The worker process running the request exited before it finished (it crashed or was killed).',
  },
  WORKER_APP_OFFLINE: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'The application is offline: app_offline.htm is in its root, and its content is the response.',
  },
  WORKER_HANDLER_FAILED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The handler failed while processing the request.',
  },
  WORKER_RESTRICTED: {
    status: 404,
    substatus: 2,
    title: 'Not Found',
    message:
      'The page you are requesting cannot be served because of the ISAPI and CGI Restriction list settings (webServer.security.isapiCgiRestriction).',
  },
  WORKER_EXECUTE_ACCESS_FORBIDDEN: {
    status: 403,
    substatus: 1,
    title: 'Forbidden',
    message:
      "The handler mapping requires Script or Execute access, which the handlers' accessPolicy does not grant.",
  },
  WORKER_READ_ACCESS_FORBIDDEN: {
    status: 403,
    substatus: 2,
    title: 'Forbidden',
    message: "The handler mapping requires Read access, which the handlers' accessPolicy does not grant.",
  },
  WORKER_WRITE_ACCESS_FORBIDDEN: {
    status: 403,
    substatus: 3,
    title: 'Forbidden',
    message: "The handler mapping requires Write access, which the handlers' accessPolicy does not grant.",
  },
  // security/access@sslFlags, checked before authentication.
  WORKER_SSL_REQUIRED: {
    status: 403,
    substatus: 4,
    title: 'Forbidden',
    message: 'The page requires SSL (access sslFlags Ssl): request it over https.',
  },
  WORKER_SSL_128_REQUIRED: {
    status: 403,
    substatus: 5,
    title: 'Forbidden',
    message: 'The page requires a cipher key of 128 bits at least (access sslFlags Ssl128).',
  },
  WORKER_CLIENT_CERTIFICATE_REQUIRED: {
    status: 403,
    substatus: 7,
    title: 'Forbidden',
    message: 'The page requires a client certificate (access sslFlags SslRequireCert), and none was sent.',
  },
  WORKER_CLIENT_CERTIFICATE_UNTRUSTED: {
    status: 403,
    substatus: 16,
    title: 'Forbidden',
    message:
      'The client certificate is untrusted or invalid: its chain does not lead to an authority the binding trusts (clientCertificateAuthorities).',
  },
  WORKER_CLIENT_CERTIFICATE_EXPIRED: {
    status: 403,
    substatus: 17,
    title: 'Forbidden',
    message: 'The client certificate has expired or is not yet valid.',
  },
  WORKER_CUSTOM_ERROR: {
    status: 500,
    substatus: 0,
    title: 'Error',
    message: 'The handler answered with an error (HSE_REQ_SEND_CUSTOM_ERROR).',
  },
  WORKER_EXEC_URL_TOO_DEEP: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'Child requests (executeUrl) nest too deeply; a handler probably executes its own URL.',
  },
  WORKER_EXEC_URL_OTHER_APPLICATION: {
    status: 403,
    substatus: 18,
    title: 'Forbidden',
    message:
      'The specified request cannot be executed in the current application: executeUrl runs URLs of the same application only.',
  },
  WORKER_MODULE_LOAD_FAILED: {
    status: 500,
    substatus: 21,
    title: 'Internal Server Error',
    message: 'A module of the integrated pipeline (webServer.modules) could not be loaded.',
  },

  // Security and request modules (packages/modules-security): authentication, URL authorization and the
  // request filtering the worker applies for an application (the listener applies the server's).
  WORKER_LOGON_FAILED: {
    status: 401,
    substatus: 1,
    title: 'Unauthorized',
    message: 'Logon failed: the user name or password of the Basic credentials is not valid.',
  },
  WORKER_LOGON_REQUIRED: {
    status: 401,
    substatus: 2,
    title: 'Unauthorized',
    message:
      'Logon failed due to server configuration: anonymous access is disabled and the request carries no credentials an enabled authentication method accepts.',
  },
  WORKER_URL_AUTHORIZATION_LOGON_REQUIRED: {
    status: 401,
    substatus: 2,
    title: 'Unauthorized',
    message:
      'URL authorization (security.authorization) does not let anonymous users request this URL: log on.',
  },
  WORKER_URL_AUTHORIZATION_DENIED: {
    status: 403,
    substatus: 0,
    title: 'Forbidden',
    message:
      'URL authorization (security.authorization) does not let this user request this URL with this verb.',
  },
  WORKER_FILTER_URL_SEQUENCE_DENIED: {
    status: 404,
    substatus: 5,
    title: 'Not Found',
    message: "The URL contains a sequence the application's request filtering denies (denyUrlSequences).",
  },
  WORKER_FILTER_VERB_DENIED: {
    status: 404,
    substatus: 6,
    title: 'Not Found',
    message: "The application's request filtering denies this verb.",
  },
  WORKER_FILTER_EXTENSION_DENIED: {
    status: 404,
    substatus: 7,
    title: 'Not Found',
    message: "The application's request filtering denies this file name extension.",
  },
  WORKER_FILTER_HIDDEN_SEGMENT: {
    status: 404,
    substatus: 8,
    title: 'Not Found',
    message: "The URL contains a segment the application's request filtering hides (hiddenSegments).",
  },
  WORKER_FILTER_HEADER_TOO_LONG: {
    status: 404,
    substatus: 10,
    title: 'Not Found',
    message: 'A request header is longer than its requestLimits headerLimits entry allows.',
  },
  WORKER_FILTER_DOUBLE_ESCAPED: {
    status: 404,
    substatus: 11,
    title: 'Not Found',
    message: "The URL contains a double-escaped sequence (the application's allowDoubleEscaping is false).",
  },
  WORKER_FILTER_HIGH_BIT: {
    status: 404,
    substatus: 12,
    title: 'Not Found',
    message: "The URL contains high-bit characters (the application's allowHighBitCharacters is false).",
  },
  WORKER_FILTER_CONTENT_TOO_LARGE: {
    status: 413,
    substatus: 0,
    iisStatus: '404.13',
    title: 'Request Entity Too Large',
    message: "The declared request body exceeds the application's maxAllowedContentLength.",
  },
  WORKER_FILTER_URL_TOO_LONG: {
    status: 414,
    substatus: 0,
    iisStatus: '404.14',
    title: 'Request-URI Too Long',
    message: "The request URL is longer than the application's requestLimits maxUrl.",
  },
  WORKER_FILTER_QUERY_TOO_LONG: {
    status: 404,
    substatus: 15,
    title: 'Not Found',
    message: "The query string is longer than the application's requestLimits maxQueryString.",
  },
  WORKER_FILTER_QUERY_SEQUENCE_DENIED: {
    status: 404,
    substatus: 18,
    title: 'Not Found',
    message: 'The query string contains a sequence request filtering denies (denyQueryStringSequences).',
  },
  WORKER_FILTER_RULE_DENIED: {
    status: 404,
    substatus: 19,
    title: 'Not Found',
    message: 'A request filtering rule (filteringRules) denies the request.',
  },

  // Background jobs (services/worker/src/w3wp/domain/background-*.ts): an application's durable jobs.
  WORKER_JOB_INVALID: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'A background job was added with an invalid name or options; it was not queued.',
  },
  WORKER_JOB_QUEUE_UNREACHABLE: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: "The application's background job queue (Redis) cannot be reached; the job was not queued.",
  },
  WORKER_JOB_NO_PROCESSOR: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'No processor is declared for this background job name in its application.',
  },
  WORKER_JOB_PROCESSOR_LATE: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'A background job processor was declared after the application loaded; declare it in load().',
  },

  // CgiModule (packages/extensions/cgi): one process per request. IIS answers 502.1 and 502.2 for CGI.
  WORKER_CGI_TIMEOUT: {
    status: 502,
    substatus: 1,
    title: 'Bad Gateway',
    message:
      'The specified CGI application exceeded the allowed time for processing (cgi timeout). The server has deleted the process.',
  },
  WORKER_CGI_PREMATURE_EXIT: {
    status: 502,
    substatus: 2,
    title: 'Bad Gateway',
    message:
      'The specified CGI application exited or crashed before it returned a complete set of HTTP headers.',
  },
  WORKER_CGI_BAD_HEADERS: {
    status: 502,
    substatus: 2,
    title: 'Bad Gateway',
    message:
      'The specified CGI application misbehaved by not returning a complete set of HTTP headers (RFC 3875 section 6).',
  },
  WORKER_CGI_START_FAILED: {
    status: 502,
    substatus: 2,
    title: 'Bad Gateway',
    message: 'The specified CGI application could not be started: the program is missing or not executable.',
  },

  // FastCgiModule (packages/extensions/fastcgi): pools of FastCGI processes, or an external FastCGI server
  // (php-fpm). IIS answers its FastCGI failures with 500 and a queue that is full with 503.4.
  EXT_FASTCGI_APPLICATION_NOT_CONFIGURED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      "The handler mapping's scriptProcessor names a FastCGI application that has no webServer.fastCgi.applications entry (fullPath and arguments must match).",
  },
  EXT_FASTCGI_QUEUE_FULL: {
    status: 503,
    substatus: 4,
    title: 'Service Unavailable',
    message:
      'The FastCGI queue is full: queueLength requests of this FastCGI application already wait for a process.',
  },
  EXT_FASTCGI_RAPID_FAIL: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message:
      'The FastCGI application is refused until the minute passes: its processes failed rapidFailsPerMinute times in the last minute.',
  },
  EXT_FASTCGI_REQUEST_TIMEOUT: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The FastCGI process exceeded configured request timeout (requestTimeout); it was terminated.',
  },
  EXT_FASTCGI_ACTIVITY_TIMEOUT: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The FastCGI process exceeded configured activity timeout (activityTimeout); it was terminated.',
  },
  EXT_FASTCGI_PROCESS_FAILED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'The FastCGI process exited unexpectedly, or closed its connection, before it ended the request.',
  },
  EXT_FASTCGI_START_FAILED: {
    status: 502,
    substatus: 2,
    title: 'Bad Gateway',
    message:
      'The FastCGI process failed to start: fullPath is missing or not executable, or the process exited before it listened.',
  },
  EXT_FASTCGI_PROGRAM_MISSING: {
    status: 502,
    substatus: 2,
    title: 'Bad Gateway',
    message:
      'The FastCGI program (fullPath) is not installed. For PHP on Debian or Ubuntu: apt-get install php-cgi.',
  },
  EXT_FASTCGI_SERVER_UNREACHABLE: {
    status: 502,
    substatus: 3,
    title: 'Bad Gateway',
    message: 'The external FastCGI server (address) refused the connection or did not accept it in time.',
  },
  EXT_FASTCGI_STDERR: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'The FastCGI application wrote to stderr (stderrMode ReturnStdErrIn500, ReturnGeneric500 or TerminateProcess).',
  },
  EXT_FASTCGI_BAD_RESPONSE: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'The FastCGI application broke the FastCGI protocol, or its output is not a CGI response (a complete set of headers).',
  },
  EXT_FASTCGI_REQUEST_REFUSED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'The FastCGI application refused the request (FCGI_CANT_MPX_CONN or FCGI_UNKNOWN_ROLE).',
  },
  EXT_FASTCGI_OVERLOADED: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'The FastCGI application refused the request as overloaded (FCGI_OVERLOADED).',
  },
  EXT_FASTCGI_SHUTTING_DOWN: {
    status: 503,
    substatus: 0,
    title: 'Service Unavailable',
    message: 'The FastCGI application is shutting down with its worker; the request was not started.',
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

  // NodeAppModule (packages/extensions/node-app): an unmodified Node application served as an application,
  // the role of iisnode and the ASP.NET Core Module, whose start-failure substatuses (500.30, 500.37) it uses.
  EXT_NODE_APP_START_FAILED: {
    status: 500,
    substatus: 30,
    title: 'Internal Server Error',
    message:
      "The Node application failed to start: its entry module (the handler mapping's scriptProcessor) could not be loaded, or threw while loading.",
  },
  EXT_NODE_APP_NOT_SERVABLE: {
    status: 500,
    substatus: 30,
    title: 'Internal Server Error',
    message:
      "The Node application's entry module exports nothing that serves requests (a (req, res) listener, an Express, Koa or Fastify app, or an http.Server) and never called listen().",
  },
  EXT_NODE_APP_START_TIMEOUT: {
    status: 500,
    substatus: 37,
    title: 'Internal Server Error',
    message:
      'The Node application did not become ready within its start time limit: it never called listen(), or its ready() did not resolve.',
  },
  EXT_NODE_APP_FAILED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'The Node application threw while handling the request, or destroyed its response before finishing it.',
  },
  EXT_NODE_APP_UPGRADE_NOT_SUPPORTED: {
    status: 501,
    substatus: 0,
    title: 'Not Implemented',
    message:
      'The request asks to upgrade the connection to WebSocket, which NodeAppModule cannot carry: the application is served over plain HTTP/1.1 requests only.',
  },

  // Response modules (packages/modules-response): CustomErrorModule, StaticCompressionModule and
  // DynamicCompressionModule. HttpCacheModule has no failure of its own.
  EXT_CUSTOM_ERROR_PAGE_UNAVAILABLE: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message:
      'A custom error page (httpErrors) could not be read or executed; the built-in page answered the error instead, with its own status. Logged by the worker, never sent.',
  },
  EXT_COMPRESSION_FAILED: {
    status: 500,
    substatus: 0,
    title: 'Internal Server Error',
    message: 'Compressing the response failed (node:zlib); a response already on its way is reset.',
  },
});

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalogue, code);
}

/** IIS writes status and substatus as `404.3`. */
export function statusLabel(code: ErrorCode): string {
  const def: ErrorDefinition = errorCatalogue[code];
  return def.iisStatus ?? `${def.status}.${def.substatus}`;
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
