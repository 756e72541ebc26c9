import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../helpers/certificates.js';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { freePort } from '../helpers/free-port.js';
import { httpRequest } from '../helpers/http-client.js';
import { fixtureSite, startSystem, type RunningSystem } from '../helpers/system.js';

type Tree = Record<string, unknown>;

/** An http site, and optionally an https binding on a second port naming a certificate and a key. */
const configFor = (port: number, https?: { port: number; cert: string; key: string }) => ({
  applicationPools: [{ name: 'DefaultAppPool' }],
  sites: [
    {
      name: 'Tls',
      id: 1,
      bindings: [
        { protocol: 'http', bindingInformation: `127.0.0.1:${port}:` },
        ...(https
          ? [
              {
                protocol: 'https',
                bindingInformation: `127.0.0.1:${https.port}:`,
                certificateFile: https.cert,
                certificateKeyFile: https.key,
              },
            ]
          : []),
      ],
      applications: [
        {
          path: '/',
          applicationPool: 'DefaultAppPool',
          virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
        },
      ],
    },
  ],
});

// A binding whose key belongs to another certificate is refused where a change comes in (PUT /api/config,
// a SIGHUP re-read of the file), with the JSON pointer of the key, and the running configuration stays.
describe('https bindings in a configuration change', () => {
  let system: RunningSystem;
  let certs: string;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'w3pool-https-config-'));
    a = await makeCertificate(certs, 'a', 'localhost');
    b = await makeCertificate(certs, 'b', 'other.test');
    system = await startSystem({ config: ([port]) => configFor(port!) });
  });
  afterAll(async () => {
    await system?.stop();
    await rm(certs, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await httpRequest(`${system.wasUrl}${path}`, {
      method,
      headers: {
        ...system.adminHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ...res, json: res.body ? (JSON.parse(res.body) as Tree) : undefined };
  };

  it('PUT /api/config with a key that does not match its certificate is 400 naming the key, and nothing changes', async () => {
    const before = await call('GET', '/api/config');
    expect(before.status).toBe(200);
    const mismatched = configFor(system.port, { port: await freePort(), cert: a.cert, key: b.key });
    const res = await call('PUT', '/api/config', mismatched, { 'if-match': before.headers.etag as string });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'WAS_CONFIG_REJECTED',
      issues: [
        {
          pointer: '/sites/0/bindings/1/certificateKeyFile',
          reason: `the private key does not belong to the certificate (CN=localhost): ${b.key}`,
        },
      ],
    });
    const after = await call('GET', '/api/config');
    expect([after.headers.etag, after.json]).toEqual([before.headers.etag, before.json]);
    // The site still answers on its http binding, as configured before.
    expect((await httpRequest(`${system.baseUrl}/index.html`)).status).toBe(200);
  });

  it('a SIGHUP re-read of a file naming a missing certificate is refused the same way', async () => {
    const before = await call('GET', '/api/config');
    const missing = join(certs, 'missing.crt');
    const bad = configFor(system.port, { port: await freePort(), cert: missing, key: a.key });
    await writeFile(system.configFile, stringify(bad));
    system.was.child.kill('SIGHUP');
    const line = await system.was.waitForLine(/configuration change refused/);
    expect(line).toContain('/sites/0/bindings/1/certificateFile');
    expect(line).toContain(`the file does not exist: ${missing}`);
    const after = await call('GET', '/api/config');
    expect([after.headers.etag, after.json]).toEqual([before.headers.etag, before.json]);
  });
});
