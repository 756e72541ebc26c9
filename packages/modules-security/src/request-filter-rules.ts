import type { FilteringRule, WebServer } from '@w3pool/config';
import type { ErrorCode, HandlerRequest } from '@w3pool/extension-sdk';

type RequestFiltering = WebServer['requestFiltering'];

export interface FilterDenial {
  readonly code: ErrorCode;
  readonly detail: string;
}

interface CompiledRule {
  readonly name: string;
  readonly appliesTo: ReadonlySet<string> | undefined;
  readonly scanUrl: boolean;
  readonly scanQueryString: boolean;
  readonly scanAllRaw: boolean;
  readonly scanHeaders: readonly string[];
  readonly denyStrings: readonly string[];
}

/**
 * The request filtering rules in force for one application, compiled once: IIS's RequestFilteringModule as
 * the worker applies it, in IIS's order. `check` returns the first rule a request breaks. The listener has
 * already applied the server's settings before queueing; this applies the application's effective ones
 * (server, site and application merged) and the rules only the worker knows.
 */
export class RequestFilterRules {
  private readonly hidden: RegExp | undefined;
  private readonly urlSequences: readonly string[];
  private readonly querySequences: readonly string[];
  private readonly extensions: ReadonlyMap<string, boolean>;
  private readonly verbs: ReadonlyMap<string, boolean>;
  private readonly alwaysAllowedUrls: ReadonlySet<string>;
  private readonly alwaysAllowedQueries: ReadonlySet<string>;
  private readonly headerLimits: readonly { header: string; sizeLimit: number }[];
  private readonly rules: readonly CompiledRule[];
  /** Request headers the verdict depends on (Vary), or undefined when it depends on none. */
  readonly varyBy: string | undefined;

  constructor(
    private readonly settings: RequestFiltering,
    /** The application's virtual path: hidden segments are looked for below it. */
    private readonly appPath: string,
  ) {
    const names = settings.hiddenSegments.map(escapeRegExp);
    this.hidden = names.length > 0 ? new RegExp(`/(?:${names.join('|')})(?:/|$)`, 'i') : undefined;
    this.urlSequences = settings.denyUrlSequences.map((s) => s.toLowerCase());
    this.querySequences = settings.denyQueryStringSequences.map((s) => s.toLowerCase());
    this.extensions = new Map(
      settings.fileExtensions.list.map((e) => [e.fileExtension.toLowerCase(), e.allowed]),
    );
    this.verbs = new Map(settings.verbs.list.map((v) => [v.verb.toUpperCase(), v.allowed]));
    this.alwaysAllowedUrls = new Set(settings.alwaysAllowedUrls.map((u) => u.toLowerCase()));
    this.alwaysAllowedQueries = new Set(settings.alwaysAllowedQueryStrings);
    this.headerLimits = settings.requestLimits.headerLimits.map((l) => ({
      ...l,
      header: l.header.toLowerCase(),
    }));
    this.rules = settings.filteringRules.map(compileRule);
    this.varyBy = varyOf(this.headerLimits, this.rules);
  }

  check(request: HandlerRequest): FilterDenial | undefined {
    return this.checkUrl(request) ?? this.checkRequest(request) ?? this.checkRules(request);
  }

  /** URL and query length, escaping, sequences, hidden segments: what the path and query alone decide. */
  private checkUrl(request: HandlerRequest): FilterDenial | undefined {
    const { settings } = this;
    const { path, query } = request;
    const rawPath = pathOf(request.rawUrl);
    const limits = settings.requestLimits;
    if (Buffer.byteLength(rawPath) > limits.maxUrl)
      return deny('WORKER_FILTER_URL_TOO_LONG', `maxUrl ${limits.maxUrl}`);
    if (Buffer.byteLength(query) > limits.maxQueryString)
      return deny('WORKER_FILTER_QUERY_TOO_LONG', `maxQueryString ${limits.maxQueryString}`);
    if (!settings.allowDoubleEscaping && DOUBLE_ESCAPED.test(path))
      return deny('WORKER_FILTER_DOUBLE_ESCAPED', path);
    if (!settings.allowHighBitCharacters && HIGH_BIT.test(rawPath))
      return deny('WORKER_FILTER_HIGH_BIT', rawPath);
    if (this.urlSequences.length > 0 && !this.alwaysAllowedUrls.has(path.toLowerCase())) {
      const scanned = [rawPath.toLowerCase(), path.toLowerCase()];
      const found = this.urlSequences.find((s) => scanned.some((text) => text.includes(s)));
      if (found !== undefined) return deny('WORKER_FILTER_URL_SEQUENCE_DENIED', found);
    }
    const below = this.appPath === '/' ? path : path.slice(this.appPath.length);
    const hidden = this.hidden?.exec(below);
    if (hidden) return deny('WORKER_FILTER_HIDDEN_SEGMENT', hidden[0]);
    return undefined;
  }

