import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';

// The sections of the response modules (packages/modules-response), with IIS's names and defaults:
// system.webServer/httpErrors (CustomErrorModule), caching/profiles (HttpCacheModule), urlCompression and
// httpCompression (StaticCompressionModule, DynamicCompressionModule).

const ResponseMode = (description: string) =>
  StringEnum(['File', 'ExecuteURL', 'Redirect'] as const, { default: 'File', description });

export const HttpErrorSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 999, description: 'The status this page answers.' }),
    subStatusCode: Type.Integer({
      minimum: -1,
      maximum: 999,
      default: -1,
      description: 'The IIS substatus this page answers (404.3: 3); -1 answers any. IIS default -1.',
    }),
    path: Type.String({
      minLength: 1,
      description:
        'File: a file (relative to the config file for the server, to the application root for a site or application); ExecuteURL: a URL of the same application; Redirect: the URL clients are sent to.',
    }),
    responseMode: ResponseMode('How the page is answered. IIS default File.'),
    prefixLanguageFilePath: Str(
      '',
      'File mode: a folder holding one folder per language (en-US, de-DE, ...) with `path` inside; the language comes from Accept-Language, else en-US.',
    ),
  },
  { additionalProperties: false },
);

export const HttpErrorsSchema = Section(
  {
    errorMode: StringEnum(['DetailedLocalOnly', 'Custom', 'Detailed'] as const, {
      default: 'DetailedLocalOnly',
      description:
        'Detailed: the built-in page with the error detail, for every client; Custom: the configured pages (or the built-in page without detail); DetailedLocalOnly: Detailed for loopback clients, Custom for the others. IIS default DetailedLocalOnly.',
    }),
    existingResponse: StringEnum(['Auto', 'Replace', 'PassThrough'] as const, {
      default: 'Auto',
      description:
        'What happens to an error response a handler wrote itself (docs/response-modules.md): Auto leaves it, Replace replaces it with the configured page, PassThrough leaves it and also leaves the errors a handler throws to the built-in page. IIS default Auto.',
    }),
    defaultResponseMode: ResponseMode('How defaultPath is answered. IIS default File.'),
    defaultPath: Str(
      '',
      'The page for an error status no entry of `errors` names; empty: the built-in page.',
    ),
    allowAbsolutePathsWhenDelegated: Bool(
      false,
      "Allow File paths outside the application root in a site's or application's own httpErrors (set at the server level).",
    ),
    errors: Type.Array(HttpErrorSchema, {
      default: [],
      description:
        'Custom error pages by status and substatus; the most specific entry wins. IIS ships pages under %SystemDrive%\\inetpub\\custerr; w3pool ships none, so the list starts empty.',
    }),
  },
  'httpErrors: custom error pages (CustomErrorModule).',
);

const CachePolicy = (description: string) =>
  StringEnum(['DontCache', 'CacheUntilChange', 'CacheForTimePeriod', 'DisableCache'] as const, {
    default: 'DontCache',
    description,
  });

export const CachingProfileSchema = Type.Object(
  {
    extension: Type.String({
      pattern: '^\\.[^/\\\\]+$',
      description: "The URL's file name extension the profile applies to, with its dot (`.aspx`).",
    }),
    policy: CachePolicy(
      "The output cache's policy (IIS's user-mode cache). w3pool has one response cache, the listener's: see kernelCachePolicy. IIS default DontCache.",
    ),
    kernelCachePolicy: CachePolicy(
      "The listener's response cache (http.sys kernel cache) policy; it wins over `policy` unless DontCache; DisableCache in either keeps the response out of the cache. IIS default DontCache.",
    ),
    duration: TimeSpan('00:00:30', 'How long CacheForTimePeriod keeps a response.'),
    location: StringEnum(['Any', 'Client', 'Downstream', 'Server', 'None', 'ServerAndClient'] as const, {
      default: 'Any',
      description:
        'The Cache-Control a cached response carries when its handler set none: Any and Downstream public, Client and ServerAndClient private, Server and None no-cache. IIS default Any.',
    }),
    varyByHeaders: Str('', 'Comma-separated request headers whose values key separate cache entries.'),
    varyByQueryString: Str(
      '',
      'Comma-separated query string parameters that key separate cache entries (others are ignored), or `*` for the whole query string.',
    ),
  },
  { additionalProperties: false },
);

