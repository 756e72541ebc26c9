import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** IIS's fallback language folder when none the client accepts has the page. */
const FALLBACK_LANGUAGE = 'en-US';
/** A language tag (RFC 5646 shape): letters, digits and hyphens only, so it can never climb out of the folder. */
const TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/** The client's languages from Accept-Language, most wanted first (`*` and malformed tags left out). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  const weighted: { tag: string; q: number; order: number }[] = [];
  header.split(',').forEach((part, order) => {
    const [tag = '', ...params] = part.split(';').map((p) => p.trim());
    if (!TAG.test(tag)) return;
    const qParam = params.find((p) => p.toLowerCase().startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isNaN(q) || q <= 0) return;
    weighted.push({ tag, q, order });
  });
  return weighted.sort((a, b) => b.q - a.q || a.order - b.order).map((w) => w.tag);
}

/**
 * prefixLanguageFilePath: the page in the folder of the first language the client accepts that has it
 * (`<prefix>/de-DE/404.htm`), else in en-US's.
 */
export async function languageFile(
  prefix: string,
  path: string,
  acceptLanguage: string | undefined,
): Promise<string> {
  for (const language of acceptedLanguages(acceptLanguage)) {
    const candidate = join(prefix, language, path);
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return join(prefix, FALLBACK_LANGUAGE, path);
}
