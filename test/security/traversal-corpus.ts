/**
 * Path traversal requests: ways of writing "one directory up" that decoders, normalisers and Windows-minded
 * code have each let through somewhere, combined with depths, prefixes (static, CGI, FastCGI) and spellings
 * of the target's name. Each entry is a raw request-target, sent byte for byte.
 */
export const DOT_DOT_SLASH = [
  '../',
  '..%2f',
  '..%2F',
  '%2e%2e/',
  '%2E%2E/',
  '%2e%2e%2f',
  '.%2e/',
  '%2e./',
  '%252e%252e/',
  '%252e%252e%252f',
  '..%252f',
  '..%255c',
  '..%5c',
  '..%5C',
  '..\\',
  '%2e%2e%5c',
  '%2e%2e\\',
  '%c0%ae%c0%ae/',
  '%c0%ae%c0%ae%c0%af',
  '..%c0%af',
  '..%c1%9c',
  '%e0%80%ae%e0%80%ae/',
  '..%e0%80%af',
  '%uff0e%uff0e/',
  '..%u2215',
  '..%ef%bc%8f',
  '..%00/',
  '..%0d%0a/',
  '..;/',
  '..%3b/',
  '....//',
  '..././',
  './../',
  '..//',
  '.. /',
  '..%20/',
  '..%09/',
  '../.',
];

/** The secret's name as Windows would also accept it: trailing dots and spaces, ADS, NUL, case. */
export const NAME_SPELLINGS = [
  'secret.txt.',
  'secret.txt..',
  'secret.txt ',
  'secret.txt%20',
  'secret.txt.%20.',
  'secret.txt::$DATA',
  'secret.txt::%24DATA',
  'secret.txt:$DATA',
  'SECRET.TXT',
  'Secret.Txt',
  'secret.txt%00',
  'secret.txt%00.html',
  'secret.txt%00.php',
  'secret.txt/',
  'secret.txt%2f',
  'secret.txt/.',
  'secret.tx%74',
  'secret.php.',
  'secret.php::$DATA',
  'secret.php%00.html',
  'secret.php%20',
];

/** Windows device names, which IIS refuses and Linux merely does not have. */
export const DEVICE_NAMES = [
  'CON',
  'con',
  'NUL.txt',
  'AUX',
  'PRN.txt',
  'COM1',
  'COM1.php',
  'LPT1.cgi',
  'nul',
];

export function traversalTargets(base: string): string[] {
  const prefixes = ['/', '/sub/', '/fcgi/', '/fcgi/sub/'];
  const targets = ['secret.txt', 'secret.php'];
  const list: string[] = [];
  for (const prefix of prefixes)
    for (const up of DOT_DOT_SLASH)
      for (const depth of [1, 3])
        for (const target of targets)
          list.push(prefix + up.repeat(depth + (prefix.includes('sub') ? 1 : 0)) + target);
  for (const prefix of ['/', '/fcgi/'])
    for (const name of NAME_SPELLINGS)
      list.push(`${prefix}${'../'.repeat(2)}${name}`, `${prefix}..%2f${name}`);
  for (const device of DEVICE_NAMES)
    list.push(
      `/${device}`,
      `/${device}/../../secret.txt`,
      `/${device}/..%2f..%2fsecret.txt`,
      `/fcgi/${device}`,
    );
  // Absolute paths, in every form a parser might take as one.
  const file = `${base}/secret.txt`;
  list.push(
    `/${file}`,
    `//${file}`,
    `/%2f${file.slice(1)}`,
    `/${encodeURIComponent(file)}`,
    `/%252f${encodeURIComponent(file.slice(1))}`,
    `/\\${file}`,
    `/C:${file}`,
    `/c:\\${file.slice(1).replaceAll('/', '\\')}`,
    `${file}`,
    `http://x${file}`,
    `http://x/..${file}`,
    `file://${file}`,
    `/fcgi/${file}`,
    `/fcgi//${file}`,
    `/./${file}`,
    `/?${file}`,
    `/index.html/../../secret.txt`,
    `/index.html%2f..%2f..%2fsecret.txt`,
    // PATH_INFO after a program: the program gets the path, never the file's bytes.
    `/hello.cgi/../../secret.txt`,
    `/hello.cgi/..%2f..%2fsecret.txt`,
    `/hello.cgi/%2e%2e/%2e%2e/secret.txt`,
    `/info.php/..%2f..%2fsecret.txt`,
    `/fcgi/info.php/..%2f..%2fsecret.txt`,
    `/fcgi/info.php/../../secret.php`,
  );
  // /etc/passwd from far above: deeper than any temporary directory.
  for (const up of ['../', '..%2f', '%2e%2e/', '..%5c', '%c0%ae%c0%ae/', '..\\'])
    for (const prefix of ['/', '/fcgi/', '/hello.cgi/']) list.push(`${prefix}${up.repeat(12)}etc/passwd`);
  return list;
}
