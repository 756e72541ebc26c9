import { describe, expect, it } from 'vitest';
import { cgiCommand, parseScriptProcessor } from './cgi-command.js';

const command = (scriptProcessor: string) =>
  cgiCommand(parseScriptProcessor(scriptProcessor), '/srv/www/a b.pl');

describe('cgiCommand', () => {
  it('runs the mapped file itself when the scriptProcessor is empty', () => {
    expect(command('')).toEqual({ program: '/srv/www/a b.pl', args: [] });
  });

  it('runs the scriptProcessor with its arguments; the script is found through SCRIPT_FILENAME', () => {
    expect(command('/usr/bin/php-cgi')).toEqual({ program: '/usr/bin/php-cgi', args: [] });
    expect(command('/usr/bin/php-cgi -d display_errors=stderr')).toEqual({
      program: '/usr/bin/php-cgi',
      args: ['-d', 'display_errors=stderr'],
    });
  });

  it('puts the script path where the first %s is, as one argument even with spaces', () => {
    expect(command('/usr/bin/perl -T %s')).toEqual({
      program: '/usr/bin/perl',
      args: ['-T', '/srv/www/a b.pl'],
    });
    expect(command('/usr/bin/tool --file=%s')).toEqual({
      program: '/usr/bin/tool',
      args: ['--file=/srv/www/a b.pl'],
    });
  });

  it("drops IIS's second %s (search-string arguments), which w3pool never passes", () => {
    expect(command('"/opt/my perl/perl" "%s" %s')).toEqual({
      program: '/opt/my perl/perl',
      args: ['/srv/www/a b.pl'],
    });
  });

  it('keeps an explicitly empty quoted argument', () => {
    expect(command('/bin/prog "" x')).toEqual({ program: '/bin/prog', args: ['', 'x'] });
  });

  it('refuses an unclosed quote or an empty program when the mapping loads', () => {
    expect(() => parseScriptProcessor('"/usr/bin/perl %s')).toThrow(/unclosed quote/);
    expect(() => parseScriptProcessor('"" %s')).toThrow(/empty program/);
  });
});
