import type { TSchema } from '@sinclair/typebox';
import { ACCESS_SSL_FLAGS } from '@w3pool/config';
import { resolveCollection, type CollectionSpec } from './collections.js';
import type { ImportContext } from './import-context.js';
import { baseList, section, webServerProperties, type WebServerScope } from './web-server-tree.js';
import type { XmlElement } from './xml-tree.js';

// system.webServer/security: authentication (anonymous and Basic; Windows' own methods are reported),
// authorization, isapiCgiRestriction, requestFiltering and access (what a request must bring over TLS).

type Tree = Record<string, unknown>;

const props = (schema: TSchema | undefined) => (schema?.properties ?? {}) as Record<string, TSchema>;
const securityProperties = props(webServerProperties.security);
const filteringProperties = props(webServerProperties.requestFiltering);

/** Authentication methods that need Windows (accounts, SSPI, certificate mapping). */
const WINDOWS_AUTHENTICATION: Record<string, string> = {
  windowsAuthentication: 'Windows authentication (Negotiate, NTLM, Kerberos) needs Windows accounts',
  digestAuthentication: 'Digest authentication checks Windows domain accounts',
  clientCertificateMappingAuthentication: 'client certificate mapping to Active Directory accounts',
  iisClientCertificateMappingAuthentication: 'client certificate mapping to Windows accounts',
};

export function mapSecurity(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  el.handled = true;
  const authentication = el.child('authentication');
  if (authentication) mapAuthentication(authentication, ctx, out);
  const authorization = el.child('authorization');
  if (authorization) mapAuthorization(authorization, ctx, out);
  const restriction = el.child('isapiCgiRestriction');
  if (restriction) mapIsapiCgiRestriction(restriction, ctx, out, scope);
  const filtering = el.child('requestFiltering');
  if (filtering) mapRequestFiltering(filtering, ctx, out, scope);
  const access = el.child('access');
  if (access) mapAccess(access, ctx, out);
}

/**
 * security/access@sslFlags: a comma list of IIS's names (`Ssl, SslNegotiateCert`), compared ignoring case
 * as IIS does and written in IIS's spelling; `None` beside other names means nothing and goes.
 */
function mapAccess(el: XmlElement, ctx: ImportContext, out: Tree): void {
  el.handled = true;
  const raw = el.attr('sslFlags');
  if (raw === undefined) return;
  el.usedAttributes.add('sslFlags');
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const known = names.map((name) =>
    ACCESS_SSL_FLAGS.find((flag) => flag.toLowerCase() === name.toLowerCase()),
  );
  const unknown = names.filter((_, i) => known[i] === undefined);
  if (unknown.length > 0) {
    ctx.report(
      el,
      `"${unknown.join(', ')}" is not an access@sslFlags name (${ACCESS_SSL_FLAGS.join(', ')}); left out, so w3pool's default (None) applies`,
      'error',
      'sslFlags',
    );
    return;
  }
  const flags = known.filter((flag) => flag !== undefined && flag !== 'None');
  ctx.put(
    section(out, 'security', 'access'),
    'sslFlags',
    flags.length > 0 ? flags.join(', ') : 'None',
    el,
    'sslFlags',
  );
}

