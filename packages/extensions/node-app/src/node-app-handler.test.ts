import { describe, expect, it } from 'vitest';
import type { NodeApp } from './app-loader.js';
import { nodeAppHandler } from './node-app-handler.js';
import {
  fakeRequest,
  RecordingBackgroundJobs,
  RecordingLog,
  RecordingResponse,
} from '@w3pool/extension-sdk/testing';

function appOf(serve: NodeApp['serve']): NodeApp {
  return { kind: 'request listener', namespace: {}, serve, close: () => Promise.resolve() };
}

const echoUrl = appOf((req, res) => res.end(`served ${req.url}`));

describe('nodeAppHandler', () => {
  it('refuses a WebSocket upgrade with 501 before the application sees it', async () => {
    const handler = nodeAppHandler(echoUrl, new RecordingBackgroundJobs(), new RecordingLog());
    const request = fakeRequest({
      headers: ['Host', 'x', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Version', '13'],
    });
    await expect(
      handler(request, new RecordingResponse(), new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'EXT_NODE_APP_UPGRADE_NOT_SUPPORTED',
      status: 501,
    });
  });

  it('serves a request with another Upgrade token (h2c) as plain HTTP/1.1', async () => {
    const handler = nodeAppHandler(echoUrl, new RecordingBackgroundJobs(), new RecordingLog());
    const response = new RecordingResponse();
    const request = fakeRequest({
      url: '/h2c',
      headers: ['Host', 'x', 'Connection', 'Upgrade, HTTP2-Settings', 'Upgrade', 'h2c'],
    });
    await handler(request, response, new AbortController().signal);
    expect(response.body).toBe('served /h2c');
  });

  it('gives the application the SDK request and the background jobs on req.w3pool', async () => {
    const jobs = new RecordingBackgroundJobs();
    let seen: unknown[] = [];
    const app = appOf((req, res) => {
      seen = [req.w3pool.request.serverVariable('HTTPS'), req.w3pool.backgroundJobs === jobs];
      res.end();
    });
    await nodeAppHandler(app, jobs, new RecordingLog())(
      fakeRequest(),
      new RecordingResponse(),
      new AbortController().signal,
    );
    expect(seen).toEqual(['off', true]);
  });

  it('says once that trailers were dropped, naming them', async () => {
    const log = new RecordingLog();
    const app = appOf((_req, res) => {
      res.setHeader('Trailer', 'X-Sum');
      res.write('a');
      res.addTrailers({ 'X-Sum': '1' });
      res.end();
    });
    const handler = nodeAppHandler(app, new RecordingBackgroundJobs(), log);
    for (let i = 0; i < 3; i += 1) {
      await handler(fakeRequest(), new RecordingResponse(), new AbortController().signal);
    }
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ trailers: ['X-Sum'] });
  });
});
