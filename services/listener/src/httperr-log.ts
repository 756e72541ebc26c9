import type { W3poolConfig } from '@w3pool/config';
import { AsyncLogFile } from './async-log-file.js';
import { dateField, field, ip, timeField, w3cDirectives } from './w3c-log.js';

const FIELDS =
  'date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename';

/** One rejection or connection event the listener handled itself. Absent values are logged `-`. */
export interface HttpErrRecord {
  clientIp?: string;
  clientPort?: number;
  serverIp?: string;
  serverPort?: number;
  httpVersion?: string;
  method?: string;
  uri?: string;
  status?: number;
  siteId?: number;
  reason: string;
  queueName?: string;
}

/**
 * http.sys's HTTPERR log: httperr1.log, httperr2.log, ... in errorLoggingDir, each rolled at
 * errorLogFileTruncateSize, UTC, with the fields http.sys writes. Every rejection the listener makes before
 * a request reaches a worker, and every connection it drops on a timer, is recorded here with its s-reason.
 */
export class HttpErrLog {
  private file: AsyncLogFile | undefined;
  private truncateSize = 1048576;
  private index = 0;
  private size = 0;
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  configure(config: W3poolConfig): void {
    const settings = config.httpSys;
    this.truncateSize = settings.errorLogFileTruncateSize;
    if (!settings.enableErrorLogging) {
      this.file = undefined;
      return;
    }
    if (this.file?.directory === settings.errorLoggingDir) return;
    void this.file?.flush();
    const file = new AsyncLogFile(settings.errorLoggingDir, header, this.onError);
    this.file = file;
    // Continue after the highest existing httperrN.log, as http.sys does across restarts.
    this.ready = file.existing().then((names) => {
      const numbers = names
        .map((n) => /^httperr(\d+)\.log$/.exec(n)?.[1])
        .filter(Boolean)
        .map(Number);
      this.index = Math.max(0, ...numbers) + 1;
      this.size = 0;
    });
  }

  record(record: HttpErrRecord): void {
    const file = this.file;
    if (!file) return;
    const now = new Date();
    const line = [
      dateField(now),
      timeField(now),
      record.clientIp ? ip(record.clientIp) : '-',
      record.clientPort ?? '-',
      record.serverIp ? ip(record.serverIp) : '-',
      record.serverPort ?? '-',
      record.httpVersion ? `HTTP/${record.httpVersion}` : '-',
      record.method ?? '-',
      field(record.uri),
      record.status ?? '-',
      record.siteId ?? '-',
      record.reason,
      field(record.queueName),
    ].join(' ');
    void this.ready.then(() => {
      if (this.size > 0 && this.size + line.length > this.truncateSize) {
        this.index += 1;
        this.size = 0;
      }
      this.size += line.length + 2;
      file.write(`httperr${this.index}.log`, line);
    });
  }

  async flush(): Promise<void> {
    await this.ready;
    await this.file?.flush();
  }
}

const header = (now: Date) =>
  w3cDirectives('w3pool listener (Microsoft HTTP API 2.0 compatible)', FIELDS, now);
