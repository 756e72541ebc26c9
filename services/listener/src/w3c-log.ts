import { join } from 'node:path';
import type { Site } from '@w3pool/config';
import { AsyncLogFile } from './async-log-file.js';

/**
 * IIS's default W3C field set (logExtFileFlags default), in IIS's order, plus cs-version (IIS's
 * ProtocolVersion flag, which it writes after c-ip): with https bindings serving HTTP/2 beside HTTP/1.1,
 * the line says which one a request came over, as s-port says which binding.
 */
export const W3C_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

/** One completed request, as the site log records it. */
export interface AccessRecord {
  /** Epoch ms when the request ended. */
  at: number;
  serverIp: string;
  method: string;
  uriStem: string;
  uriQuery: string;
  serverPort: number;
  /** cs-username: '' (logged `-`) for an anonymous request. */
  username?: string;
  clientIp: string;
  /** cs-version: `HTTP/1.1`, `HTTP/2`. */
  protocolVersion: string;
  userAgent: string | undefined;
  referer: string | undefined;
  status: number;
  substatus: number;
  /** 0, or 64 (ERROR_NETNAME_DELETED) when the client went away before the response was complete. */
  win32Status: number;
  timeTakenMs: number;
}

interface SiteLog {
  site: Site;
  file: AsyncLogFile;
  /** The file name, as of this second. */
  nameSecond: number;
  name: string;
}

/**
 * The W3C Extended access logs, one per site in <directory>/W3SVC<id>/u_exYYMMDD.log, UTC inside, rolled
 * by period. Written asynchronously: a request only appends a line to memory.
 */
export class W3cLogs {
  private readonly files = new Map<number, SiteLog>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Adopt a configuration: sites whose log settings changed get a new writer. */
  configure(sites: readonly Site[]): void {
    const next = new Map<number, SiteLog>();
    for (const site of sites) {
      if (!site.logFile.enabled) continue;
      const directory = join(site.logFile.directory, `W3SVC${site.id}`);
      const current = this.files.get(site.id);
      const file =
        current && current.file.directory === directory
          ? current.file
          : new AsyncLogFile(directory, header, this.onError);
      next.set(site.id, { site, file, nameSecond: -1, name: '' });
    }
    for (const [id, current] of this.files)
      if (next.get(id)?.file !== current.file) void current.file.flush();
    this.files.clear();
    for (const [id, entry] of next) this.files.set(id, entry);
  }

  record(siteId: number, record: AccessRecord): void {
    const entry = this.files.get(siteId);
    if (!entry) return;
    const second = this.second(record.at);
    const name =
      entry.nameSecond === second.epoch ? entry.name : fileName(new Date(record.at), entry.site.logFile);
    entry.nameSecond = second.epoch;
    entry.name = name;
    entry.file.write(name, formatLine(record, second.stamp));
  }

  /** `date time` changes once a second, and so may the file name: not made again for every request. */
  private current = { epoch: -1, stamp: '' };
  private second(at: number): { epoch: number; stamp: string } {
    const epoch = Math.floor(at / 1000);
    if (epoch !== this.current.epoch) {
      const date = new Date(at);
      this.current = { epoch, stamp: `${dateField(date)} ${timeField(date)}` };
    }
    return this.current;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((e) => e.file.flush()));
  }
}

/** The W3C directives a log file opens with (both the site logs and HTTPERR use them). */
export function w3cDirectives(software: string, fields: string, now: Date): string {
  return [
    `#Software: ${software}`,
    '#Version: 1.0',
    `#Date: ${dateField(now)} ${timeField(now)}`,
    `#Fields: ${fields}`,
  ].join('\r\n');
}

const header = (now: Date) => w3cDirectives('w3pool listener', W3C_FIELDS, now);

function fileName(at: Date, logFile: Site['logFile']): string {
  const local = logFile.localTimeRollover;
  const year = local ? at.getFullYear() : at.getUTCFullYear();
  const month = (local ? at.getMonth() : at.getUTCMonth()) + 1;
  const day = local ? at.getDate() : at.getUTCDate();
  const hour = local ? at.getHours() : at.getUTCHours();
  const parts = [year % 100, month];
  if (logFile.period !== 'Monthly') parts.push(day);
  if (logFile.period === 'Hourly') parts.push(hour);
  return `u_ex${parts.map(two).join('')}.log`;
}

/** One line in IIS's default field order; concatenated, not joined: it is made once per request. */
export function formatLine(r: AccessRecord, dateTime = stampOf(r.at)): string {
  return (
    dateTime +
    ' ' +
    ip(r.serverIp) +
    ' ' +
    r.method +
    ' ' +
    field(r.uriStem) +
    ' ' +
    field(r.uriQuery) +
    ' ' +
    r.serverPort +
    ' ' +
    field(r.username) +
    ' ' +
    ip(r.clientIp) +
    ' ' +
    r.protocolVersion +
    ' ' +
    field(r.userAgent) +
    ' ' +
    field(r.referer) +
    ' ' +
    r.status +
    ' ' +
    r.substatus +
    ' ' +
    r.win32Status +
    ' ' +
    r.timeTakenMs
  );
}

const stampOf = (at: number) => {
  const date = new Date(at);
  return `${dateField(date)} ${timeField(date)}`;
};

const two = (n: number) => String(n).padStart(2, '0');
export const dateField = (d: Date) =>
  `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
export const timeField = (d: Date) =>
  `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
/** IPv4-mapped IPv6 addresses are logged as IPv4, as IIS does. */
export const ip = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address || '-');
/** W3C fields are space-separated: IIS writes spaces as `+`, and an empty field as `-`. */
export const field = (value: string | undefined) =>
  value === undefined || value === '' ? '-' : SPACE.test(value) ? value.replace(/\s/g, '+') : value;
const SPACE = /\s/;
