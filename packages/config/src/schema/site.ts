import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';

// system.applicationHost/sites: sites, their bindings, applications and virtual directories.

/** `IP:port:host`, as in IIS: `*:80:`, `127.0.0.1:8080:www.contoso.com`, `[::1]:80:`. */
export const BINDING_INFORMATION_PATTERN = '^(\\*|[0-9.]*|\\[[0-9a-fA-F:.]+\\]):([0-9]{1,5}):([^:\\s/]*)$';

export const BindingSchema = Type.Object(
  {
    protocol: StringEnum(['http', 'https'] as const, { default: 'http', description: 'Binding protocol.' }),
    bindingInformation: Type.String({
      pattern: BINDING_INFORMATION_PATTERN,
      description:
        'IP:port:host. `*` or empty IP means all addresses; an empty host matches any Host header.',
    }),
    sslFlags: UInt(0, 'TLS flags (SNI, central certificate store, ...).', 127),
  },
  { additionalProperties: false },
);

export const VirtualDirectorySchema = Type.Object(
  {
    path: Type.String({ pattern: '^/', description: 'Virtual path within the application.' }),
    physicalPath: Type.String({
      minLength: 1,
      description: 'Directory served; relative paths are resolved against the config file.',
    }),
  },
  { additionalProperties: false },
);

export const ApplicationSchema = Type.Object(
  {
    path: Type.String({ pattern: '^/', description: 'Virtual path of the application within the site.' }),
    applicationPool: Str('DefaultAppPool', 'The pool whose queue and workers serve this application.'),
    enabledProtocols: Str('http', 'Protocols the application accepts.'),
    preloadEnabled: Bool(false, 'Warm the application when its worker starts.'),
    virtualDirectories: Type.Array(VirtualDirectorySchema, {
      minItems: 1,
      description: 'Virtual directories; the one at `/` is the application root.',
    }),
  },
  { additionalProperties: false },
);

const limits = Section(
  {
    connectionTimeout: TimeSpan('00:02:00', 'Idle connection timeout; also the pool queue wait deadline.'),
    maxBandwidth: UInt(4294967295, 'Bytes per second for the site.'),
    maxConnections: UInt(4294967295, 'Connections for the site (503 ConnLimit when reached).'),
    maxUrlSegments: UInt(32, 'URL segments allowed.', 16383),
  },
  'limits: per-site connection limits.',
);

export const SiteSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique site name.' }),
    id: Type.Integer({ minimum: 1, maximum: 4294967295, description: 'Unique site id (s-siteid in logs).' }),
    serverAutoStart: Bool(true, 'Start the site when the server starts.'),
    bindings: Type.Array(BindingSchema, { minItems: 1, description: 'Where the site listens.' }),
    limits,
    applications: Type.Array(ApplicationSchema, {
      minItems: 1,
      description: 'Applications; one must have path `/`.',
    }),
  },
  { additionalProperties: false },
);

export type Binding = Static<typeof BindingSchema>;
export type Application = Static<typeof ApplicationSchema>;
export type VirtualDirectory = Static<typeof VirtualDirectorySchema>;
export type Site = Static<typeof SiteSchema>;

export const WebLimitsSchema = Section(
  {
    connectionTimeout: TimeSpan('00:02:00', 'Server-wide idle connection timeout.'),
    headerWaitTimeout: TimeSpan(
      '00:00:00',
      'Time allowed to receive the request headers; 00:00:00 leaves it to connectionTimeout.',
    ),
    minBytesPerSecond: UInt(240, 'Minimum send rate before the connection is dropped.'),
    maxGlobalBandwidth: UInt(4294967295, 'Server-wide bandwidth.'),
    demandStartThreshold: UInt(2147483647, 'Maximum concurrently running worker processes.', 2147483647),
    dynamicRegistrationThreshold: UInt(100, 'Above this many sites, sites register on first request.'),
    dynamicIdleThreshold: UInt(
      0,
      'Percent of committed memory at which idle timeouts shorten; 0 disables.',
      10000,
    ),
  },
  'webLimits: server-wide connection limits.',
);
