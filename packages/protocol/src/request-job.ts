import { pack, unpack } from 'msgpackr';
import { decodeRequestTls, encodeRequestTls, type RequestTls } from './request-tls.js';

// The request as it travels on a pool queue: what http.sys hands to w3wp, and what ISAPI's
// EXTENSION_CONTROL_BLOCK carries (method, URL, headers, and the pre-read part of the body).
//
// On the wire it is a msgpack array in a fixed field order rather than a map: it is encoded once and decoded
// once per request, and a positional array is both smaller and faster to walk than one with its keys.

export interface RequestJob {
  /** Unique per request: `<listenerId>.<sequence>`. Replies are matched on it. */
  id: string;
  /** The listener instance that holds the client's connection; replies go to its channel only. */
  replyTo: string;
  /** Epoch ms when the listener queued the request. */
  enqueuedAt: number;
  /** Epoch ms after which nobody waits for the answer: the listener has answered 503 Timer_AppPool. */
  deadline: number;
  siteId: number;
  siteName: string;
  /** Virtual path of the application that matched (`/`, `/api`, ...). */
  appPath: string;
  method: string;
  /** The raw request target (path and query) as the client sent it. */
  rawUrl: string;
  /** The normalised, percent-decoded path (no `.`/`..` segments): IIS's URL server variable. */
  path: string;
  /** The query string without `?`, as sent. */
  query: string;
  httpVersion: string;
  /**
   * Header lines as received, in order: name, value, name, value, ... (Node's rawHeaders, names in the
   * client's case; repeated headers stay repeated). Passed on as they are, so the listener does no work
   * per header.
   */
  headers: string[];
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** The pre-read part of the body (ECB lpbData): at most uploadReadAheadSize bytes. */
  body: Uint8Array;
  /** cbTotalBytes: the declared body length, or -1 for a chunked body of unknown length. */
  bodyLength: number;
  /**
   * True when `body` is the whole body. Otherwise the worker asks the listener for the rest (ReadClient),
   * which streams it over the worker's control channel as the worker reads.
   */
  bodyComplete: boolean;
  /** The TLS connection's facts (protocol, cipher, certificates); absent over plain HTTP. */
  tls?: RequestTls;
}

/** Bumped when the field order changes, so a worker never misreads a job from a listener of another build. */
const JOB_FORMAT = 2;
const FIELD_COUNT = 22;

export function encodeRequestJob(job: RequestJob): Buffer {
  return pack([
    JOB_FORMAT,
    job.id,
    job.replyTo,
    job.enqueuedAt,
    job.deadline,
    job.siteId,
    job.siteName,
    job.appPath,
    job.method,
    job.rawUrl,
    job.path,
    job.query,
    job.httpVersion,
    job.headers,
    job.remoteAddress,
    job.remotePort,
    job.localAddress,
    job.localPort,
    job.body,
    job.bodyLength,
    job.bodyComplete,
    encodeRequestTls(job.tls),
  ]);
}

/** Decode a job; throws a TypeError naming what is wrong when the bytes are not a job of this format. */
export function decodeRequestJob(bytes: Uint8Array): RequestJob {
  const f = unpack(bytes) as unknown[];
  if (!Array.isArray(f) || f.length !== FIELD_COUNT || f[0] !== JOB_FORMAT) {
    throw new TypeError(`not a w3pool request job (format ${JOB_FORMAT}, ${FIELD_COUNT} fields)`);
  }
  const job: RequestJob = {
    id: f[1] as string,
    replyTo: f[2] as string,
    enqueuedAt: f[3] as number,
    deadline: f[4] as number,
    siteId: f[5] as number,
    siteName: f[6] as string,
    appPath: f[7] as string,
    method: f[8] as string,
    rawUrl: f[9] as string,
    path: f[10] as string,
    query: f[11] as string,
    httpVersion: f[12] as string,
    headers: f[13] as string[],
    remoteAddress: f[14] as string,
    remotePort: f[15] as number,
    localAddress: f[16] as string,
    localPort: f[17] as number,
    body: f[18] as Uint8Array,
    bodyLength: f[19] as number,
    bodyComplete: f[20] as boolean,
  };
  const tls = decodeRequestTls(f[21]);
  if (typeof tls === 'object') job.tls = tls;
  const wrong = wrongField(job, tls);
  if (wrong) throw new TypeError(`malformed w3pool request job: ${wrong}`);
  return job;
}

const STRINGS = [
  'id',
  'replyTo',
  'siteName',
  'appPath',
  'method',
  'rawUrl',
  'path',
  'query',
  'httpVersion',
  'remoteAddress',
  'localAddress',
] as const;
const NUMBERS = ['enqueuedAt', 'deadline', 'siteId', 'remotePort', 'localPort', 'bodyLength'] as const;

function wrongField(job: RequestJob, tls: RequestTls | undefined | string): string | undefined {
  for (const name of STRINGS) if (typeof job[name] !== 'string') return `${name} is not a string`;
  for (const name of NUMBERS) if (typeof job[name] !== 'number') return `${name} is not a number`;
  if (!Array.isArray(job.headers) || job.headers.length % 2 !== 0) return 'headers is not a list of pairs';
  if (!(job.body instanceof Uint8Array)) return 'body is not binary';
  if (typeof job.bodyComplete !== 'boolean') return 'bodyComplete is not a boolean';
  // decodeRequestTls names what is wrong with a tls field instead of returning one.
  if (typeof tls === 'string') return tls;
  return undefined;
}
