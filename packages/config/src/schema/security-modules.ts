import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum } from './schema-helpers.js';

// The sections the built-in modules of @w3pool/modules-security read, with IIS's names and defaults:
// system.webServer/security/authentication (anonymousAuthentication, basicAuthentication),
// security/authorization, httpProtocol/customHeaders and redirectHeaders, httpRedirect, and the request
// filtering settings that only the worker applies (RequestFilteringModule; the listener applies the rest).
//
// IIS collections inherit: a site's or application's entries come after its parent's, and `clear` and
// `remove` entries (IIS's <clear/> and <remove/>) forget inherited ones. effective-web-server.ts appends
// these lists (APPENDED there); the modules resolve clear and remove in order.

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** IIS's <clear/>: forget every entry inherited from the parent levels. */
const Clear = Type.Object(
  {
    clear: Type.Literal(true, {
      description: "IIS's <clear/>: forget the entries inherited from the parent.",
    }),
  },
  { additionalProperties: false },
);

// --- security/authentication -------------------------------------------------------------------------

/** bcrypt's modular crypt format: $2a$, $2b$ or $2y$, a two-digit cost, 22 characters of salt, 31 of hash. */
export const BCRYPT_HASH_PATTERN = '^\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}$';

export const BasicUserSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      pattern: '^[^:]+$',
      description:
        'User name, compared case-insensitively; `DOMAIN\\name` for users of a defaultLogonDomain. No colon: Basic credentials are name:password.',
    }),
    passwordHash: Type.String({
      pattern: BCRYPT_HASH_PATTERN,
      description:
        'bcrypt hash of the password ($2a$, $2b$ or $2y$); docs/security-modules.md shows how to make one.',
    }),
    roles: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Roles the user is in, for URL authorization rules.',
    }),
  },
  { additionalProperties: false },
);

export type BasicUser = Static<typeof BasicUserSchema>;

export const AuthenticationSchema = Section(
  {
    anonymousAuthentication: Section(
      {
        enabled: Bool(
          true,
          'Serve requests without credentials as the anonymous user. When false, a request that no enabled authentication method logs on gets 401.2.',
        ),
      },
      'anonymousAuthentication: requests without credentials (AnonymousAuthenticationModule).',
    ),
    basicAuthentication: Section(
      {
        enabled: Bool(false, 'Log users on from `Authorization: Basic` credentials.'),
        realm: Str(
          '',
          'Realm sent in the `WWW-Authenticate: Basic realm="..."` challenge; empty sends the request\'s host name, as IIS does.',
        ),
        defaultLogonDomain: Str(
          '',
          'Domain for a user name sent without one: `alice` is looked up as `DOMAIN\\alice`.',
        ),
        users: Type.Array(BasicUserSchema, {
          default: [],
          description:
            'w3pool: the users Basic authentication knows (IIS asks Windows), each with a bcrypt passwordHash and roles.',
        }),
        usersFile: Str(
          '',
          'w3pool: a JSON file with more users, `[{ "name", "passwordHash", "roles" }]`, relative to the config file; re-read within a second when it changes.',
        ),
      },
      'basicAuthentication: user name and password in the Authorization header (BasicAuthenticationModule). Use it over HTTPS only: the password travels in clear.',
    ),
  },
  'authentication: who the client is.',
);

// --- security/authorization --------------------------------------------------------------------------

export const AuthorizationRuleSchema = Type.Object(
  {
    accessType: Type.Union([Type.Literal('Allow'), Type.Literal('Deny')], {
      description: 'Allow or Deny. Every Deny rule is evaluated before any Allow rule.',
    }),
    users: Str('', 'Comma-separated user names; `*` is everyone, `?` the anonymous user.'),
    roles: Str('', 'Comma-separated roles.'),
    verbs: Str('', 'Comma-separated verbs the rule applies to; empty: every verb.'),
  },
  { additionalProperties: false },
);

const RemoveAuthorizationRule = Type.Object(
  {
    remove: Type.Object(
      {
        users: Str('', 'Users of the rule to forget.'),
        roles: Str('', 'Its roles.'),
        verbs: Str('', 'Its verbs.'),
      },
      {
        additionalProperties: false,
        description:
          "IIS's <remove users roles verbs/>: forget the inherited rule with exactly these values.",
      },
    ),
  },
  { additionalProperties: false },
);

export type AuthorizationRule = Static<typeof AuthorizationRuleSchema>;
export type AuthorizationEntry = Static<typeof AuthorizationEntrySchema>;

export const AuthorizationEntrySchema = Type.Union([AuthorizationRuleSchema, RemoveAuthorizationRule, Clear]);

export const AuthorizationSchema = Section(
  {
    rules: Type.Array(AuthorizationEntrySchema, {
      default: [{ accessType: 'Allow', users: '*', roles: '', verbs: '' }],
      description:
        "URL authorization rules (UrlAuthorizationModule). A site's or application's rules come after its parent's; `{ clear: true }` or `{ remove: { users, roles, verbs } }` forget inherited ones. Denied: 401.2 for the anonymous user, 403 for a logged-on one. IIS's default: Allow users `*`.",
    }),
  },
  'authorization: which users, roles and verbs may request the URLs of an application.',
);

// --- httpProtocol/customHeaders and redirectHeaders ------------------------------------------------

const CustomHeader = Type.Object(
  {
    name: Type.String({ pattern: HEADER_NAME, description: 'Header name.' }),
    value: Type.String({ pattern: '^[^\\r\\n\\x00]*$', description: 'Header value (one line).' }),
  },
  { additionalProperties: false },
);

