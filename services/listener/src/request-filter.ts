import type { Site, W3poolConfig } from '@w3pool/config';
import type { ErrorCode } from '@w3pool/protocol';
import type { NormalizedUrl } from './url-normalizer.js';

/**
 * IIS's RequestFilteringModule, applied by the listener before anything is queued, in IIS's order. Returns
 * the catalogue code of the first rule the request breaks, or undefined when it passes.
 */
export class RequestFilter {
  /** Any hidden segment, whole and case-insensitive: one scan of the path instead of a copy per segment. */
  private readonly hidden: RegExp | undefined;
  private readonly sequences: string[];
  private readonly extensions: Map<string, boolean>;
  private readonly verbs: Map<string, boolean>;
  private readonly maxUrl: number;
  private readonly maxQueryString: number;

  constructor(private readonly config: W3poolConfig) {
    const filtering = config.webServer.requestFiltering;
    const names = filtering.hiddenSegments.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.hidden = names.length > 0 ? new RegExp(`/(?:${names.join('|')})(?:/|$)`, 'i') : undefined;
    this.sequences = filtering.denyUrlSequences.map((s) => s.toLowerCase());
    this.extensions = new Map(
      filtering.fileExtensions.list.map((e) => [e.fileExtension.toLowerCase(), e.allowed]),
    );
    this.verbs = new Map(filtering.verbs.list.map((v) => [v.verb.toUpperCase(), v.allowed]));
    this.maxUrl = filtering.requestLimits.maxUrl;
    this.maxQueryString = filtering.requestLimits.maxQueryString;
  }

  check(method: string, rawUrl: string, url: NormalizedUrl, site: Site): ErrorCode | undefined {
    const filtering = this.config.webServer.requestFiltering;
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);

    // A string's UTF-8 length is at most three bytes per character: count them only when that bound says
    // the limit might be passed.
    if (rawPath.length * 3 > this.maxUrl && Buffer.byteLength(rawPath) > this.maxUrl)
      return 'LISTENER_URL_TOO_LONG';
    if (url.query.length * 3 > this.maxQueryString && Buffer.byteLength(url.query) > this.maxQueryString)
      return 'LISTENER_QUERY_TOO_LONG';
    if (!filtering.allowDoubleEscaping && DOUBLE_ESCAPED.test(url.path)) return 'LISTENER_DOUBLE_ESCAPED';
    if (!filtering.allowHighBitCharacters && HIGH_BIT.test(rawPath)) return 'LISTENER_HIGH_BIT';

    if (this.sequences.length > 0) {
      const lowerRaw = rawUrl.toLowerCase();
      if (this.sequences.some((s) => lowerRaw.includes(s))) return 'LISTENER_URL_SEQUENCE_DENIED';
    }

    if (countSegments(url.path) > site.limits.maxUrlSegments) return 'LISTENER_TOO_MANY_SEGMENTS';
    if (this.hidden?.test(url.path)) return 'LISTENER_HIDDEN_SEGMENT';

    // The HTTP parser accepts only upper-case methods, so no case folding is needed to look one up.
    const verb = this.verbs.get(method);
    if (verb === false || (verb === undefined && !filtering.verbs.allowUnlisted))
      return 'LISTENER_VERB_DENIED';

    // The extension of the last non-empty segment (`/site.cs/` is still a .cs).
    let end = url.path.length;
    while (end > 1 && url.path.charCodeAt(end - 1) === 47) end -= 1;
    const slash = url.path.lastIndexOf('/', end - 1);
    const dot = url.path.lastIndexOf('.', end - 1);
    const extension = dot > slash ? url.path.slice(dot, end).toLowerCase() : '';
    const rule = extension === '' ? undefined : this.extensions.get(extension);
    if (rule === false) return 'LISTENER_EXTENSION_DENIED';
    if (rule === undefined && !filtering.fileExtensions.allowUnlisted) return 'LISTENER_EXTENSION_DENIED';
    return undefined;
  }
}

/** Non-empty segments of a path. */
function countSegments(path: string): number {
  let count = 0;
  for (let i = 0; i < path.length; i += 1) {
    // A segment starts at a non-slash right after a slash.
    if (path.charCodeAt(i) !== 47 && (i === 0 || path.charCodeAt(i - 1) === 47)) count += 1;
  }
  return count;
}

/**
 * A path that still decodes to something else after its one decoding (`%25` → `%`, then `%2e` → `.`)
 * hides what it names from every check made on the first decoding. IIS also counts `+` here, since a second
 * decoder may read it as a space; that is why IIS answers 404.11 for a `+` in a path.
 */
const DOUBLE_ESCAPED = /%[0-9a-fA-F]{2}|\+/;

/** Non-ASCII sent raw, or percent-encoded bytes 0x80–0xFF. */
const HIGH_BIT = /[^\x00-\x7f]|%[89a-fA-F][0-9a-fA-F]/;
