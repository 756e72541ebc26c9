import type { AuthorizationEntry } from '@w3pool/config';
import { describe, expect, it } from 'vitest';
import { AuthorizationPolicy } from './authorization-rules.js';
import { fakeContext, initModule, notify, webServerFor } from './module-harness.test-helper.js';
import { UrlAuthorizationModule } from './url-authorization.js';

const anonymous = { name: '', authType: '', roles: [] };
const alice = { name: 'alice', authType: 'Basic', roles: ['Editors'] };
const bob = { name: 'bob', authType: 'Basic', roles: ['guests'] };

const rule = (
  accessType: 'Allow' | 'Deny',
  fields: Partial<Record<'users' | 'roles' | 'verbs', string>>,
) => ({
  accessType,
  users: '',
  roles: '',
  verbs: '',
  ...fields,
});

describe('AuthorizationPolicy', () => {
  it('lets everyone in under IIS’s default rule, and says so', () => {
    const policy = new AuthorizationPolicy(webServerFor().security.authorization.rules);
    expect(policy.allowsEveryone).toBe(true);
    expect([policy.allows(anonymous, 'GET'), policy.allows(alice, 'DELETE')]).toEqual([true, true]);
  });

  it('evaluates every Deny rule before any Allow rule, whatever their order', () => {
    const policy = new AuthorizationPolicy([
      rule('Allow', { users: 'alice' }),
      rule('Deny', { roles: 'editors' }),
    ]);
    expect(policy.allows(alice, 'GET')).toBe(false);
    expect(policy.allowsEveryone).toBe(false);
  });

  it('matches `?` to the anonymous user, `*` to everyone, names and roles case-insensitively, verbs when listed', () => {
    const policy = new AuthorizationPolicy([
      rule('Deny', { users: '?' }),
      rule('Allow', { users: 'ALICE' }),
      rule('Allow', { roles: 'Guests', verbs: 'get, head' }),
    ]);
    expect(policy.allows(anonymous, 'GET')).toBe(false);
    expect(policy.allows(alice, 'POST')).toBe(true);
    expect(policy.allows(bob, 'GET')).toBe(true);
    expect(policy.allows(bob, 'HEAD')).toBe(true);
    expect(policy.allows(bob, 'POST')).toBe(false); // no rule allows it: refused
    const everyone = new AuthorizationPolicy([
      rule('Deny', { users: '*', verbs: 'DELETE' }),
      rule('Allow', { users: '*' }),
    ]);
    expect([everyone.allows(alice, 'DELETE'), everyone.allows(anonymous, 'GET')]).toEqual([false, true]);
  });

  it('puts a site’s and an application’s rules after the server’s, so a Deny anywhere holds', () => {
    const rules = webServerFor({
      site: { security: { authorization: { rules: [rule('Deny', { users: 'bob' })] } } },
      app: { security: { authorization: { rules: [rule('Allow', { users: 'bob' })] } } },
      appPath: '/app',
    }).security.authorization.rules;
    expect(rules).toEqual([
      rule('Allow', { users: '*' }),
      rule('Deny', { users: 'bob' }),
      rule('Allow', { users: 'bob' }),
    ]);
    const policy = new AuthorizationPolicy(rules);
    expect([policy.allows(bob, 'GET'), policy.allows(alice, 'GET')]).toEqual([false, true]);
  });

  it('forgets inherited rules with clear and remove, as IIS’s <clear/> and <remove/>', () => {
    const removed = new AuthorizationPolicy(
      webServerFor({
        app: {
          security: {
            authorization: {
              rules: [{ remove: { users: '*', roles: '', verbs: '' } }, rule('Allow', { roles: 'editors' })],
            },
          },
        },
      }).security.authorization.rules,
    );
    expect([
      removed.allows(alice, 'GET'),
      removed.allows(bob, 'GET'),
      removed.allows(anonymous, 'GET'),
    ]).toEqual([true, false, false]);
    const entries: AuthorizationEntry[] = [
      rule('Deny', { users: 'alice' }),
      { clear: true },
      rule('Allow', { users: 'alice' }),
    ];
    expect(new AuthorizationPolicy(entries).allows(alice, 'GET')).toBe(true);
  });
});

describe('UrlAuthorizationModule', () => {
  it('subscribes to nothing under IIS’s default Allow `*`', async () => {
    expect((await initModule(UrlAuthorizationModule)).subscriptions).toEqual({});
  });

  it('answers 401.2 to a refused anonymous request and 403 to a refused logged-on user', async () => {
    const { subscriptions } = await initModule(UrlAuthorizationModule, {
      server: {
        security: {
          authorization: {
            rules: [
              { clear: true },
              rule('Allow', { roles: 'editors' }),
              rule('Deny', { verbs: 'DELETE', users: '*' }),
            ],
          },
        },
      },
    });
    expect(await notify(subscriptions, 'AuthorizeRequest', fakeContext())).toMatchObject({
      status: 401,
      substatus: 2,
      code: 'WORKER_URL_AUTHORIZATION_LOGON_REQUIRED',
    });
    const asBob = fakeContext();
    asBob.user = bob;
    expect(await notify(subscriptions, 'AuthorizeRequest', asBob)).toMatchObject({
      status: 403,
      substatus: 0,
      code: 'WORKER_URL_AUTHORIZATION_DENIED',
    });
    const asAlice = fakeContext();
    asAlice.user = alice;
    expect(await notify(subscriptions, 'AuthorizeRequest', asAlice)).toMatchObject({
      status: 200,
      result: 'continue',
    });
    const deleting = fakeContext({ method: 'DELETE' });
    deleting.user = alice;
    expect(await notify(subscriptions, 'AuthorizeRequest', deleting)).toMatchObject({ status: 403 });
  });
});
