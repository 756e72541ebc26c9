import { describe, expect, it } from 'vitest';
import {
  fakeContext,
  initModule,
  notify,
  webServerFor,
  type FakeRequest,
  type Levels,
} from './module-harness.test-helper.js';
import { extensionOf, RequestFilterRules, unescapeQuery } from './request-filter-rules.js';
import { RequestFilteringModule } from './request-filtering.js';

/** The rules of an application at /app whose own requestFiltering is `filtering`. */
function rulesOf(filtering: Record<string, unknown>, server: Record<string, unknown> = {}) {
  const levels: Levels = {
    server: { requestFiltering: server },
    app: { requestFiltering: filtering },
    appPath: '/app',
  };
  return new RequestFilterRules(webServerFor(levels).requestFiltering, '/app');
}

const check = (rules: RequestFilterRules, request: FakeRequest) =>
  rules.check(fakeContext(request, '/app').request)?.code;

describe('RequestFilterRules', () => {
  it('lets an ordinary request through under IIS’s defaults', () => {
    expect(
      check(rulesOf({}), { url: '/app/index.html?q=1', headers: { 'user-agent': 'curl' } }),
    ).toBeUndefined();
  });

  it('applies the application’s own sequences, verbs, extensions and hidden segments (404.5–404.8)', () => {
    const rules = rulesOf({
      denyUrlSequences: ['/private'],
      verbs: { list: [{ verb: 'PUT', allowed: false }] },
      fileExtensions: { list: [{ fileExtension: '.bak', allowed: false }] },
      hiddenSegments: ['drafts'],
    });
    expect(check(rules, { url: '/app/private/x' })).toBe('WORKER_FILTER_URL_SEQUENCE_DENIED');
    expect(check(rules, { url: '/app/%2fPRIVATE', path: '/app//PRIVATE' })).toBe(
      'WORKER_FILTER_URL_SEQUENCE_DENIED',
    );
    expect(check(rules, { url: '/app/a.txt', method: 'PUT' })).toBe('WORKER_FILTER_VERB_DENIED');
    expect(check(rules, { url: '/app/db.BAK' })).toBe('WORKER_FILTER_EXTENSION_DENIED');
    expect(check(rules, { url: '/app/Drafts/a.txt' })).toBe('WORKER_FILTER_HIDDEN_SEGMENT');
    expect(check(rules, { url: '/app/drafts-old/a.txt' })).toBeUndefined();
  });

  it('looks for hidden segments below the application’s path only', () => {
    const rules = new RequestFilterRules(
      webServerFor({ app: { requestFiltering: { hiddenSegments: ['app'] } }, appPath: '/app' })
        .requestFiltering,
      '/app',
    );
    expect(check(rules, { url: '/app/x.txt' })).toBeUndefined();
    expect(check(rules, { url: '/app/app/x.txt' })).toBe('WORKER_FILTER_HIDDEN_SEGMENT');
  });

  it('denies an unlisted extension, or a URL without one unless `.` is allowed, when allowUnlisted is false', () => {
    const strict = rulesOf({
      fileExtensions: { allowUnlisted: false, list: [{ fileExtension: '.html', allowed: true }] },
    });
    expect(check(strict, { url: '/app/a.html' })).toBeUndefined();
    expect(check(strict, { url: '/app/a.php' })).toBe('WORKER_FILTER_EXTENSION_DENIED');
    expect(check(strict, { url: '/app/dir/' })).toBe('WORKER_FILTER_EXTENSION_DENIED');
    const dotted = rulesOf({
      fileExtensions: { allowUnlisted: false, list: [{ fileExtension: '.', allowed: true }] },
    });
    expect(check(dotted, { url: '/app/dir/' })).toBeUndefined();
  });

  it('applies the application’s limits and escaping rules (404.11–404.15)', () => {
    const rules = rulesOf({
      allowHighBitCharacters: false,
      requestLimits: { maxUrl: 20, maxQueryString: 5, maxAllowedContentLength: 10 },
    });
    expect(check(rules, { url: '/app/a-rather-long-name.txt' })).toBe('WORKER_FILTER_URL_TOO_LONG');
    expect(check(rules, { url: '/app/a?123456' })).toBe('WORKER_FILTER_QUERY_TOO_LONG');
    expect(check(rules, { url: '/app/a%2541', path: '/app/a%41' })).toBe('WORKER_FILTER_DOUBLE_ESCAPED');
    expect(check(rules, { url: '/app/%C3%A9' })).toBe('WORKER_FILTER_HIGH_BIT');
    expect(check(rules, { url: '/app/a', method: 'POST', contentLength: 11 })).toBe(
      'WORKER_FILTER_CONTENT_TOO_LARGE',
    );
    expect(check(rules, { url: '/app/a', method: 'POST', contentLength: -1 })).toBeUndefined(); // chunked
  });

  it('limits the size of listed headers (404.10), names compared case-insensitively', () => {
    const rules = rulesOf({ requestLimits: { headerLimits: [{ header: 'X-Token', sizeLimit: 4 }] } });
    expect(check(rules, { url: '/app/a', headers: { 'x-token': 'abcd' } })).toBeUndefined();
    expect(check(rules, { url: '/app/a', headers: { 'x-token': 'abcde' } })).toBe(
      'WORKER_FILTER_HEADER_TOO_LONG',
    );
    expect(rules.varyBy).toBe('x-token');
  });

  it('denies query string sequences raw or unescaped (404.18), except in an always allowed query', () => {
    const rules = rulesOf({
      denyQueryStringSequences: ['<script', "'--"],
      alwaysAllowedQueryStrings: ['q=<script'],
    });
    expect(check(rules, { url: '/app/a?q=%3CScript%3E' })).toBe('WORKER_FILTER_QUERY_SEQUENCE_DENIED');
    expect(check(rules, { url: "/app/a?id=1'--" })).toBe('WORKER_FILTER_QUERY_SEQUENCE_DENIED');
    expect(check(rules, { url: '/app/a?q=<script' })).toBeUndefined();
    const raw = rulesOf({ unescapeQueryString: false, denyQueryStringSequences: ['<script'] });
    expect(check(raw, { url: '/app/a?q=%3Cscript' })).toBeUndefined();
  });

  it('adds to the server’s worker-only lists instead of replacing them', () => {
    const rules = rulesOf({ denyQueryStringSequences: ['b'] }, { denyQueryStringSequences: ['a'] });
    expect(check(rules, { url: '/app/x?a' })).toBe('WORKER_FILTER_QUERY_SEQUENCE_DENIED');
    expect(check(rules, { url: '/app/x?b' })).toBe('WORKER_FILTER_QUERY_SEQUENCE_DENIED');
  });

  it('applies filtering rules to the URL, query and headers of the extensions they name (404.19)', () => {
    const rules = rulesOf({
      alwaysAllowedUrls: ['/app/admin/Select All.aspx'],
      filteringRules: [
        {
          name: 'SQL',
          scanUrl: true,
          scanQueryString: true,
          appliesTo: ['.aspx'],
          denyStrings: ['select ', 'drop table'],
        },
        { name: 'Bots', scanHeaders: ['User-Agent'], denyStrings: ['sqlmap'] },
        { name: 'Raw', scanAllRaw: true, denyStrings: ['x-evil: '] },
      ],
    });
    expect(check(rules, { url: '/app/a.aspx?q=SELECT%20*' })).toBe('WORKER_FILTER_RULE_DENIED');
    expect(check(rules, { url: '/app/a.html?q=SELECT%20*' })).toBeUndefined(); // not an .aspx
    expect(check(rules, { url: '/app/drop table.aspx', path: '/app/drop table.aspx' })).toBe(
      'WORKER_FILTER_RULE_DENIED',
    );
    expect(check(rules, { url: '/app/admin/select%20all.aspx' })).toBeUndefined(); // always allowed
    expect(check(rules, { url: '/app/admin/select%20one.aspx' })).toBe('WORKER_FILTER_RULE_DENIED');
    expect(check(rules, { url: '/app/a', headers: { 'user-agent': 'SQLMap/1.7' } })).toBe(
      'WORKER_FILTER_RULE_DENIED',
    );
    expect(check(rules, { url: '/app/a', headers: { 'x-evil': '1' } })).toBe('WORKER_FILTER_RULE_DENIED');
    expect(rules.varyBy).toBe('*');
  });

  it('finds extensions and unescapes queries as IIS does', () => {
    expect([extensionOf('/a/b.TXT'), extensionOf('/a.cs/'), extensionOf('/a.b/c'), extensionOf('/')]).toEqual(
      ['.txt', '.cs', '', ''],
    );
    expect(unescapeQuery('a+b%20c%zz%E2%82%AC%E2')).toBe('a b c%zz€\uFFFD');
  });
});

describe('RequestFilteringModule', () => {
  it('answers a refused request with its 404 substatus and sets Vary for header rules', async () => {
    const levels: Levels = {
      app: { requestFiltering: { requestLimits: { headerLimits: [{ header: 'Referer', sizeLimit: 8 }] } } },
      appPath: '/app',
    };
    const { subscriptions } = await initModule(RequestFilteringModule, levels);
    const refused = await notify(
      subscriptions,
      'BeginRequest',
      fakeContext({ url: '/app/a', headers: { referer: 'https://long.example' } }, '/app'),
    );
    expect(refused).toMatchObject({
      status: 404,
      substatus: 10,
      code: 'WORKER_FILTER_HEADER_TOO_LONG',
      result: 'finish',
    });
    const passed = await notify(subscriptions, 'BeginRequest', fakeContext({ url: '/app/a' }, '/app'));
    expect(passed).toMatchObject({ status: 200, result: 'continue', headers: { vary: 'referer' } });
  });
});
