import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';
import { parseResponses, rawExchange } from './raw-exchange.js';

/**
 * A POST to /mark.test?id=<name> whose body, read by another framing than the listener's, holds a second
 * request to /mark.test?id=<name>-smuggled. `framing` is the header lines that make it ambiguous.
 */
function probe(name: string, framing: string, body: string, lineEnd = '\r\n'): string {
  const smuggled = `GET /mark.test?id=${name}-smuggled HTTP/1.1\r\nHost: x\r\n\r\n`;
  return (
    `POST /mark.test?id=${name} HTTP/1.1${lineEnd}Host: x${lineEnd}${framing}${lineEnd}` +
    body.replace('<SMUGGLED>', smuggled)
  );
}

const CHUNKED_END = '0\r\n\r\n<SMUGGLED>';
// Each case: its name, the bytes, and the statuses the listener may answer (400; 501 where docs/listener.md
// documents an unknown transfer coding as not implemented). A close without an answer is also a refusal.
const PROBES: [string, string, number[]][] = [
  ['cl-te', probe('cl-te', 'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n', CHUNKED_END), [400]],
  ['te-cl', probe('te-cl', 'Transfer-Encoding: chunked\r\nContent-Length: 6\r\n', CHUNKED_END), [400]],
  [
    'cl-cl-conflict',
    probe('cl-cl-conflict', 'Content-Length: 0\r\nContent-Length: 40\r\n', '<SMUGGLED>'),
    [400],
  ],
  ['cl-list', probe('cl-list', 'Content-Length: 0, 40\r\n', '<SMUGGLED>'), [400]],
  ['cl-plus', probe('cl-plus', 'Content-Length: +0\r\n', '<SMUGGLED>'), [400]],
  ['cl-hex', probe('cl-hex', 'Content-Length: 0x0\r\n', '<SMUGGLED>'), [400]],
  ['cl-space', probe('cl-space', 'Content-Length: 0 40\r\n', '<SMUGGLED>'), [400]],
  ['cl-negative', probe('cl-negative', 'Content-Length: -1\r\n', '<SMUGGLED>'), [400]],
  [
    'te-chunked-identity',
    probe('te-ci', 'Transfer-Encoding: chunked, identity\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'te-identity-chunked',
    probe('te-ic', 'Transfer-Encoding: identity, chunked\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'te-twice',
    probe('te-twice', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'te-xchunked',
    probe('te-x', 'Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'te-obs-fold',
    probe('te-fold', 'Transfer-Encoding:\r\n chunked\r\nContent-Length: 0\r\n', CHUNKED_END),
    [400],
  ],
  ['cl-obs-fold', probe('cl-fold', 'X-Pad: a\r\n Content-Length: 0\r\n', CHUNKED_END), [400]],
  [
    'te-space-before-colon',
    probe('te-sp', 'Transfer-Encoding : chunked\r\nContent-Length: 0\r\n', CHUNKED_END),
    [400],
  ],
  ['cl-space-before-colon', probe('cl-sp', 'Content-Length : 0\r\n', '<SMUGGLED>'), [400]],
  [
    'space-in-name',
    probe('name-sp', 'Content Length: 0\r\nTransfer Encoding: chunked\r\n', CHUNKED_END),
    [400],
  ],
  [
    'te-vertical-tab',
    probe('te-vt', 'Transfer-Encoding:\x0bchunked\r\nContent-Length: 0\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'te-nul',
    probe('te-nul', 'Transfer-Encoding: chunked\0\r\nContent-Length: 0\r\n', CHUNKED_END),
    [400, 501],
  ],
  [
    'chunk-size-negative',
    probe('ch-neg', 'Transfer-Encoding: chunked\r\n', '-1\r\nx\r\n0\r\n\r\n<SMUGGLED>'),
    [400],
  ],
  [
    'chunk-size-0x',
    probe('ch-0x', 'Transfer-Encoding: chunked\r\n', '0x5\r\nhello\r\n0\r\n\r\n<SMUGGLED>'),
    [400],
  ],
  [
    'chunk-size-overflow',
    probe('ch-of', 'Transfer-Encoding: chunked\r\n', '10000000000000001\r\nx\r\n0\r\n\r\n<SMUGGLED>'),
    [400],
  ],
  [
    'chunk-size-space',
    probe('ch-sp', 'Transfer-Encoding: chunked\r\n', '5 5\r\nhello\r\n0\r\n\r\n<SMUGGLED>'),
    [400],
  ],
  [
    'chunk-data-too-long',
    probe('ch-long', 'Transfer-Encoding: chunked\r\n', '2\r\nhello\r\n0\r\n\r\n<SMUGGLED>'),
    [400],
  ],
  ['chunk-bare-lf', probe('ch-lf', 'Transfer-Encoding: chunked\r\n', '5\nhello\n0\n\n<SMUGGLED>'), [400]],
  ['bare-lf-head', probe('lf', 'Content-Length: 0\n', '<SMUGGLED>', '\n'), [400]],
  ['bare-cr-head', probe('cr', 'Content-Length: 0\r', '<SMUGGLED>', '\r'), [400]],
  // Refusals after the parse that close the connection: what follows them in the packet must not run either.
  [
    'url-invalid-pipelined',
    `GET /%zz HTTP/1.1\r\nHost: x\r\n\r\nGET /mark.test?id=url-smuggled HTTP/1.1\r\nHost: x\r\n\r\n`,
    [400],
  ],
  ['two-hosts-pipelined', probe('hosts', 'Host: y\r\nContent-Length: 0\r\n', '<SMUGGLED>'), [400]],
  [
    'http10-te',
    probe('h10', 'Transfer-Encoding: chunked\r\n', CHUNKED_END).replace('HTTP/1.1', 'HTTP/1.0'),
    [400, 501],
  ],
];

// Every probe is refused (400, 501 or a close) and never runs as two requests: the test app appends each id
// it runs to a file, which must never show a smuggled one, nor the probe itself.
describe('security: request smuggling probes', () => {
  let system: RunningSystem;
  let marks: string;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({ ...siteConfig(port!), webServer: { handlers: testHandlers() } }),
      env: { W3POOL_TEST_MARKS: '/dev/null' },
    });
    marks = join(system.dir, 'marks.txt');
    await writeFile(marks, '');
    // The marks file lives in the system's own directory, known only once it has started.
    await system.worker.stop('SIGKILL');
    system.workers.splice(0);
    system.env.W3POOL_TEST_MARKS = marks;
    await system.startWorker();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses each with 400 (or 501) or a close, and runs neither the probe nor what it hides', async () => {
    const answers: Record<string, string> = {};
    for (const [name, bytes, allowed] of PROBES) {
      const answer = await rawExchange(system.port, bytes, 5000, false);
      const statuses = parseResponses(answer.bytes);
      answers[name] = statuses.join(',') || (answer.closed ? 'closed' : 'open');
      // One answer at most: a second would be the hidden request's.
      expect.soft(statuses.length, name).toBeLessThanOrEqual(1);
      if (statuses.length === 1)
        expect.soft(allowed, `${name} answered ${statuses[0]}`).toContain(statuses[0]);
      // After a refusal the connection is closed: nothing left on it could be read as a next request.
      expect.soft(answer.closed, `${name} left the connection open`).toBe(true);
    }
    // A well-formed request after them all: when it has run, anything the probes let through would have too.
    const sentinel = await rawExchange(
      system.port,
      'GET /mark.test?id=sentinel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      10_000,
      false,
    );
    expect(parseResponses(sentinel.bytes)).toEqual([200]);
    const ran = await eventually(async () => {
      const lines = (await readFile(marks, 'utf8')).split('\n').filter(Boolean);
      return lines.includes('sentinel') ? lines : undefined;
    }, 'the sentinel in the marks file');
    expect(ran).toEqual(['sentinel']);
    process.stdout.write(`security smuggling: ${PROBES.length} probes, ${JSON.stringify(answers)}\n`);
  });
});