export const UrlCompressionSchema = Section(
  {
    doStaticCompression: Bool(true, 'Compress static files (StaticCompressionModule).'),
    doDynamicCompression: Bool(true, 'Compress dynamic responses (DynamicCompressionModule).'),
    dynamicCompressionBeforeCache: Bool(
      true,
      "Compress a dynamic response before the response cache keeps it; false keeps compressed dynamic responses out of the listener's cache.",
    ),
  },
  'urlCompression: which responses are compressed.',
);

const MimeTypeEntry = Type.Object(
  {
    mimeType: Type.String({ minLength: 1, description: 'A media type; `*` matches any type or subtype.' }),
    enabled: Type.Boolean({ description: 'Compress this type (the first matching entry decides).' }),
  },
  { additionalProperties: false },
);

export const CompressionSchemeSchema = Type.Object(
  {
    name: Type.Union([Type.Literal('br'), Type.Literal('gzip')], {
      description: 'The content coding: gzip, or br (brotli, an add-on in IIS; node:zlib here).',
    }),
    doStaticCompression: Bool(true, 'Use this scheme for static files.'),
    doDynamicCompression: Bool(true, 'Use this scheme for dynamic responses.'),
    staticCompressionLevel: UInt(
      7,
      'IIS level 0-10 for static files (docs/response-modules.md maps it to zlib).',
      10,
    ),
    dynamicCompressionLevel: UInt(0, 'IIS level 0-10 for dynamic responses.', 10),
  },
  { additionalProperties: false },
);

const enabled = (mimeType: string, on = true) => ({ mimeType, enabled: on });
const scheme = (name: 'br' | 'gzip') => ({
  name,
  doStaticCompression: true,
  doDynamicCompression: true,
  staticCompressionLevel: 7,
  dynamicCompressionLevel: 0,
});

export const HttpCompressionSchema = Section(
  {
    minFileSizeForComp: UInt(2700, 'Bytes a response must have to be compressed.'),
    noCompressionForHttp10: Bool(true, 'Do not compress for HTTP/1.0 clients.'),
    noCompressionForProxies: Bool(true, 'Do not compress for requests that came through a proxy (Via).'),
    noCompressionForRange: Bool(true, 'Do not compress for requests with a Range header.'),
    sendCacheHeaders: Bool(false, 'Send cacheControlHeader and expiresHeader with compressed responses.'),
    cacheControlHeader: Str('max-age=86400', 'Cache-Control of compressed responses, with sendCacheHeaders.'),
    expiresHeader: Str(
      'Wed, 01 Jan 1997 12:00:00 GMT',
      'Expires of compressed responses, with sendCacheHeaders.',
    ),
    staticTypes: Type.Array(MimeTypeEntry, {
      default: [
        enabled('text/*'),
        enabled('message/*'),
        enabled('application/javascript'),
        enabled('application/atom+xml'),
        enabled('application/xaml+xml'),
        enabled('image/svg+xml'),
        enabled('*/*', false),
      ],
      description: "Media types of static files that are compressed, in order. IIS's list.",
    }),
    dynamicTypes: Type.Array(MimeTypeEntry, {
      default: [
        enabled('text/*'),
        enabled('message/*'),
        enabled('application/x-javascript'),
        enabled('application/javascript'),
        enabled('application/json'),
        enabled('*/*', false),
      ],
      description: "Media types of dynamic responses that are compressed, in order. IIS's list.",
    }),
    schemes: Type.Array(CompressionSchemeSchema, {
      default: [scheme('br'), scheme('gzip')],
      description:
        'The content codings, in the server’s order of preference: among those the client accepts with the highest q-value, the first listed wins.',
    }),
  },
  'httpCompression: how responses are compressed.',
);

export type HttpErrors = Static<typeof HttpErrorsSchema>;
export type HttpErrorEntry = Static<typeof HttpErrorSchema>;
export type CachingProfile = Static<typeof CachingProfileSchema>;
export type UrlCompression = Static<typeof UrlCompressionSchema>;
export type HttpCompression = Static<typeof HttpCompressionSchema>;
export type CompressionScheme = Static<typeof CompressionSchemeSchema>;
