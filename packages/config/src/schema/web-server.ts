import { Type, type Static } from '@sinclair/typebox';
import { iisDefaultMimeMap } from '../defaults/mime-map.generated.js';
import { iisDeniedExtensions } from '../defaults/denied-extensions.js';
import { CgiSchema, FastCgiSchema, IsapiCgiRestrictionSchema } from './handler-hosts.js';
import { GlobalModuleSchema, ModuleSchema } from './modules.js';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';
import {
  CachingProfileSchema,
  HttpCompressionSchema,
  HttpErrorsSchema,
  UrlCompressionSchema,
} from './response-modules.js';
import {
  AccessSchema,
  AuthenticationSchema,
  AuthorizationSchema,
  HeaderLimitsSchema,
  HttpRedirectSchema,
  httpProtocolHeaders,
  workerRequestFiltering,
} from './security-modules.js';

// system.webServer: what the worker's pipeline does with a request.

export const HandlerMappingSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique handler mapping name.' }),
    path: Type.String({
      minLength: 1,
      description: 'File name or extension pattern: `*`, `*.php`, `hello.ashx`.',
    }),
    verb: Type.String({ minLength: 1, description: 'Comma-separated verbs, or `*`.' }),
    modules: Type.Optional(
      Type.String({ description: 'Built-in module: StaticFileModule (more in later extensions).' }),
    ),
    type: Type.Optional(
      Type.String({
        description:
          'A handler module of your own (the managed-handler `type` of IIS): path to an ES module whose default export is a w3pool extension; relative to the config file.',
      }),
    ),
    scriptProcessor: Str('', 'Executable or library the module runs (CGI, FastCGI, ISAPI).'),
    resourceType: StringEnum(['File', 'Directory', 'Either', 'Unspecified'] as const, {
      default: 'Unspecified',
      description: 'Whether the mapped path must exist on disk.',
    }),
    requireAccess: StringEnum(['None', 'Read', 'Write', 'Script', 'Execute'] as const, {
      default: 'Script',
      description: 'Access the handler needs; must fit handlers.accessPolicy.',
    }),
    preCondition: Str('', 'Load conditions (integratedMode, bitness64, ...).'),
    allowPathInfo: Bool(false, 'Pass extra path after the mapped file as PATH_INFO.'),
    responseBufferLimit: UInt(4194304, 'Bytes the handler response is buffered before it is flushed.'),
  },
  { additionalProperties: false },
);

export type HandlerMapping = Static<typeof HandlerMappingSchema>;

/** IIS's catch-all StaticFile mapping, the last entry of its handler list (and the whole default list here). */
export const STATIC_FILE_MAPPING = {
  name: 'StaticFile',
  path: '*',
  verb: '*',
  modules: 'StaticFileModule,DefaultDocumentModule,DirectoryListingModule',
  resourceType: 'Either',
  requireAccess: 'Read',
} as const;

const handlers = Section(
  {
    accessPolicy: Str(
      'Read, Script',
      "Access granted to handlers (Read, Write, Script, Execute, and NoRemoteRead, ... for local clients only); a mapping's requireAccess must fit it (403.1, 403.2, 403.3). IIS's applicationHost.config ships Read, Script.",
    ),
    list: Type.Array(HandlerMappingSchema, {
      default: [STATIC_FILE_MAPPING],
      description:
        'Ordered handler mappings; the first match wins. IIS ends the list with the StaticFile `*` mapping.',
    }),
  },
  'handlers: maps a request path and verb to the module that produces the response.',
);

