import { Type, type Static } from '@sinclair/typebox';
import { messageCodec } from './message-codec.js';

// The pipe between a pool host and each of its worker processes (Node's IPC channel): what WAS's pings and
// w3wp's reports are in IIS. And, inside a worker process, between its main thread and each application
// domain (worker_threads). Nothing crosses either per request: requests travel through Redis, and a worker
// reports what it runs once a second.

const RequestInFlightSchema = Type.Object({
  id: Type.String(),
  method: Type.String(),
  url: Type.String(),
  /** Epoch ms when the worker took it. */
  at: Type.Number(),
});
/** A request a worker is running, as `appcmd list requests` shows it. */
export type RequestInFlight = Static<typeof RequestInFlightSchema>;

/** Once a second: requests served so far and the requests running now (a worker's, or one domain's). */
const StatsReportSchema = Type.Object({
  type: Type.Literal('stats'),
  served: Type.Integer(),
  inFlight: Type.Array(RequestInFlightSchema),
});

const WorkerToHostSchema = Type.Union([
  /**
   * The worker takes requests: startupTimeLimit is met. `workerId` is the id the host gave it
   * (W3POOL_WORKER_ID), under which its queue consumers are registered.
   */
  Type.Object({ type: Type.Literal('ready'), workerId: Type.String() }),
  Type.Object({ type: Type.Literal('pong'), seq: Type.Integer() }),
  StatsReportSchema,
  /** An extension reported the worker unhealthy (HSE_REQ_REPORT_UNHEALTHY): the host recycles it. */
  Type.Object({ type: Type.Literal('unhealthy'), reason: Type.String() }),
]);
export type WorkerToHost = Static<typeof WorkerToHostSchema>;
export const workerToHostCodec = messageCodec('worker → host', WorkerToHostSchema);

const HostToWorkerSchema = Type.Union([
  Type.Object({ type: Type.Literal('ping'), seq: Type.Integer() }),
  /** Stop taking requests, finish those in flight, terminate the extensions, exit. */
  Type.Object({ type: Type.Literal('stop') }),
]);
export type HostToWorker = Static<typeof HostToWorkerSchema>;
export const hostToWorkerCodec = messageCodec('host → worker', HostToWorkerSchema);

const DomainCommandSchema = Type.Union([
  /** Relayed from the pool host's ping: a domain whose event loop is blocked cannot answer. */
  Type.Object({ type: Type.Literal('ping'), seq: Type.Integer() }),
  /** Stop taking requests, finish those in flight on the current code, terminate, end the thread. */
  Type.Object({ type: Type.Literal('retire') }),
]);
/** A worker process's main thread → one of its application domains. */
export type DomainCommand = Static<typeof DomainCommandSchema>;
export const domainCommandCodec = messageCodec('domain command', DomainCommandSchema);

const DomainReportSchema = Type.Union([
  /** The domain's extensions are loaded and it takes requests from its application's queue. */
  Type.Object({ type: Type.Literal('ready') }),
  Type.Object({ type: Type.Literal('pong'), seq: Type.Integer() }),
  /** Also sent when the domain retires. */
  StatsReportSchema,
  Type.Object({ type: Type.Literal('unhealthy'), reason: Type.String() }),
]);
/** One application domain → its worker process's main thread. */
export type DomainReport = Static<typeof DomainReportSchema>;
export const domainReportCodec = messageCodec('domain report', DomainReportSchema);