function mapAuthentication(el: XmlElement, ctx: ImportContext, out: Tree): void {
  const target = section(out, 'security', 'authentication');
  const schema = securityProperties.authentication!;
  el.handled = true;
  for (const method of el.children) {
    const windowsOnly = WINDOWS_AUTHENTICATION[method.name];
    if (windowsOnly !== undefined) {
      const enabled = /^true$/i.test(method.attributes.get('enabled') ?? 'false');
      reportTree(
        method,
        enabled
          ? `${windowsOnly}: w3pool does not have it, so requests it logged on are anonymous (or Basic) here`
          : `${windowsOnly}: w3pool does not have it; it is disabled here, so nothing changes`,
        enabled ? 'warning' : 'info',
        ctx,
      );
      continue;
    }
    const methodSchema = props(schema)[method.name];
    if (!methodSchema) continue;
    ctx.copy(method, methodSchema, section(target, method.name));
    if (method.name === 'anonymousAuthentication') {
      ctx.reportAttributes(
        method,
        ['userName', 'password', 'logonMethod'],
        'the anonymous user account (IUSR): w3pool runs anonymous requests as the worker user',
        'info',
      );
    }
    if (method.name === 'basicAuthentication' && /^true$/i.test(method.attributes.get('enabled') ?? '')) {
      ctx.issues.push({
        xpath: method.xpath,
        reason:
          'IIS checks Basic credentials against Windows accounts: give w3pool its users (users, with bcrypt hashes, or usersFile; docs/security-modules.md)',
        severity: 'warning',
        line: method.line,
      });
      ctx.reportAttributes(
        method,
        ['logonMethod'],
        'a Windows logon type; w3pool has no Windows logons',
        'info',
      );
    }
  }
}

/** authorization: w3pool keeps IIS's rules with their <remove> and <clear/> entries. */
function mapAuthorization(el: XmlElement, ctx: ImportContext, out: Tree): void {
  const target = section(out, 'security', 'authorization');
  ctx.copy(el, securityProperties.authorization!, target);
  const rules = el.each().flatMap((rule): Tree[] => {
    const fields = () => ({
      users: rule.attr('users') ?? '',
      roles: rule.attr('roles') ?? '',
      verbs: rule.attr('verbs') ?? '',
    });
    if (rule.name === 'clear') return [{ clear: true }];
    if (rule.name === 'remove') return [{ remove: fields() }];
    if (rule.name === 'add') {
      const accessType = rule.attr('accessType') ?? '';
      const normal = /^allow$/i.test(accessType) ? 'Allow' : /^deny$/i.test(accessType) ? 'Deny' : accessType;
      return [{ accessType: normal, ...fields() }];
    }
    rule.handled = false;
    return [];
  });
  ctx.put(target, 'rules', rules, el);
}

function mapIsapiCgiRestriction(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'security', 'isapiCgiRestriction');
  const schema = securityProperties.isapiCgiRestriction!;
  ctx.copy(el, schema, target);
  const spec: CollectionSpec<Tree> = {
    addElement: 'add',
    keyOfElement: (e) => e.attributes.get('path') ?? '',
    keyOf: (r) => String(r.path),
    build: (e) => {
      const raw = e.attributes.get('path') ?? '';
      if (/\.dll$/i.test(raw)) {
        ctx.report(
          e,
          'an ISAPI DLL: w3pool loads no DLLs, so the entry has nothing to allow; left out',
          'info',
        );
        return undefined;
      }
      const entry = ctx.copy(e, props(schema).list!.items as TSchema, {}, ['path']);
      entry.path = ctx.path(e, 'path');
      return entry;
    },
  };
  const base = baseList<Tree>(out, ['security', 'isapiCgiRestriction', 'list'], scope);
  ctx.put(target, 'list', resolveCollection(el, spec, base, ctx), el);
}

interface ListSpec {
  /** Where the list is in w3pool's requestFiltering. */
  path: string[];
  /** The element holding it in IIS, and the attribute of each <add>. */
  element: string;
  attribute: string;
  /** w3pool appends a child level's entries to its parent's (APPENDED in effective-web-server.ts). */
  appended?: boolean;
}

/** requestFiltering's lists of plain strings. */
const STRING_LISTS: ListSpec[] = [
  { path: ['hiddenSegments'], element: 'hiddenSegments', attribute: 'segment' },
  { path: ['denyUrlSequences'], element: 'denyUrlSequences', attribute: 'sequence' },
  {
    path: ['denyQueryStringSequences'],
    appended: true,
    element: 'denyQueryStringSequences',
    attribute: 'sequence',
  },
  { path: ['alwaysAllowedUrls'], appended: true, element: 'alwaysAllowedUrls', attribute: 'url' },
  {
    path: ['alwaysAllowedQueryStrings'],
    appended: true,
    element: 'alwaysAllowedQueryStrings',
    attribute: 'queryString',
  },
];