const MimeMapEntry = Type.Object(
  {
    fileExtension: Type.String({ pattern: '^\\.[^/\\\\]*$', description: 'Extension with its dot.' }),
    mimeType: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const staticContent = Section(
  {
    mimeMap: Type.Array(MimeMapEntry, {
      default: iisDefaultMimeMap,
      description:
        "Extensions the static file handler serves. A file whose extension is not listed is not served (404.3). Defaults to IIS's own list.",
    }),
    clientCache: Section(
      {
        cacheControlMode: StringEnum(['NoControl', 'DisableCache', 'UseMaxAge', 'UseExpires'] as const, {
          default: 'NoControl',
          description: 'Cache-Control the static handler sends.',
        }),
        cacheControlMaxAge: TimeSpan('1.00:00:00', 'max-age for UseMaxAge.'),
        cacheControlCustom: Str('', 'Extra Cache-Control directives.'),
        setEtag: Bool(true, 'Send an ETag.'),
      },
      'clientCache: caching headers for static files.',
    ),
  },
  'staticContent: static file serving.',
);

export const WebServerSchema = Section(
  {
    defaultDocument: Section(
      {
        enabled: Bool(true, 'Serve a default document for a directory request.'),
        files: Type.Array(Type.String({ minLength: 1 }), {
          default: ['Default.htm', 'Default.asp', 'index.htm', 'index.html', 'iisstart.htm', 'default.aspx'],
          description: 'Tried in order.',
        }),
      },
      'defaultDocument: the file served for a directory URL.',
    ),
    directoryBrowse: Section(
      {
        enabled: Bool(false, 'List a directory that has no default document (else 403.14).'),
        showFlags: Str('Date, Time, Size, Extension', 'Columns of the listing.'),
      },
      'directoryBrowse: directory listings.',
    ),
    handlers,
    staticContent,
    serverRuntime: Section(
      {
        enabled: Bool(true, 'Serve requests.'),
        uploadReadAheadSize: UInt(
          49152,
          'Request body bytes pre-read and handed to the handler with the request.',
          2147483647,
        ),
        maxRequestEntityAllowed: UInt(4294967295, 'Largest request body (413.0 above it).'),
        appConcurrentRequestLimit: UInt(5000, 'Requests executing at once per application (503.2 above it).'),
        frequentHitThreshold: UInt(
          2,
          'Hits within frequentHitTimePeriod that make a URL cacheable.',
          2147483647,
          1,
        ),
        frequentHitTimePeriod: TimeSpan('00:00:10', 'Window of frequentHitThreshold.'),
      },
      'serverRuntime: request execution limits.',
    ),
    requestFiltering: Section(
      {
        allowDoubleEscaping: Bool(false, 'Allow URLs that decode differently twice (else 404.11).'),
        allowHighBitCharacters: Bool(true, 'Allow non-ASCII bytes in the URL (else 404.12).'),
        requestLimits: Section(
          {
            maxAllowedContentLength: UInt(
              30000000,
              'Largest request body in bytes (413, 404.13 in the log).',
            ),
            maxUrl: UInt(4096, 'Longest URL path in bytes (414, 404.14).'),
            maxQueryString: UInt(2048, 'Longest query string in bytes (404.15).'),
            headerLimits: HeaderLimitsSchema,
          },
          'requestLimits: size limits checked before a request is queued.',
        ),
        fileExtensions: Section(
          {
            allowUnlisted: Bool(true, 'Allow extensions that are not listed.'),
            list: Type.Array(
              Type.Object(
                {
                  fileExtension: Type.String({ pattern: '^\\.', description: 'Extension with its dot.' }),
                  allowed: Type.Boolean({ description: 'false denies it (404.7).' }),
                },
                { additionalProperties: false },
              ),
              {
                default: iisDeniedExtensions,
                description: "Extension rules. Defaults to IIS's denied list.",
              },
            ),
          },
          'fileExtensions: extensions allowed or denied (404.7).',
        ),
        verbs: Section(
          {
            allowUnlisted: Bool(true, 'Allow verbs that are not listed.'),
            list: Type.Array(
              Type.Object(
                {
                  verb: Type.String({ minLength: 1 }),
                  allowed: Type.Boolean({ description: 'false denies it (404.6).' }),
                },
                { additionalProperties: false },
              ),
              { default: [], description: 'Verb rules.' },
            ),
          },
          'verbs: verbs allowed or denied (404.6).',
        ),
        hiddenSegments: Type.Array(Type.String({ minLength: 1 }), {
          default: [
            'web.config',
            'bin',
            'App_code',
            'App_GlobalResources',
            'App_LocalResources',
            'App_WebReferences',
            'App_Data',
            'App_Browsers',
            '.git',
            '.env',
          ],
          description:
            "URL segments never served (404.8), compared case-insensitively. IIS's list plus w3pool's .git and .env.",
        }),
        denyUrlSequences: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Substrings of the URL that deny the request (404.5).',
        }),
        ...workerRequestFiltering,
      },
      'requestFiltering: what the listener refuses before it queues a request (server settings), and what the worker refuses for an application (RequestFilteringModule: its effective settings, and the settings marked Worker).',
    ),
    caching: Section(
      {
        enabled: Bool(true, 'Output caching.'),
        enableKernelCache: Bool(true, "The listener's response cache (http.sys kernel cache)."),
        maxCacheSize: UInt(0, 'MB of response cache per listener; 0 lets the server decide (w3pool: 64 MB).'),
        maxResponseSize: UInt(262144, 'Largest cached response in bytes.'),
        cacheQueryStrings: Bool(
          false,
          'w3pool: let the response cache keep responses to URLs with a query string, keyed by the whole query. http.sys never does (false).',
        ),
        profiles: Type.Array(CachingProfileSchema, {
          default: [],
          description:
            'Output caching profiles by file name extension (HttpCacheModule): policy, duration, and what keys separate entries.',
        }),
      },
      'caching: response caching.',
    ),
    httpProtocol: Section(
      { allowKeepAlive: Bool(true, 'Keep connections open between requests.'), ...httpProtocolHeaders },
      'httpProtocol: protocol options.',
    ),
    httpRedirect: HttpRedirectSchema,
    httpErrors: HttpErrorsSchema,
    urlCompression: UrlCompressionSchema,
    httpCompression: HttpCompressionSchema,
    cgi: CgiSchema,
    fastCgi: FastCgiSchema,
    security: Section(
      {
        isapiCgiRestriction: IsapiCgiRestrictionSchema,
        authentication: AuthenticationSchema,
        authorization: AuthorizationSchema,
        access: AccessSchema,
      },
      'security: what may run (isapiCgiRestriction), who the client is (authentication), what it may request (authorization) and what it must bring over TLS (access).',
    ),
    globalModules: Type.Array(GlobalModuleSchema, {
      default: [],
      description: 'Modules of your own installed for the server; the built-in modules need no entry.',
    }),
    modules: Type.Array(ModuleSchema, {
      default: [
        // @w3pool/modules-response: output caching and compression first, as in IIS's list.
        { name: 'HttpCacheModule', preCondition: '' },
        { name: 'DynamicCompressionModule', preCondition: '' },
        { name: 'StaticCompressionModule', preCondition: '' },
        // @w3pool/modules-security, in IIS's order: request filtering and redirection at BeginRequest,
        // authentication (Basic, then Anonymous as the fallback that answers 401.2 when it is disabled),
        // authorization, custom headers at SendResponse. Each does nothing until its section enables it,
        // but RequestFilteringModule, which applies the application's own request filtering settings.
        { name: 'RequestFilteringModule', preCondition: '' },
        { name: 'HttpRedirectionModule', preCondition: '' },
        { name: 'BasicAuthenticationModule', preCondition: '' },
        { name: 'AnonymousAuthenticationModule', preCondition: '' },
        { name: 'UrlAuthorizationModule', preCondition: '' },
        { name: 'CustomHeaderModule', preCondition: '' },
        // @w3pool/modules-response: custom error pages, last as in IIS's list.
        { name: 'CustomErrorModule', preCondition: '' },
      ],
      description:
        "Modules enabled in the integrated pipeline, in order. A site or application list comes before its parent's.",
    }),
  },
  'webServer (system.webServer): request processing.',
);

export type WebServer = Static<typeof WebServerSchema>;
