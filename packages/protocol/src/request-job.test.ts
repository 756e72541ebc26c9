import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeRequestJob, encodeRequestJob, type RequestJob } from './request-job.js';
import type { RequestTls } from './request-tls.js';

const plain: RequestJob = {
  id: 'L.1',
  replyTo: 'L',
  enqueuedAt: 1,
  deadline: 2,
  siteId: 1,
  siteName: 'Default Web Site',
  appPath: '/',
  method: 'GET',
  rawUrl: '/a?b',
  path: '/a',
  query: 'b',
  httpVersion: '1.1',
  headers: ['Host', 'example.test'],
  remoteAddress: '127.0.0.1',
  remotePort: 40000,
  localAddress: '127.0.0.1',
  localPort: 443,
  body: new Uint8Array([1, 2, 3]),
  bodyLength: 3,
  bodyComplete: true,
};

const tls: RequestTls = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  keySize: 256,
  secretKeySize: 2048,
  serverSubject: 'C=US, O=Contoso, CN=www.contoso.com',
  serverIssuer: 'C=US, O=Contoso, CN=Contoso CA',
  clientCertificate: {
    subject: 'CN=alice',
    issuer: 'C=US, O=Contoso, CN=Contoso CA',
    serialNumber: '04-67-F3-02',
    validFrom: Date.UTC(2026, 0, 1),
    validTo: Date.UTC(2027, 0, 1),
    fingerprint256: 'ab'.repeat(32),
    authorized: true,
    authorizationError: '',
    der: 'MIIB',
  },
};

/** A decoded job with its body as a plain Uint8Array: msgpackr gives a Buffer. */
const roundTrip = (job: RequestJob) => {
  const decoded = decodeRequestJob(encodeRequestJob(job));
  return { ...decoded, body: new Uint8Array(decoded.body) };
};

/** The job's fields as the codec lays them out, to write malformed ones. */
const fields = (job: RequestJob) => unpack(encodeRequestJob(job)) as unknown[];

describe('the request job codec', () => {
  it('round-trips a plain HTTP job, which carries no tls field and pays one nil for it', () => {
    const decoded = roundTrip(plain);
    expect(decoded).toEqual(plain);
    expect('tls' in decoded).toBe(false);
    expect(fields(plain).at(-1)).toBeNull();
    expect(encodeRequestJob(plain).length).toBe(
      pack(fields(plain).slice(0, -1)).length + 1, // one nil, and the array header still fits one byte
    );
  });

  it('round-trips a job with its TLS facts, with and without a client certificate', () => {
    expect(roundTrip({ ...plain, tls })).toEqual({ ...plain, tls });
    const { clientCertificate: _none, ...anonymous } = tls;
    expect(decodeRequestJob(encodeRequestJob({ ...plain, tls: anonymous })).tls).toEqual(anonymous);
  });

  it('refuses a malformed tls field, naming what is wrong', () => {
    const withTls = fields({ ...plain, tls });
    const malformed = (change: (tlsField: unknown[]) => unknown) => {
      const copy = structuredClone(withTls);
      copy[21] = change(copy[21] as unknown[]);
      return () => decodeRequestJob(pack(copy));
    };
    expect(malformed(() => 'TLSv1.3')).toThrow(/malformed w3pool request job: tls is not a list/);
    expect(malformed((t) => t.slice(0, 6))).toThrow(/tls is not a list of 7 fields/);
    expect(malformed((t) => [t[0], t[1], '256', ...t.slice(3)])).toThrow(/tls.keySize is not a bit count/);
    expect(malformed((t) => [...t.slice(0, 6), ['CN=alice']])).toThrow(/clientCertificate is not a list/);
    expect(
      malformed((t) => {
        const client = [...(t[6] as unknown[])];
        client[6] = 'yes';
        return [...t.slice(0, 6), client];
      }),
    ).toThrow(/clientCertificate.authorized is not a boolean/);
  });

  it('refuses a job of the previous format', () => {
    const old = fields(plain).slice(0, 21);
    old[0] = 1;
    expect(() => decodeRequestJob(pack(old))).toThrow(/not a w3pool request job \(format 2, 22 fields\)/);
  });
});
