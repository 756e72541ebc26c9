import { Type, type Static } from '@sinclair/typebox';
import { Bool, Section, Str, StringEnum, TimeSpan, UInt } from './schema-helpers.js';

// system.applicationHost/applicationPools/add: every attribute of IIS_schema.xml's application pool,
// with IIS's default (shared/reference/iis.md §2–§3). Settings that only make sense on Windows (identity,
// CPU affinity, 32-bit mode) are kept so an imported applicationHost.config round-trips and an IIS admin
// finds every name; docs/configuration.md says which ones w3pool acts on.

const processModel = Section(
  {
    identityType: StringEnum(
      ['LocalSystem', 'LocalService', 'NetworkService', 'SpecificUser', 'ApplicationPoolIdentity'] as const,
      { default: 'ApplicationPoolIdentity', description: 'Account the worker runs as.' },
    ),
    userName: Str('', 'Account for identityType SpecificUser.'),
    password: Str('', 'Password for identityType SpecificUser.'),
    loadUserProfile: Bool(false, 'Load the identity user profile.'),
    setProfileEnvironment: Bool(true, 'Set profile environment variables.'),
    logonType: StringEnum(['LogonBatch', 'LogonService'] as const, {
      default: 'LogonBatch',
      description: 'Logon type of the identity.',
    }),
    manualGroupMembership: Bool(false, 'Manual IIS_IUSRS membership.'),
    idleTimeout: TimeSpan('00:20:00', 'Shut an idle worker down after this long; 00:00:00 disables.'),
    idleTimeoutAction: StringEnum(['Terminate', 'Suspend'] as const, {
      default: 'Terminate',
      description: 'What happens to an idle worker.',
    }),
    maxProcesses: UInt(1, 'Worker processes in the pool; 2 or more is a web garden.', 2147483647),
    shutdownTimeLimit: TimeSpan('00:01:30', 'A draining worker is killed after this long.'),
    startupTimeLimit: TimeSpan(
      '00:01:30',
      'A worker that is not ready in this time is killed; counts as a failure.',
    ),
    pingingEnabled: Bool(true, 'Health-ping the workers.'),
    pingInterval: TimeSpan('00:00:30', 'Interval between health pings.'),
    pingResponseTime: TimeSpan('00:01:30', 'A worker that does not answer a ping in this time is replaced.'),
    logEventOnProcessModel: Str('IdleTimeout', 'Process-model events to log (flags).'),
  },
  'processModel: how the pool runs and monitors its worker processes.',
);

const periodicRestart = Section(
  {
    time: TimeSpan('1.05:00:00', 'Recycle a worker after it has run this long (29 h); 00:00:00 disables.'),
    requests: UInt(0, 'Recycle after this many requests; 0 disables.'),
    memory: UInt(0, 'Recycle when virtual memory exceeds this many KB; 0 disables.'),
    privateMemory: UInt(0, 'Recycle when private memory exceeds this many KB; 0 disables.'),
    schedule: Type.Array(TimeSpan('00:00:00', 'A time of day (hh:mm:ss) at which to recycle.'), {
      default: [],
      description: 'Times of day at which to recycle. IIS default: none.',
    }),
  },
  'periodicRestart: recycle triggers.',
);

const recycling = Section(
  {
    disallowOverlappingRotation: Bool(false, 'Stop the old worker before the new one starts.'),
    disallowRotationOnConfigChange: Bool(false, 'Do not recycle when the pool configuration changes.'),
    logEventOnRecycle: Str(
      'Time, Requests, Schedule, Memory, IsapiUnhealthy, OnDemand, ConfigChange, PrivateMemory',
      'Recycle reasons that are recorded as events (flags; IIS 10 default: all eight).',
    ),
    periodicRestart,
  },
  'recycling: when and how workers are replaced.',
);

const failure = Section(
  {
    loadBalancerCapabilities: StringEnum(['HttpLevel', 'TcpLevel'] as const, {
      default: 'HttpLevel',
      description: 'HttpLevel answers 503 when the pool cannot serve; TcpLevel closes the connection.',
    }),
    orphanWorkerProcess: Bool(false, 'Leave a failed worker running for debugging instead of killing it.'),
    orphanActionExe: Str('', 'Program run on an orphaned worker (%1% is its pid).'),
    orphanActionParams: Str('', 'Arguments for orphanActionExe.'),
    rapidFailProtection: Bool(true, 'Stop the pool when workers crash too often.'),
    rapidFailProtectionInterval: TimeSpan('00:05:00', 'Window in which crashes are counted.'),
    rapidFailProtectionMaxCrashes: UInt(5, 'Crashes within the interval that stop the pool.', 2147483647, 1),
    autoShutdownExe: Str('', 'Program run when the pool is shut down by rapid-fail protection.'),
    autoShutdownParams: Str('', 'Arguments for autoShutdownExe.'),
  },
  'failure: rapid-fail protection, orphaning and the load-balancer signal.',
);

