import { describe, expect, it } from 'vitest';
import {
  FAKE_SERVER_SOFTWARE,
  FakeBody,
  FakeRequestContext,
  fakeRequest,
  RecordingResponse,
} from './index.js';

describe('the SDK test doubles', () => {
  it('derive a request from a few fields, with the common server variables', async () => {
    const request = fakeRequest({
      method: 'POST',
      url: '/app/run.php/extra?x=%20',
      pathInfo: '/extra',
      headers: ['Host', 'site.test:8080', 'Cookie', 'a=1', 'Cookie', 'b=2', 'X-Dash-Name', 'v'],
      body: 'abc',
      application: { path: '/app', physicalPath: '/srv/app' },
      https: true,
    });
    expect([request.path, request.query, request.scriptName, request.physicalPath]).toEqual([
      '/app/run.php/extra',
      'x=%20',
      '/app/run.php',
      '/srv/app/run.php',
    ]);
    expect(request.headers.get('cookie')).toBe('a=1; b=2');
    const variables = ['SERVER_NAME', 'HTTPS', 'URL', 'PATH_INFO', 'HTTP_X_DASH_NAME', 'HTTP_ACCEPT'];
    expect(variables.map((name) => request.serverVariable(name.toLowerCase()))).toEqual([
      'site.test',
      'on',
      '/app/run.php/extra',
      '/extra',
      'v',
      undefined,
    ]);
    expect(request.serverVariable('ALL_RAW')).toBe(
      'Host: site.test:8080\r\nCookie: a=1\r\nCookie: b=2\r\nX-Dash-Name: v\r\n',
    );
    expect(request.serverVariable('SERVER_SOFTWARE')).toBe(FAKE_SERVER_SOFTWARE);
    expect([request.contentLength, (await request.readBody()).toString()]).toEqual([3, 'abc']);
    await expect(request.readBody(2)).rejects.toMatchObject({ code: 'LISTENER_CONTENT_TOO_LARGE' });
    const absent = fakeRequest({ serverVariables: { SERVER_NAME: undefined, X_OWN: 'yes' } });
    expect([absent.serverVariable('SERVER_NAME'), absent.serverVariable('x_own')]).toEqual([
      undefined,
      'yes',
    ]);
  });

  it('stream a body the test feeds', async () => {
    const body = new FakeBody();
    const request = fakeRequest({ body });
    expect(request.contentLength).toBe(-1);
    body.push('one');
    body.push(null);
    expect((await request.readBody()).toString()).toBe('one');
  });

  it('record a response, its held writes and its support calls', async () => {
    const response = new RecordingResponse();
    response.status(404, 3).setHeader('X-A', 1).setHeader('set-cookie', ['a', 'b']);
    response.hold();
    const write = response.write('held');
    let written = false;
    void write.then(() => (written = true));
    await Promise.resolve();
    expect([written, response.headersSent]).toEqual([false, true]);
    response.release();
    await write;
    await response.redirect('/elsewhere', 301);
    await expect(response.write('late')).rejects.toThrow('write after end');
    expect(response.calls).toEqual([{ call: 'redirect', location: '/elsewhere', status: 301 }]);
    expect([response.statusCode, response.getHeader('location'), response.body, response.ended]).toEqual([
      301,
      '/elsewhere',
      'held',
      true,
    ]);
    expect(response.getHeader('x-a')).toBe('1');
  });

  it('give a module context whose user is the request user', () => {
    const context = new FakeRequestContext();
    context.user = { name: 'alice', authType: 'Basic', roles: [] };
    expect(context.request.user.name).toBe('alice');
    expect(() => context.webServer).toThrow(/without webServer/);
    context.cancel();
    expect(context.signal.aborted).toBe(true);
  });
});
