import type { WebServer } from '@w3pool/config';

export type HttpErrorsSettings = WebServer['httpErrors'];
export type ResponseMode = HttpErrorsSettings['defaultResponseMode'];

/** The page httpErrors configures for an error: how it is answered and from where. */
export interface ErrorPage {
  readonly responseMode: ResponseMode;
  readonly path: string;
  /** File mode: a folder of language folders that holds `path` ('' for none). */
  readonly prefixLanguageFilePath: string;
}

/**
 * The page for a status and substatus: the entry for exactly that substatus, else the entry for any
 * substatus (-1) of the status, else defaultPath. Undefined when none is configured: the built-in page.
 */
export function selectErrorPage(
  settings: HttpErrorsSettings,
  status: number,
  substatus: number,
): ErrorPage | undefined {
  let any: ErrorPage | undefined;
  for (const entry of settings.errors) {
    if (entry.statusCode !== status) continue;
    if (entry.subStatusCode === substatus) return entry;
    if (entry.subStatusCode === -1) any ??= entry;
  }
  if (any) return any;
  if (settings.defaultPath === '') return undefined;
  return {
    responseMode: settings.defaultResponseMode,
    path: settings.defaultPath,
    prefixLanguageFilePath: '',
  };
}
