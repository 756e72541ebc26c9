import { describe, expect, it } from 'vitest';
import { HttpRedirectionModule } from './http-redirect.js';
import { fakeContext, initModule, notify, webServerFor } from './module-harness.test-helper.js';
import { redirectTarget } from './redirect-target.js';

const settings = (fields: Record<string, unknown>) =>
  webServerFor({ server: { httpRedirect: { enabled: true, destination: 'https://new.example', ...fields } } })
    .httpRedirect;
const at = (path: string, query = '') => ({ path, query });

describe('redirectTarget', () => {
  it('appends the rest of the path after the location, not the query string', () => {
    const s = settings({ destination: 'https://new.example/' });
    expect(redirectTarget(s, '/', at('/a/b.htm', 'x=1'))).toBe('https://new.example/a/b.htm');
    expect(redirectTarget(s, '/old', at('/old/page.htm'))).toBe('https://new.example/page.htm');
    expect(redirectTarget(s, '/old', at('/old'))).toBe('https://new.example/');
    expect(redirectTarget(settings({ destination: '/new' }), '/old', at('/old/x'))).toBe('/new/x');
  });

  it('sends every request to an exact destination, replacing $S, $V, $Q and $P', () => {
    const s = settings({ exactDestination: true, destination: 'https://new.example/landing' });
    expect(redirectTarget(s, '/', at('/a/b.htm', 'x=1'))).toBe('https://new.example/landing');
    const vars = settings({ exactDestination: true, destination: 'https://n.example/v$V|s$S|q$Q|p$P' });
    expect(redirectTarget(vars, '/old', at('/old/a b.htm', 'x=1&y=2'))).toBe(
      'https://n.example/v/old/a%20b.htm|s/a%20b.htm|q?x=1&y=2|px=1&y=2',
    );
    expect(redirectTarget(vars, '/old', at('/old/c'))).toBe('https://n.example/v/old/c|s/c|q|p');
  });

  it('with childOnly, redirects content in the directory but not in its subdirectories', () => {
    const s = settings({ childOnly: true, destination: '/new' });
    expect(redirectTarget(s, '/', at('/page.htm'))).toBe('/new/page.htm');
    expect(redirectTarget(s, '/', at('/'))).toBe('/new/');
    expect(redirectTarget(s, '/', at('/new/page.htm'))).toBeUndefined();
    expect(redirectTarget(s, '/shop', at('/shop/cart/x'))).toBeUndefined();
    expect(redirectTarget(s, '/shop', at('/shop/cart'))).toBe('/new/cart');
  });

  it('encodes what it copies from the decoded path, `?` and `#` included', () => {
    expect(redirectTarget(settings({}), '/', at('/é?#.htm'))).toBe('https://new.example/%C3%A9%3F%23.htm');
  });
});

describe('HttpRedirectionModule', () => {
  it('subscribes to nothing while httpRedirect is disabled (the default)', async () => {
    expect((await initModule(HttpRedirectionModule)).subscriptions).toEqual({});
  });

  it('refuses to load when enabled without a destination', async () => {
    await expect(
      initModule(HttpRedirectionModule, { server: { httpRedirect: { enabled: true } } }),
    ).rejects.toThrow('httpRedirect is enabled without a destination');
  });

  it('answers with each httpResponseStatus and finishes the request, from the application’s path', async () => {
    const statuses = { Found: 302, Permanent: 301, Temporary: 307, PermRedirect: 308 } as const;
    for (const [httpResponseStatus, status] of Object.entries(statuses)) {
      const { subscriptions } = await initModule(HttpRedirectionModule, {
        app: { httpRedirect: { enabled: true, destination: 'https://new.example', httpResponseStatus } },
        appPath: '/shop',
      } as never);
      const outcome = await notify(
        subscriptions,
        'BeginRequest',
        fakeContext({ url: '/shop/cart.htm' }, '/shop'),
      );
      expect(outcome).toMatchObject({ result: 'finish', status, location: 'https://new.example/cart.htm' });
    }
  });
});
