import { appendFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Flush at this many buffered bytes, or this often, whichever comes first. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 200;

/**
 * A log file written off the request path: write() only appends to memory, and a flush timer writes the
 * buffered lines with one append call. Each line goes to the file its writer names for it (a new day, or a
 * full file, starts a new one); a file this process opens gets the W3C directives first, as IIS writes them
 * whenever it opens a log.
 */
export class AsyncLogFile {
  /** Lines waiting to be written, by file: one array push per line, no object per line. */
  private buffer = new Map<string, string[]>();
  private bufferedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly opened = new Set<string>();
  private directoryReady: Promise<unknown> | undefined;

  constructor(
    readonly directory: string,
    private readonly header: (now: Date) => string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queue a line for `file` (a name inside the directory). Never blocks and never throws. */
  write(file: string, line: string): void {
    const lines = this.buffer.get(file);
    if (lines) lines.push(line);
    else this.buffer.set(file, [line]);
    this.bufferedBytes += line.length + 2;
    if (this.bufferedBytes >= FLUSH_BYTES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Names of the files already in the directory (to continue a numbered sequence). */
  async existing(): Promise<string[]> {
    return readdir(this.directory).catch(() => []);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = new Map();
    this.bufferedBytes = 0;
    if (batch.size === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.writeBatch(batch)).catch(this.onError);
    return this.flushing;
  }

  private async writeBatch(batch: Map<string, string[]>): Promise<void> {
    this.directoryReady ??= mkdir(this.directory, { recursive: true });
    await this.directoryReady;
    for (const [file, lines] of batch) {
      // A file this process opens gets the W3C directives first, as IIS writes them whenever it opens a log.
      const head = this.opened.has(file) ? '' : `${this.header(new Date())}\r\n`;
      this.opened.add(file);
      await appendFile(join(this.directory, file), `${head}${lines.join('\r\n')}\r\n`);
    }
  }
}
