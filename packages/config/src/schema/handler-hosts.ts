import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';

// system.webServer/cgi and system.webServer/fastCgi: the settings of the two handlers that run programs,
// with IIS's names, units (fastCgi's timeouts are whole seconds, cgi's a timespan) and defaults.

export const CgiSchema = Section(
  {
    timeout: TimeSpan('00:15:00', 'A CGI process still running after this is killed: 502.1.'),
    createProcessAsUser: Bool(
      true,
      'Run the process as the authenticated user. w3pool runs CGI as the worker user; true is accepted and has no effect outside Windows.',
    ),
    createCGIWithNewConsole: Bool(false, 'Windows only; accepted and ignored.'),
  },
  'cgi: one process per request (CgiModule).',
);

const EnvironmentVariable = Type.Object(
  { name: Type.String({ minLength: 1 }), value: Type.String() },
  { additionalProperties: false },
);

export const FastCgiApplicationSchema = Type.Object(
  {
    fullPath: Type.String({
      minLength: 1,
      description:
        'The FastCGI program (php-cgi). A handler mapping names it in scriptProcessor as `fullPath|arguments`.',
    }),
    arguments: Str(
      '',
      'Arguments of the program; fullPath and arguments together identify the process pool.',
    ),
    address: Str(
      '',
      'w3pool: an external FastCGI server instead of processes of its own, `tcp://host:port` or `unix:/path/to.sock` (php-fpm). Empty: w3pool starts fullPath itself.',
    ),
    maxInstances: UInt(0, 'Processes in the pool; 0 lets w3pool choose (the number of CPUs).', 10000),
    instanceMaxRequests: UInt(200, 'Requests a process serves before it is replaced.', 10000000, 1),
    activityTimeout: UInt(
      70,
      'Seconds a request may go without any output before the process is killed (500).',
      3600,
      10,
    ),
    requestTimeout: UInt(
      90,
      'Seconds a request may take in all before the process is killed (500).',
      604800,
      10,
    ),
    idleTimeout: UInt(300, 'Seconds an idle process lives.', 604800, 10),
    queueLength: UInt(1000, 'Requests waiting for a free process; past it, 503.4.', 10000000, 1),
    rapidFailsPerMinute: UInt(
      10,
      'Process failures per minute after which the application is refused (503).',
      2147483647,
    ),
    protocol: StringEnum(['NamedPipe', 'Tcp'] as const, {
      default: 'NamedPipe',
      description:
        'How w3pool talks to its processes: NamedPipe is a Unix domain socket here, Tcp a loopback port.',
    }),
    stderrMode: StringEnum(
      ['ReturnStdErrIn500', 'ReturnGeneric500', 'IgnoreAndReturn200', 'TerminateProcess'] as const,
      {
        default: 'ReturnStdErrIn500',
        description: 'What stderr output from the application does to the response.',
      },
    ),
    signalBeforeTerminateSeconds: UInt(
      0,
      'Seconds between SIGTERM and SIGKILL when a process is stopped.',
      60,
    ),
    monitorChangesTo: Str('', 'A file whose change recycles the pool of processes (php.ini, say).'),
    environmentVariables: Type.Array(EnvironmentVariable, {
      default: [],
      description: 'Environment of the processes (PHP_FCGI_MAX_REQUESTS, PHPRC, ...).',
    }),
  },
  { additionalProperties: false },
);

export type FastCgiApplication = Static<typeof FastCgiApplicationSchema>;

export const FastCgiSchema = Section(
  {
    applications: Type.Array(FastCgiApplicationSchema, {
      default: [],
      description:
        'FastCGI process pools; a FastCgiModule mapping uses the one whose fullPath|arguments it names.',
    }),
  },
  'fastCgi: persistent application processes (FastCgiModule).',
);

const RestrictionEntry = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'The executable or extension module.' }),
    allowed: Type.Boolean({ description: 'false refuses it: 404.2.' }),
    groupId: Str('', 'Group name, as in IIS.'),
    description: Str('', 'What it is.'),
  },
  { additionalProperties: false },
);

export const IsapiCgiRestrictionSchema = Section(
  {
    notListedIsapisAllowed: Bool(false, 'Allow extension modules (`type`) that are not listed.'),
    notListedCgisAllowed: Bool(false, 'Allow CGI and FastCGI executables that are not listed.'),
    list: Type.Array(RestrictionEntry, {
      default: [],
      description:
        'Executables (scriptProcessor, fastCgi fullPath) and extension modules allowed or refused.',
    }),
  },
  'isapiCgiRestriction: which programs and extension modules may run (404.2 otherwise).',
);

export type IsapiCgiRestriction = Static<typeof IsapiCgiRestrictionSchema>;
