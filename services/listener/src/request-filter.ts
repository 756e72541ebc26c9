import type { Site, W3poolConfig } from '@w3pool/config';
import type { ErrorCode } from '@w3pool/protocol';
import type { NormalizedUrl } from './url-normalizer.js';

/**
 * IIS's RequestFilteringModule, applied by the listener before anything is queued, in IIS's order. Returns
 * the catalogue code of the first rule the request breaks, or undefined when it passes.
 */
export class RequestFilter {
  private readonly hidden: Set<string>;
  private readonly sequences: string[];
  private readonly extensions: Map<string, boolean>;
  private readonly verbs: Map<string, boolean>;

  constructor(private readonly config: W3poolConfig) {
    const filtering = config.webServer.requestFiltering;
    this.hidden = new Set(filtering.hiddenSegments.map((s) => s.toLowerCase()));
    this.sequences = filtering.denyUrlSequences.map((s) => s.toLowerCase());
    this.extensions = new Map(
      filtering.fileExtensions.list.map((e) => [e.fileExtension.toLowerCase(), e.allowed]),
    );
    this.verbs = new Map(filtering.verbs.list.map((v) => [v.verb.toUpperCase(), v.allowed]));
  }

  check(method: string, rawUrl: string, url: NormalizedUrl, site: Site): ErrorCode | undefined {
    const filtering = this.config.webServer.requestFiltering;
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);

    if (Buffer.byteLength(rawPath) > filtering.requestLimits.maxUrl) return 'LISTENER_URL_TOO_LONG';
    if (Buffer.byteLength(url.query) > filtering.requestLimits.maxQueryString)
      return 'LISTENER_QUERY_TOO_LONG';
    if (!filtering.allowDoubleEscaping && isDoubleEscaped(url.path)) return 'LISTENER_DOUBLE_ESCAPED';
    if (!filtering.allowHighBitCharacters && hasHighBit(rawPath)) return 'LISTENER_HIGH_BIT';

    if (this.sequences.length > 0) {
      const lowerRaw = rawUrl.toLowerCase();
      if (this.sequences.some((s) => lowerRaw.includes(s))) return 'LISTENER_URL_SEQUENCE_DENIED';
    }

    // One pass over the segments of the lower-cased path: their count, hidden ones, and the last one.
    const lower = url.path.toLowerCase();
    let segments = 0;
    let hidden = false;
    let last = '';
    for (let start = 1; start <= lower.length;) {
      let end = lower.indexOf('/', start);
      if (end === -1) end = lower.length;
      if (end > start) {
        segments += 1;
        last = lower.slice(start, end);
        hidden ||= this.hidden.has(last);
      }
      start = end + 1;
    }
    if (segments > site.limits.maxUrlSegments) return 'LISTENER_TOO_MANY_SEGMENTS';
    if (hidden) return 'LISTENER_HIDDEN_SEGMENT';

    const verb = this.verbs.get(method.toUpperCase());
    if (verb === false || (verb === undefined && !filtering.verbs.allowUnlisted))
      return 'LISTENER_VERB_DENIED';

    const dot = last.lastIndexOf('.');
    const extension = dot === -1 ? '' : last.slice(dot);
    const rule = extension === '' ? undefined : this.extensions.get(extension);
    if (rule === false) return 'LISTENER_EXTENSION_DENIED';
    if (rule === undefined && !filtering.fileExtensions.allowUnlisted) return 'LISTENER_EXTENSION_DENIED';
    return undefined;
  }
}

/**
 * A path that still decodes to something else after its one decoding (`%25` → `%`, then `%2e` → `.`)
 * hides what it names from every check made on the first decoding. IIS also counts `+` here, since a second
 * decoder may read it as a space; that is why IIS answers 404.11 for a `+` in a path.
 */
function isDoubleEscaped(decodedPath: string): boolean {
  return /%[0-9a-fA-F]{2}/.test(decodedPath) || decodedPath.includes('+');
}

function hasHighBit(rawPath: string): boolean {
  // Non-ASCII sent raw, or percent-encoded bytes 0x80–0xFF.
  return /[^\x00-\x7f]/.test(rawPath) || /%[89a-fA-F][0-9a-fA-F]/.test(rawPath);
}