  /** Verb, extension, declared length and header sizes. */
  private checkRequest(request: HandlerRequest): FilterDenial | undefined {
    const { settings } = this;
    const verb = this.verbs.get(request.method.toUpperCase());
    if (verb === false || (verb === undefined && !settings.verbs.allowUnlisted))
      return deny('WORKER_FILTER_VERB_DENIED', request.method);
    // A URL without an extension is IIS's `.` entry (allow it with `.` when allowUnlisted is false).
    const extension = extensionOf(request.path) || '.';
    const rule = this.extensions.get(extension);
    if (rule === false || (rule === undefined && !settings.fileExtensions.allowUnlisted))
      return deny('WORKER_FILTER_EXTENSION_DENIED', extension);
    const max = settings.requestLimits.maxAllowedContentLength;
    if (request.contentLength > max)
      return deny('WORKER_FILTER_CONTENT_TOO_LARGE', `maxAllowedContentLength ${max}`);
    for (const { header, sizeLimit } of this.headerLimits) {
      const value = request.headers.get(header);
      if (value !== undefined && Buffer.byteLength(value) > sizeLimit)
        return deny('WORKER_FILTER_HEADER_TOO_LONG', `${header} over ${sizeLimit} bytes`);
    }
    return undefined;
  }

  /** denyQueryStringSequences and filteringRules: strings looked for in the query, URL and headers. */
  private checkRules(request: HandlerRequest): FilterDenial | undefined {
    if (this.querySequences.length === 0 && this.rules.length === 0) return undefined;
    const queryAllowed = this.alwaysAllowedQueries.has(request.query);
    const queries = queryAllowed ? [] : this.queryForms(request.query);
    const found = this.querySequences.find((s) => queries.some((q) => q.includes(s)));
    if (found !== undefined) return deny('WORKER_FILTER_QUERY_SEQUENCE_DENIED', found);
    if (this.rules.length === 0) return undefined;
    const extension = extensionOf(request.path);
    const urlAllowed = this.alwaysAllowedUrls.has(request.path.toLowerCase());
    for (const rule of this.rules) {
      if (rule.appliesTo && !rule.appliesTo.has(extension)) continue;
      const scanned: string[] = [];
      if (rule.scanUrl && !urlAllowed)
        scanned.push(pathOf(request.rawUrl).toLowerCase(), request.path.toLowerCase());
      if (rule.scanQueryString) scanned.push(...queries);
      for (const header of rule.scanHeaders) {
        const value = request.headers.get(header);
        if (value !== undefined) scanned.push(value.toLowerCase());
      }
      if (rule.scanAllRaw) {
        for (const [name, value] of request.headers) scanned.push(`${name}: ${value}`.toLowerCase());
      }
      const hit = rule.denyStrings.find((s) => scanned.some((text) => text.includes(s)));
      if (hit !== undefined) return deny('WORKER_FILTER_RULE_DENIED', `rule ${JSON.stringify(rule.name)}`);
    }
    return undefined;
  }

  /** The query as sent and, with unescapeQueryString, unescaped: an escaped sequence is still found. */
  private queryForms(query: string): string[] {
    if (query === '') return [];
    const raw = query.toLowerCase();
    if (!this.settings.unescapeQueryString) return [raw];
    const unescaped = unescapeQuery(query).toLowerCase();
    return unescaped === raw ? [raw] : [raw, unescaped];
  }
}

function deny(code: ErrorCode, detail: string): FilterDenial {
  return { code, detail };
}

function compileRule(rule: FilteringRule): CompiledRule {
  return {
    name: rule.name,
    appliesTo: rule.appliesTo.length > 0 ? new Set(rule.appliesTo.map((e) => e.toLowerCase())) : undefined,
    scanUrl: rule.scanUrl,
    scanQueryString: rule.scanQueryString,
    scanAllRaw: rule.scanAllRaw,
    scanHeaders: rule.scanHeaders.map((h) => h.toLowerCase()),
    denyStrings: rule.denyStrings.map((s) => s.toLowerCase()),
  };
}

/**
 * A verdict that depends on request headers must not be reused by the listener's response cache for a
 * request with other headers: a Vary header on the response keeps the cache from storing it.
 */
function varyOf(limits: readonly { header: string }[], rules: readonly CompiledRule[]): string | undefined {
  if (rules.some((r) => r.scanAllRaw && r.denyStrings.length > 0)) return '*';
  const headers = new Set([
    ...limits.map((l) => l.header),
    ...rules.filter((r) => r.denyStrings.length > 0).flatMap((r) => r.scanHeaders),
  ]);
  return headers.size > 0 ? [...headers].join(', ') : undefined;
}

function pathOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q === -1 ? rawUrl : rawUrl.slice(0, q);
}

/** The extension of the last non-empty segment, lower-cased with its dot (`/site.cs/` is still a .cs). */
export function extensionOf(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47) end -= 1;
  const slash = path.lastIndexOf('/', end - 1);
  const dot = path.lastIndexOf('.', end - 1);
  return dot > slash ? path.slice(dot, end).toLowerCase() : '';
}

/**
 * `+` as a space and each run of %XX escapes decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD, so a
 * scan never fails); a `%` that starts no escape stays as it is.
 */
export function unescapeQuery(query: string): string {
  return query
    .replace(/\+/g, ' ')
    .replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A path that still decodes to something else after its one decoding, or holds `+` (IIS's 404.11). */
const DOUBLE_ESCAPED = /%[0-9a-fA-F]{2}|\+/;

/** Non-ASCII sent raw, or percent-encoded bytes 0x80–0xFF. */
const HIGH_BIT = /[^\x00-\x7f]|%[89a-fA-F][0-9a-fA-F]/;
