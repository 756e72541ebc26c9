import { describe, expect, it } from 'vitest';
import { cell, field, formatTable } from './table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and right-aligns numeric columns', () => {
    const text = formatTable(
      [
        { name: 'DefaultAppPool', state: 'Started', queueLength: 1000 },
        { name: 'Php', state: 'Stopped', queueLength: 5 },
      ],
      [field('APPPOOL', 'name'), field('STATE', 'state'), field('queueLength')],
    );
    expect(text).toBe(
      [
        'APPPOOL         STATE    queueLength',
        'DefaultAppPool  Started         1000',
        'Php             Stopped            5',
        '',
      ].join('\n'),
    );
  });

  it('prints the header alone for no rows, and "-" for a missing value', () => {
    expect(formatTable([], [field('PID', 'pid')])).toBe('PID\n');
    expect(formatTable([{ a: 1 }, { b: 2 }], [field('A', 'a')])).toBe('A\n1\n-\n');
  });

  it('joins lists with commas and shows objects as JSON', () => {
    expect(cell(['http/*:80:', 'https/*:443:'])).toBe('http/*:80:,https/*:443:');
    expect(cell({ a: 1 })).toBe('{"a":1}');
    expect(cell(false)).toBe('false');
  });
});