const cpu = Section(
  {
    limit: UInt(0, 'CPU limit in 1/1000 of a percent over resetInterval; 0 disables.', 100000),
    action: StringEnum(['NoAction', 'KillW3wp', 'Throttle', 'ThrottleUnderLoad'] as const, {
      default: 'NoAction',
      description: 'What happens when the CPU limit is exceeded.',
    }),
    resetInterval: TimeSpan('00:05:00', 'Window of the CPU limit.'),
    smpAffinitized: Bool(false, 'Bind workers to processors.'),
    smpProcessorAffinityMask: UInt(4294967295, 'Processor mask (low 32 CPUs).'),
    smpProcessorAffinityMask2: UInt(4294967295, 'Processor mask (high 32 CPUs).'),
    numaNodeAssignment: StringEnum(['MostAvailableMemory', 'WindowsScheduling'] as const, {
      default: 'MostAvailableMemory',
      description: 'NUMA node choice for a new worker.',
    }),
    numaNodeAffinityMode: StringEnum(['Soft', 'Hard'] as const, {
      default: 'Soft',
      description: 'NUMA affinity.',
    }),
    processorGroup: UInt(0, 'Processor group.'),
  },
  'cpu: CPU limits and affinity.',
);

export const ApplicationPoolSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256, description: 'Unique pool name.' }),
    autoStart: Bool(true, 'Start the pool when the server starts.'),
    startMode: StringEnum(['OnDemand', 'AlwaysRunning'] as const, {
      default: 'OnDemand',
      description: 'OnDemand starts a worker on the first request; AlwaysRunning keeps one up.',
    }),
    queueLength: UInt(1000, 'Requests the pool queue holds before new ones get 503 QueueFull.', 65535, 10),
    queueTimeout: TimeSpan(
      '00:00:00',
      'w3pool: how long a request may wait in this pool queue before it is answered 503 Timer_AppPool and never run; 00:00:00 uses the site limits connectionTimeout, as IIS does.',
    ),
    managedPipelineMode: StringEnum(['Integrated', 'Classic'] as const, {
      default: 'Integrated',
      description: 'Integrated runs every request through the pipeline; Classic only mapped handlers.',
    }),
    managedRuntimeVersion: Str('', 'CLR version in IIS; kept for import fidelity.'),
    managedRuntimeLoader: Str('webengine4.dll', 'CLR loader in IIS; kept for import fidelity.'),
    CLRConfigFile: Str('', 'CLR config file in IIS; kept for import fidelity.'),
    enable32BitAppOnWin64: Bool(false, '32-bit workers on 64-bit Windows; kept for import fidelity.'),
    enableConfigurationOverride: Bool(true, 'Allow per-application configuration to override pool settings.'),
    passAnonymousToken: Bool(true, 'Pass the anonymous token to the worker.'),
    environmentVariables: Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1 }), value: Type.String() },
        { additionalProperties: false },
      ),
      { default: [], description: 'Environment variables of the pool worker processes (IIS 10).' },
    ),
    retryGetOnCrash: Bool(
      false,
      'w3pool: when a worker process dies with a GET or HEAD in flight, run it once more on another worker instead of answering 502.3. Off by default: the request may be what crashed the worker, and a GET is not always free of side effects.',
    ),
    workerConcurrency: Type.Integer({
      minimum: 1,
      maximum: 4096,
      default: 16,
      description:
        'w3pool: requests one application domain of a worker process runs at once (each application of the pool takes its own requests from the queue). Measured best at about 1/4 to 1/2 of the requests in flight (docs/architecture.md). Default 16.',
    }),
    processModel,
    recycling,
    failure,
    cpu,
  },
  { additionalProperties: false, description: 'An application pool: a queue and the workers that serve it.' },
);

export type ApplicationPool = Static<typeof ApplicationPoolSchema>;