function mapRequestFiltering(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'requestFiltering');
  ctx.copy(el, webServerProperties.requestFiltering!, target);
  const base = (path: string[]) => baseList<unknown>(out, ['requestFiltering', ...path], scope);

  for (const spec of STRING_LISTS) {
    const list = el.child(spec.element);
    if (!list) continue;
    ctx.reportAttributes(list, ['applyToWebDAV'], 'w3pool has no WebDAV', 'info');
    const collection: CollectionSpec<string> = {
      addElement: 'add',
      keyOfElement: (e) => e.attr(spec.attribute) ?? '',
      keyOf: (v) => v,
      build: (e) => e.attr(spec.attribute),
    };
    const inherited = spec.appended && !scope.server ? [] : (base(spec.path) as string[]);
    ctx.put(target, spec.element, resolveCollection(list, collection, inherited, ctx), list);
  }

  for (const [element, key] of [
    ['fileExtensions', 'fileExtension'],
    ['verbs', 'verb'],
  ] as const) {
    const list = el.child(element);
    if (!list) continue;
    ctx.reportAttributes(list, ['applyToWebDAV'], 'w3pool has no WebDAV', 'info');
    const sub = section(target, element);
    ctx.copy(list, filteringProperties[element]!, sub);
    const collection: CollectionSpec<Tree> = {
      addElement: 'add',
      keyOfElement: (e) => e.attr(key) ?? '',
      keyOf: (r) => String(r[key]),
      build: (e) => ctx.copy(e, props(filteringProperties[element]).list!.items as TSchema, {}),
    };
    ctx.put(sub, 'list', resolveCollection(list, collection, base([element, 'list']) as Tree[], ctx), list);
  }

  const rules = el.child('filteringRules');
  if (rules) {
    // w3pool appends a child level's rules to its parent's, so only a server level resolves edits.
    const inherited = scope.server ? (base(['filteringRules']) as Tree[]) : [];
    ctx.put(
      target,
      'filteringRules',
      resolveCollection(rules, filteringRuleSpec(ctx), inherited, ctx),
      rules,
    );
  }

  const headerLimits = el.child('requestLimits')?.child('headerLimits');
  if (headerLimits) {
    const collection: CollectionSpec<Tree> = {
      addElement: 'add',
      keyOfElement: (e) => e.attr('header') ?? '',
      keyOf: (h) => String(h.header),
      build: (e) => ctx.copy(e, props(filteringProperties.requestLimits).headerLimits!.items as TSchema, {}),
    };
    const limits = section(target, 'requestLimits');
    ctx.put(limits, 'headerLimits', resolveCollection(headerLimits, collection, [], ctx), headerLimits);
  }
}

/** requestFiltering/filteringRules/filteringRule, with its scanHeaders, appliesTo and denyStrings lists. */
function filteringRuleSpec(ctx: ImportContext): CollectionSpec<Tree> {
  const schema = filteringProperties.filteringRules!.items as TSchema;
  const lists: [string, string][] = [
    ['scanHeaders', 'requestHeader'],
    ['appliesTo', 'fileExtension'],
    ['denyStrings', 'string'],
  ];
  return {
    addElement: 'filteringRule',
    keyOfElement: (e) => e.attributes.get('name') ?? '',
    keyOf: (r) => r.name as string,
    build: (e) => {
      const rule = ctx.copy(e, schema, {});
      for (const [name, attribute] of lists) {
        const list = e.child(name);
        if (list)
          ctx.put(
            rule,
            name,
            list.each(['add']).map((add) => add.attr(attribute) ?? ''),
            list,
          );
      }
      return rule;
    },
  };
}

/** Report an element and account for everything inside it with that one entry. */
export function reportTree(
  el: XmlElement,
  reason: string,
  severity: 'error' | 'warning' | 'info',
  ctx: ImportContext,
): void {
  ctx.report(el, reason, severity);
}
