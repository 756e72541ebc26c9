import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';
import { WebServerOverrideSchema } from './web-server-override.js';

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
    sslFlags: UInt(
      0,
      'https: IIS binding flags, added together. 1 SNI (the certificate is chosen by the host name the client asks for), 2 central certificate store (the certificate is <centralCertProvider.certStoreLocation>/<host>.pfx or .pem), 4 disable HTTP/2, 8 disable OCSP stapling, 16 disable QUIC (w3pool serves no QUIC), 32 disable TLS 1.3, 64 disable legacy TLS (w3pool never offers TLS 1.0/1.1; with this flag the binding also refuses TLS 1.2). 0 is one certificate per IP:port.',
      127,
    ),
    certificateFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'https: the certificate: a PEM file (the certificate, then its chain; may also hold the key) or a PKCS#12 file (.pfx/.p12). Relative to the config file. Reloaded when it changes.',
      }),
    ),
    certificateKeyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: "https: the PEM private key, when certificateFile doesn't hold it.",
      }),
    ),
    certificatePassword: Type.Optional(
      Type.String({ description: 'https: the password of a .pfx file or of an encrypted PEM key.' }),
    ),
    certificateHash: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Fa-f]{40}$',
        description:
          "https: IIS's certificate thumbprint (SHA-1). Without a Windows certificate store, it names the file <httpSys.certificateStoreDirectory>/<certificateStoreName>/<HASH>.pfx or .pem, whose thumbprint must match.",
      }),
    ),
    certificateStoreName: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]+$',
        description:
          "https: IIS's certificate store (`My`, `WebHosting`): the folder certificateHash is looked up in. Default My.",
      }),
    ),
    clientCertificateAuthorities: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "https: PEM file of the authorities whose client certificates are trusted (netsh's CTL). Without it, Node's bundled roots. Only used when access@sslFlags asks for client certificates.",
      }),
    ),
    ocspResponseFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'https: a DER OCSP response for the certificate, stapled to handshakes (unless sslFlags has 8). Kept fresh by an outside job, as with nginx ssl_stapling_file; reloaded when it changes.',
      }),
    ),
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
    webServer: Type.Optional(WebServerOverrideSchema),
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

const logFile = Section(
  {
    enabled: Bool(true, 'Write the W3C Extended access log.'),
    logFormat: StringEnum(['W3C'] as const, {
      default: 'W3C',
      description: 'Log format. W3C Extended, with the IIS default fields.',
    }),
    directory: Str(
      'logs/LogFiles',
      'Where the log goes; each site writes to W3SVC<id> under it. Relative to the config file. IIS default %SystemDrive%\\inetpub\\logs\\LogFiles.',
    ),
    period: StringEnum(['Hourly', 'Daily', 'Monthly'] as const, {
      default: 'Daily',
      description: 'When a new file starts (u_exYYMMDDHH, u_exYYMMDD, u_exYYMM). IIS default Daily.',
    }),
    localTimeRollover: Bool(false, 'Roll over on local time instead of UTC (times inside stay UTC).'),
  },
  'logFile: the site W3C access log, written by the listener asynchronously.',
);

export const SiteSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique site name.' }),
    id: Type.Integer({ minimum: 1, maximum: 4294967295, description: 'Unique site id (s-siteid in logs).' }),
    serverAutoStart: Bool(true, 'Start the site when the server starts.'),
    bindings: Type.Array(BindingSchema, { minItems: 1, description: 'Where the site listens.' }),
    limits,
    logFile,
    applications: Type.Array(ApplicationSchema, {
      minItems: 1,
      description: 'Applications; one must have path `/`.',
    }),
    webServer: Type.Optional(WebServerOverrideSchema),
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
    queueAdmissionTimeout: TimeSpan(
      '00:00:01',
      'w3pool: how long the listener waits for the pool queue (Redis) to admit a request. Past it, or at once while Redis is unreachable, the request gets 503 with Retry-After (HTTPERR QueueUnreachable) instead of hanging. http.sys has no such setting: its queues are in the kernel.',
    ),
  },
  'webLimits: server-wide connection limits.',
);

/**
 * http.sys's own settings, kept where IIS keeps them (HKLM\\System\\CurrentControlSet\\Services\\HTTP\\Parameters),
 * under the registry value names.
 */
export const HttpSysSchema = Section(
  {
    enableErrorLogging: Bool(true, 'Write the HTTPERR log of the rejections the listener makes itself.'),
    errorLoggingDir: Str(
      'logs/HTTPERR',
      'Directory of httperrN.log. Relative to the config file. IIS default %SystemRoot%\\System32\\LogFiles\\HTTPERR.',
    ),
    errorLogFileTruncateSize: UInt(
      1048576,
      'Bytes after which the HTTPERR log rolls to the next httperrN.log (minimum 1 MB).',
      4294967295,
      1048576,
    ),
    certificateStoreDirectory: Str(
      'certs',
      "Where a binding's certificateHash is looked up: <directory>/<certificateStoreName>/<HASH>.pfx or .pem. w3pool's stand-in for the Windows certificate stores. Relative to the config file.",
    ),
  },
  'httpSys: http.sys registry parameters (error logging, certificate lookup).',
);

/**
 * IIS's Centralized SSL Certificate Support, kept under its registry value names
 * (HKLM\\SOFTWARE\\Microsoft\\IIS\\CentralCertProvider).
 */
export const CentralCertProviderSchema = Section(
  {
    enabled: Bool(false, 'Serve the bindings with sslFlags 2 from the central certificate store.'),
    certStoreLocation: Str(
      'certs/central',
      'The folder of <host>.pfx or <host>.pem (+ <host>.key) files; `_.example.com.pfx` serves *.example.com. Relative to the config file.',
    ),
    privateKeyPassword: Type.Optional(Type.String({ description: 'The password of the .pfx files.' })),
  },
  'centralCertProvider: the central certificate store (one certificate file per host name).',
);
