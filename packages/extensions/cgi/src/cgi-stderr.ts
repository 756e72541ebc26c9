import { StringDecoder } from 'node:string_decoder';
import type { ExtensionLogger } from '@w3pool/extension-sdk';

/** Lines of one request's stderr that are logged; the rest are counted. */
export const STDERR_LINES_PER_REQUEST = 20;
/** A longer line is cut: a script dumping a binary to stderr must not make one giant log line. */
export const STDERR_LINE_CHARS = 1000;

/**
 * Stderr lines all the requests of one mapping may log per window. A script that fails loudly on every
 * request would otherwise turn a load spike into a log flood; what is held back is counted per request.
 */
export class StderrBudget {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly linesPerWindow = 200,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(): boolean {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.linesPerWindow) return false;
    this.used += 1;
    return true;
  }
}

/**
 * One CGI process's stderr, logged line by line through the worker's log with the request it belongs to.
 * The pipe is always read to its end, logged or not: a script blocked on a full stderr pipe would hang.
 */
export class CgiStderr {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private logged = 0;
  private dropped = 0;

  constructor(
    private readonly log: ExtensionLogger,
    private readonly fields: Record<string, unknown>,
    private readonly budget: StderrBudget,
  ) {}

  write(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    if (this.partial.length > STDERR_LINE_CHARS) {
      this.line(this.partial);
      this.partial = '';
    }
  }

  end(): void {
    this.line(this.partial + this.decoder.end());
    this.partial = '';
    if (this.dropped > 0) {
      this.log.warn('CGI stderr lines not logged (limit reached)', { ...this.fields, lines: this.dropped });
    }
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return;
    if (this.logged >= STDERR_LINES_PER_REQUEST || !this.budget.take()) {
      this.dropped += 1;
      return;
    }
    this.logged += 1;
    const text = line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}...` : line;
    this.log.warn('CGI stderr', { ...this.fields, stderr: text });
  }
}
