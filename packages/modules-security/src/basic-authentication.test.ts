import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnonymousAuthenticationModule } from './anonymous-authentication.js';
import { BasicAuthenticationModule } from './basic-authentication.js';
import { fakeContext, initModule, notify, type Levels } from './module-harness.test-helper.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const alice = { name: 'alice', passwordHash: bcrypt.hashSync('s3cret', 4), roles: ['editors'] };

const enabled = (basicAuthentication: Record<string, unknown> = {}): Levels => ({
  server: {
    security: {
      authentication: { basicAuthentication: { enabled: true, users: [alice], ...basicAuthentication } },
    },
  },
});

describe('BasicAuthenticationModule', () => {
  afterEach(() => vi.restoreAllMocks());

  it('subscribes to nothing while basicAuthentication is disabled (the default)', async () => {
    expect((await initModule(BasicAuthenticationModule)).subscriptions).toEqual({});
  });

  it('makes valid credentials the request’s user, AUTH_TYPE Basic with the user’s roles', async () => {
    const { subscriptions } = await initModule(BasicAuthenticationModule, enabled());
    const outcome = await notify(
      subscriptions,
      'AuthenticateRequest',
      fakeContext({ headers: { authorization: basic('Alice:s3cret') } }),
    );
    expect(outcome).toMatchObject({ result: 'continue', status: 200 });
    expect(outcome.user).toEqual({ name: 'alice', authType: 'Basic', roles: ['editors'] });
  });

  it('answers 401.1 for a wrong password, an unknown user or malformed Basic credentials', async () => {
    const { subscriptions } = await initModule(BasicAuthenticationModule, enabled());
    for (const authorization of [
      basic('alice:wrong'),
      basic('mallory:s3cret'),
      'Basic not-base64!',
      basic('nocolon'),
    ]) {
      const outcome = await notify(
        subscriptions,
        'AuthenticateRequest',
        fakeContext({ headers: { authorization } }),
      );
      expect(outcome).toMatchObject({
        status: 401,
        substatus: 1,
        code: 'WORKER_LOGON_FAILED',
        result: 'finish',
      });
      expect(outcome.user.name).toBe('');
    }
  });

  it('leaves a request without Basic credentials anonymous, for the modules after it', async () => {
    const { subscriptions } = await initModule(BasicAuthenticationModule, enabled());
    const requests: Record<string, string>[] = [{}, { authorization: 'Bearer abc' }];
    for (const headers of requests) {
      const outcome = await notify(subscriptions, 'AuthenticateRequest', fakeContext({ headers }));
      expect(outcome).toMatchObject({ result: 'continue', status: 200, user: { name: '' } });
    }
  });

  it('adds the challenge to every 401, with the realm or else the host name, and not twice', async () => {
    const withRealm = (await initModule(BasicAuthenticationModule, enabled({ realm: 'Intranet "HQ"' })))
      .subscriptions;
    const ctx = fakeContext();
    ctx.response.status(401, 3);
    const outcome = await notify(withRealm, 'SendResponse', ctx);
    expect(outcome.headers['www-authenticate']).toBe('Basic realm="Intranet \\"HQ\\""');
    await notify(withRealm, 'SendResponse', ctx);
    expect(outcome.headers['www-authenticate']).toBe('Basic realm="Intranet \\"HQ\\""');

    const byHost = (await initModule(BasicAuthenticationModule, enabled())).subscriptions;
    const hosted = fakeContext({ host: 'www.contoso.com' });
    hosted.response.status(401, 2).setHeader('www-authenticate', 'Negotiate');
    expect((await notify(byHost, 'SendResponse', hosted)).headers['www-authenticate']).toEqual([
      'Negotiate',
      'Basic realm="www.contoso.com"',
    ]);
    const ok = fakeContext();
    expect((await notify(byHost, 'SendResponse', ok)).headers['www-authenticate']).toBeUndefined();
  });

  it('verifies a header with bcrypt once, then serves the same header from its cache', async () => {
    const compare = vi.spyOn(bcrypt, 'compare');
    const { subscriptions } = await initModule(BasicAuthenticationModule, enabled());
    const authorization = basic('alice:s3cret');
    // Concurrent requests with the same header share the one comparison too.
    const outcomes = await Promise.all(
      [1, 2, 3].map(() =>
        notify(subscriptions, 'AuthenticateRequest', fakeContext({ headers: { authorization } })),
      ),
    );
    expect(outcomes.map((o) => o.user.name)).toEqual(['alice', 'alice', 'alice']);
    await notify(subscriptions, 'AuthenticateRequest', fakeContext({ headers: { authorization } }));
    expect(compare).toHaveBeenCalledTimes(1);
    // A wrong password is never cached: it pays a comparison each time.
    const wrong = basic('alice:nope');
    await notify(subscriptions, 'AuthenticateRequest', fakeContext({ headers: { authorization: wrong } }));
    await notify(subscriptions, 'AuthenticateRequest', fakeContext({ headers: { authorization: wrong } }));
    expect(compare).toHaveBeenCalledTimes(3);
  });
});

describe('AnonymousAuthenticationModule', () => {
  it('costs nothing while anonymous access is enabled (the default)', async () => {
    expect((await initModule(AnonymousAuthenticationModule)).subscriptions).toEqual({});
  });

  it('answers 401.2 when disabled and nobody logged the request on, and lets a logged-on user through', async () => {
    const levels: Levels = {
      server: { security: { authentication: { anonymousAuthentication: { enabled: false } } } },
    };
    const { subscriptions } = await initModule(AnonymousAuthenticationModule, levels);
    expect(await notify(subscriptions, 'AuthenticateRequest', fakeContext())).toMatchObject({
      status: 401,
      substatus: 2,
      code: 'WORKER_LOGON_REQUIRED',
    });
    const ctx = fakeContext();
    ctx.user = { name: 'alice', authType: 'Basic', roles: [] };
    expect(await notify(subscriptions, 'AuthenticateRequest', ctx)).toMatchObject({
      status: 200,
      result: 'continue',
    });
  });
});
