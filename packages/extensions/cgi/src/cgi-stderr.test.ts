import type { ExtensionLogger } from '@w3pool/extension-sdk';
import { describe, expect, it } from 'vitest';
import { CgiStderr, STDERR_LINE_CHARS, STDERR_LINES_PER_REQUEST, StderrBudget } from './cgi-stderr.js';

function recorder(): ExtensionLogger & { lines: [string, Record<string, unknown>][] } {
  const lines: [string, Record<string, unknown>][] = [];
  const add = (message: string, fields: Record<string, unknown> = {}) => void lines.push([message, fields]);
  return { lines, info: add, warn: add, error: add };
}

describe('CgiStderr', () => {
  it('logs each line with its request, across chunk boundaries and CRLF', () => {
    const log = recorder();
    const stderr = new CgiStderr(log, { id: 'r1' }, new StderrBudget());
    stderr.write(Buffer.from('PHP Warning: und'));
    stderr.write(Buffer.from('efined\r\nsecond\n\nlast without newline'));
    stderr.end();
    expect(log.lines).toEqual([
      ['CGI stderr', { id: 'r1', stderr: 'PHP Warning: undefined' }],
      ['CGI stderr', { id: 'r1', stderr: 'second' }],
      ['CGI stderr', { id: 'r1', stderr: 'last without newline' }],
    ]);
  });

  it('logs at most a fixed number of lines per request, cut to a fixed length, and counts the rest', () => {
    const log = recorder();
    const stderr = new CgiStderr(log, { id: 'r1' }, new StderrBudget());
    stderr.write(Buffer.from(`${'x'.repeat(STDERR_LINE_CHARS * 3)}\n`));
    for (let i = 0; i < 100; i += 1) stderr.write(Buffer.from(`line ${i}\n`));
    stderr.end();
    const logged = log.lines.filter(([message]) => message === 'CGI stderr');
    expect(logged).toHaveLength(STDERR_LINES_PER_REQUEST);
    expect(String(logged[0]![1].stderr).length).toBe(STDERR_LINE_CHARS + 3);
    expect(log.lines.at(-1)).toEqual([
      'CGI stderr lines not logged (limit reached)',
      { id: 'r1', lines: 101 - STDERR_LINES_PER_REQUEST },
    ]);
  });

  it('shares a budget between the requests of a mapping, renewed each window', () => {
    let now = 0;
    const budget = new StderrBudget(3, 1000, () => now);
    const log = recorder();
    for (const id of ['a', 'b']) {
      const stderr = new CgiStderr(log, { id }, budget);
      stderr.write(Buffer.from('1\n2\n'));
      stderr.end();
    }
    expect(log.lines.filter(([m]) => m === 'CGI stderr')).toHaveLength(3);
    now = 1000;
    expect(budget.take()).toBe(true);
  });
});
