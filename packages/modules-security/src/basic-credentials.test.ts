import { describe, expect, it } from 'vitest';
import { parseBasicCredentials } from './basic-credentials.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasicCredentials', () => {
  it('reads name and password, the password keeping its colons, as UTF-8', () => {
    expect(parseBasicCredentials(basic('alice:s3cret'))).toEqual({ name: 'alice', password: 's3cret' });
    expect(parseBasicCredentials(basic('bob:a:b:c'))).toEqual({ name: 'bob', password: 'a:b:c' });
    expect(parseBasicCredentials(basic('zoë:pässwörd'))).toEqual({ name: 'zoë', password: 'pässwörd' });
    expect(parseBasicCredentials(basic('carol:'))).toEqual({ name: 'carol', password: '' });
  });

  it('takes the scheme case-insensitively and leaves other schemes to other modules', () => {
    expect(parseBasicCredentials(`bAsIc ${Buffer.from('a:b').toString('base64')}`)).toEqual({
      name: 'a',
      password: 'b',
    });
    expect(parseBasicCredentials('Bearer abc.def')).toBeUndefined();
    expect(parseBasicCredentials('Negotiate YIIB')).toBeUndefined();
  });

  it('calls Basic credentials without a name, a colon, valid base64 or valid UTF-8 malformed', () => {
    expect(parseBasicCredentials('Basic')).toBe('malformed');
    expect(parseBasicCredentials('Basic ')).toBe('malformed');
    expect(parseBasicCredentials('Basic !!!!')).toBe('malformed');
    expect(parseBasicCredentials('Basic YWJj')).toBe('malformed'); // "abc": no colon
    expect(parseBasicCredentials(basic(':nopassword'))).toBe('malformed');
    expect(parseBasicCredentials(`Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString('base64')}`)).toBe(
      'malformed',
    );
  });
});
