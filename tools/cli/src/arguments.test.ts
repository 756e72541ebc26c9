import { ApplicationPoolSchema } from '@w3pool/config';
import { describe, expect, it } from 'vitest';
import { CliError, adminSettings } from './admin-client.js';
import { pair } from './config-commands.js';
import { parseBindings } from './crud-commands.js';
import { eventLine } from './events-command.js';
import { buildProgram } from './program.js';
import { settingPairs, settingsPatch } from './setting-values.js';
import { SseReader } from './sse-reader.js';

const refused = (run: () => unknown, code: string) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).code).toBe(code);
    return (error as CliError).message;
  }
  throw new Error('not refused');
};

describe('set apppool settings', () => {
  it('types each value by the pool schema, nested names with dots', () => {
    expect(
      settingsPatch(
        [
          '--queueLength',
          '500',
          '--autoStart=false',
          '--processModel.idleTimeout',
          '00:10:00',
          '--managedPipelineMode',
          'Classic',
        ],
        ApplicationPoolSchema,
      ),
    ).toEqual({
      queueLength: 500,
      autoStart: false,
      processModel: { idleTimeout: '00:10:00' },
      managedPipelineMode: 'Classic',
    });
  });

  it('refuses a misspelt name, a word for a number, a section, and a missing value', () => {
    expect(
      refused(() => settingsPatch(['--queueLenght', '5'], ApplicationPoolSchema), 'WAS_CLI_ARGUMENT_INVALID'),
    ).toContain('queueLenght');
    expect(
      refused(
        () => settingsPatch(['--queueLength', 'many'], ApplicationPoolSchema),
        'WAS_CLI_ARGUMENT_INVALID',
      ),
    ).toContain('integer');
    refused(() => settingsPatch(['--autoStart', 'yes'], ApplicationPoolSchema), 'WAS_CLI_ARGUMENT_INVALID');
    refused(() => settingsPatch(['--processModel', 'x'], ApplicationPoolSchema), 'WAS_CLI_ARGUMENT_INVALID');
    refused(() => settingPairs(['--queueLength']), 'WAS_CLI_ARGUMENT_INVALID');
    refused(() => settingPairs(['queueLength', '5']), 'WAS_CLI_ARGUMENT_INVALID');
  });
});

describe('other arguments', () => {
  it('reads NAME=VALUE pairs and appcmd bindings', () => {
    expect(pair('b=2', pair('SystemDrive=/srv'))).toEqual([
      ['SystemDrive', '/srv'],
      ['b', '2'],
    ]);
    expect(pair('C:\\inetpub=/srv/www=x')).toEqual([['C:\\inetpub', '/srv/www=x']]);
    refused(() => pair('=x'), 'WAS_CLI_ARGUMENT_INVALID');
    expect(parseBindings('http/*:8081:,https/127.0.0.1:8443:example.com')).toEqual([
      { protocol: 'http', bindingInformation: '*:8081:' },
      { protocol: 'https', bindingInformation: '127.0.0.1:8443:example.com' },
    ]);
    refused(() => parseBindings('*:8081:'), 'WAS_CLI_ARGUMENT_INVALID');
  });

  it('takes the URL from --url, then W3POOL_ADMIN_URL, and the token from the environment only', () => {
    expect(adminSettings({}, undefined)).toEqual({ url: 'http://127.0.0.1:8172', token: undefined });
    expect(adminSettings({ W3POOL_ADMIN_URL: 'http://h:1/', W3POOL_ADMIN_TOKEN: 't' }, undefined)).toEqual({
      url: 'http://h:1',
      token: 't',
    });
    expect(adminSettings({ W3POOL_ADMIN_URL: 'http://h:1' }, 'http://o:2').url).toBe('http://o:2');
    refused(
      () => adminSettings({ W3POOL_ADMIN_TOKEN_FILE: '/nonexistent/token' }, undefined),
      'WAS_CLI_TOKEN_UNREADABLE',
    );
  });

  it('has every verb of the brief, and no option that takes the token', () => {
    const program = buildProgram({ env: {}, write: () => undefined });
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(
      expect.arrayContaining([
        'list',
        'recycle',
        'start',
        'stop',
        'set',
        'add',
        'delete',
        'config',
        'import',
        'events',
      ]),
    );
    const options = [program, ...program.commands].flatMap((c) => c.options.map((o) => o.long ?? ''));
    expect(options.filter((o) => /token/i.test(o))).toEqual([]);
  });

  it('refuses a malformed setting before sending anything', async () => {
    const program = buildProgram({ env: { W3POOL_ADMIN_URL: 'http://127.0.0.1:1' }, write: () => undefined });
    program.exitOverride();
    await expect(
      program.parseAsync(['set', 'apppool', 'X', '--queueLength', 'lots'], { from: 'user' }),
    ).rejects.toThrow(/integer/);
  });
});

describe('SseReader', () => {
  it('assembles events split across chunks, skips comments, joins data lines', () => {
    const reader = new SseReader();
    expect(reader.push(': keep-alive\n\nevent: recycle\nda')).toEqual([]);
    expect(reader.push('ta: {"pool":"A"}\r\n\r\ndata: one\ndata: two\n\n')).toEqual([
      { event: 'recycle', data: '{"pool":"A"}' },
      { event: 'message', data: 'one\ntwo' },
    ]);
    expect(eventLine({ event: 'recycle', data: '{"pool":"A"}' }, true)).toBe(
      '{"event":"recycle","data":{"pool":"A"}}\n',
    );
    expect(eventLine({ event: 'recycle', data: 'x' }, false)).toBe('recycle x\n');
  });
});
