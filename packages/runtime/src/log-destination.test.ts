import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = new URL('../test-fixtures/chatty-service.mjs', import.meta.url);

/** A process logging LINES lines to a stdout pipe that nobody reads yet. */
function chattyService(lines: number, stallLimitMs = 300): ChildProcess {
  return spawn(process.execPath, [FIXTURE.pathname], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      LINES: String(lines),
      STALL_LIMIT_MS: String(stallLimitMs),
      BACKLOG_BYTES: String(256 * 1024),
    },
  });
}

/** Resolves with the first stderr line, or 'no answer' after `ms`: the process may be frozen for good. */
async function firstErrorLine(child: ChildProcess, ms: number): Promise<string> {
  const line = once(createInterface({ input: child.stderr! }), 'line').then(([text]) => String(text));
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), ms).unref());
  return Promise.race([line, timeout]);
}

describe('LogDestination', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  // pino's own synchronous destination slept and retried for as long as the pipe stayed full: a w3wp
  // whose log reader had stopped reading sat in futex_wait for good, its timers and stop deadline with it.
  it('stops waiting for a stdout that is not read, keeps what it can, and says what it dropped', async () => {
    const child = chattyService(2000); // about 2 MB: the pipe (64 KB) and the backlog (256 KB) fill
    children.push(child);
    child.stdout!.pause();
    expect(await firstErrorLine(child, 20_000)).toBe('logged');

    const out: Array<{ msg: string; n?: number; dropped?: number }> = [];
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => out.push(JSON.parse(line) as (typeof out)[number]));
    child.stdin!.write('\n');
    // The backlog goes out with the next line ("after"); the warning follows once that write drained it.
    const warningText = 'the log reader stalled: lines beyond the backlog were dropped';
    await new Promise<void>((resolve) => {
      const check = () => {
        const seen = new Set(out.map((entry) => entry.msg));
        if (seen.has('after') && seen.has(warningText)) resolve();
      };
      lines.on('line', check);
      check();
    });
    const kept = out.filter((entry) => entry.msg === 'line').map((entry) => entry.n!);
    // In order from the first, with nothing in between lost: the drops are at the end, counted.
    expect(kept[0]).toBe(0);
    expect(kept).toEqual(kept.map((_, index) => index));
    expect(kept.length).toBeLessThan(2000);
    const warning = out.find((entry) => entry.msg === warningText);
    expect(warning?.dropped).toBe(2000 - kept.length);
    child.stdin!.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  }, 30_000);

  // A reader that reads, however slowly beside the rest of the suite, is waited for: the default limit.
  it('loses nothing when the reader reads', async () => {
    const child = chattyService(2000, 2000);
    children.push(child);
    const out: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => out.push(line));
    expect(await firstErrorLine(child, 20_000)).toBe('logged');
    child.stdin!.end();
    await once(child, 'exit');
    expect(out.filter((line) => line.includes('"msg":"line"'))).toHaveLength(2000);
    expect(out.some((line) => line.includes('stalled'))).toBe(false);
  }, 30_000);
});