const RemoveHeader = Type.Object(
  {
    remove: Type.String({
      pattern: HEADER_NAME,
      description: "IIS's <remove name/>: forget the inherited header of this name.",
    }),
  },
  { additionalProperties: false },
);

export const HeaderEntrySchema = Type.Union([CustomHeader, RemoveHeader, Clear]);
export type HeaderEntry = Static<typeof HeaderEntrySchema>;

/** httpProtocol's header collections (CustomHeaderModule, IIS's ProtocolSupportModule). */
export const httpProtocolHeaders = {
  customHeaders: Type.Array(HeaderEntrySchema, {
    default: [],
    description:
      "Headers added to every response `{ name, value }`. A site's or application's entries come after its parent's; `{ remove: name }` or `{ clear: true }` forget inherited ones.",
  }),
  redirectHeaders: Type.Array(HeaderEntrySchema, {
    default: [],
    description: 'Headers added to redirect (3xx) responses only, as customHeaders.',
  }),
};

// --- httpRedirect ------------------------------------------------------------------------------------

export const HttpRedirectSchema = Section(
  {
    enabled: Bool(false, 'Redirect the requests of the application (HttpRedirectionModule).'),
    destination: Str(
      '',
      'Where to: an absolute URL or a path. With exactDestination, `$S` (rest of the path), `$V` (path), `$Q` (`?` and query) and `$P` (query) are replaced.',
    ),
    exactDestination: Bool(
      false,
      'Send every request to destination as given; false appends the rest of the path after the application to it (not the query: use $S$Q with exactDestination for that).',
    ),
    childOnly: Bool(
      false,
      "Only redirect requests to content in this directory, not in its subdirectories (IIS Manager's wording): keeps a redirect to a subdirectory from looping.",
    ),
    httpResponseStatus: StringEnum(['Found', 'Permanent', 'Temporary', 'PermRedirect'] as const, {
      default: 'Found',
      description: 'Found 302, Permanent 301, Temporary 307, PermRedirect 308.',
    }),
  },
  'httpRedirect: send the client elsewhere (HttpRedirectionModule). Set it on a site or an application.',
);

// --- security/requestFiltering: what only the worker applies -----------------------------------------

export const HeaderLimitsSchema = Type.Array(
  Type.Object(
    {
      header: Type.String({ pattern: HEADER_NAME, description: 'Request header name.' }),
      sizeLimit: Type.Integer({ minimum: 0, description: 'Longest value in bytes (404.10 past it).' }),
    },
    { additionalProperties: false },
  ),
  { default: [], description: 'headerLimits: longest value per request header (404.10). Worker.' },
);

const FilteringRuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Rule name, shown in the 404.19 detail.' }),
    scanUrl: Bool(false, 'Scan the URL path.'),
    scanQueryString: Bool(false, 'Scan the query string (raw, and unescaped with unescapeQueryString).'),
    scanAllRaw: Bool(false, 'Scan every request header, name and value.'),
    scanHeaders: Type.Array(Type.String({ pattern: HEADER_NAME }), {
      default: [],
      description: 'Request headers whose values are scanned.',
    }),
    appliesTo: Type.Array(Type.String({ pattern: '^\\.' }), {
      default: [],
      description: 'File extensions the rule applies to (with the dot); empty: every request.',
    }),
    denyStrings: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Strings that deny the request where scanned, case-insensitively (404.19).',
    }),
  },
  { additionalProperties: false },
);

/** requestFiltering settings only the worker's RequestFilteringModule reads (spread into the section). */
export const workerRequestFiltering = {
  unescapeQueryString: Bool(
    true,
    'Scan the query string a second time unescaped (denyQueryStringSequences, filteringRules). Worker.',
  ),
  denyQueryStringSequences: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'Substrings of the query string that deny the request, case-insensitively (404.18). Worker.',
  }),
  alwaysAllowedUrls: Type.Array(Type.String({ pattern: '^/' }), {
    default: [],
    description:
      'URL paths the worker never scans for denyUrlSequences or filteringRules scanUrl (exact, case-insensitive). Worker.',
  }),
  alwaysAllowedQueryStrings: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'Query strings the worker never scans for denyQueryStringSequences or filteringRules scanQueryString (exact). Worker.',
  }),
  filteringRules: Type.Array(FilteringRuleSchema, {
    default: [],
    description: 'Deny strings in the URL, query string or headers of matching requests (404.19). Worker.',
  }),
};

export type FilteringRule = Static<typeof FilteringRuleSchema>;

// --- security/access ---------------------------------------------------------------------------------

/** access@sslFlags's names, as IIS's schema lists them. */
export const ACCESS_SSL_FLAGS = ['None', 'Ssl', 'SslNegotiateCert', 'SslRequireCert', 'Ssl128'] as const;

const SSL_FLAG = `(?:${ACCESS_SSL_FLAGS.join('|')})`;

export const AccessSchema = Section(
  {
    sslFlags: Type.String({
      default: 'None',
      pattern: `^\\s*${SSL_FLAG}(?:\\s*,\\s*${SSL_FLAG})*\\s*$`,
      description:
        'A comma list: `Ssl` refuses plain HTTP (403.4); `Ssl128` also refuses a cipher key under 128 bits (403.5); `SslNegotiateCert` asks clients for a certificate during the handshake of the https bindings serving the site; `SslRequireCert` refuses a request without one (403.7), with one its authorities do not trust (403.16) or one expired or not yet valid (403.17). IIS default `None`.',
    }),
  },
  'access: what a request must bring over TLS (IIS system.webServer/security/access).',
);
