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
  private buffer: { file: string; line: string }[] = [];
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
    this.buffer.push({ file, line });
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
    this.buffer = [];
    this.bufferedBytes = 0;
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.writeBatch(batch)).catch(this.onError);
    return this.flushing;
  }

  private async writeBatch(batch: { file: string; line: string }[]): Promise<void> {
    this.directoryReady ??= mkdir(this.directory, { recursive: true });
    await this.directoryReady;
    const byFile = new Map<string, string[]>();
    for (const { file, line } of batch) {
      let lines = byFile.get(file);
      if (!lines) {
        lines = [];
        byFile.set(file, lines);
        if (!this.opened.has(file)) {
          this.opened.add(file);
          lines.push(this.header(new Date()));
        }
      }
      lines.push(line);
    }
    for (const [file, lines] of byFile)
      await appendFile(join(this.directory, file), `${lines.join('\r\n')}\r\n`);
  }
}
