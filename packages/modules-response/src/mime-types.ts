// httpCompression staticTypes / dynamicTypes: which media types are compressed. The first entry that
// matches decides, so IIS's closing `*/*` enabled=false turns everything else off.

export interface MimeTypeRule {
  readonly mimeType: string;
  readonly enabled: boolean;
}

/** A compiled list: each rule's type and subtype, `*` for any. */
export type CompiledMimeRules = readonly {
  type: string;
  subtype: string;
  params: string;
  enabled: boolean;
}[];

export function compileMimeRules(rules: readonly MimeTypeRule[]): CompiledMimeRules {
  return rules.map((rule) => {
    const [media = '', ...params] = rule.mimeType.toLowerCase().split(';');
    const [type = '', subtype = ''] = media.trim().split('/');
    return { type, subtype, params: params.map((p) => p.trim()).join(';'), enabled: rule.enabled };
  });
}

/** Whether a response of this Content-Type is compressed. No Content-Type: never. */
export function isCompressible(contentType: string | undefined, rules: CompiledMimeRules): boolean {
  if (!contentType) return false;
  const [media = '', ...params] = contentType.toLowerCase().split(';');
  const [type = '', subtype = ''] = media.trim().split('/');
  const given = params.map((p) => p.trim()).join(';');
  for (const rule of rules) {
    if (rule.type !== '*' && rule.type !== type) continue;
    if (rule.subtype !== '*' && rule.subtype !== subtype) continue;
    // An entry with parameters (`text/html; charset=utf-8`) matches only those parameters.
    if (rule.params !== '' && rule.params !== given) continue;
    return rule.enabled;
  }
  return false;
}
