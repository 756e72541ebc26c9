import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, W3poolError, type ErrorCode } from './error-catalogue.js';
import { renderErrorPage } from './error-page.js';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('the error catalogue', () => {
  it('is documented code by code in docs/errors.md, with the same status and reason', () => {
    // Rows as Prettier aligns them: | `CODE` | 404.3 | reason | meaning |
    const rows = new Map(
      [...docs.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d+\.\d+)\s*\|([^|]*)\|/gm)].map((m) => [
        m[1]!,
        { status: m[2]!, reason: m[3]!.trim() },
      ]),
    );
    for (const [code, def] of Object.entries(errorCatalogue)) {
      expect(rows.get(code), `${code} missing from docs/errors.md`).toEqual({
        status: `${def.status}.${def.substatus}`,
        reason: 'reason' in def ? def.reason : '',
      });
    }
    for (const code of rows.keys())
      expect(Object.keys(errorCatalogue), `${code} documented but not in the catalogue`).toContain(code);
  });

  it('uses area prefixes', () => {
    for (const code of Object.keys(errorCatalogue))
      expect(code).toMatch(/^(CONFIG|LISTENER|WAS|WORKER|EXT)_[A-Z0-9_]+$/);
  });

  it('renders an error page with status, substatus and code, escaping detail', () => {
    const page = renderErrorPage('EXT_STATIC_MIME_MAP_MISSING', '<script>x</script>');
    expect(page).toContain('HTTP Error 404.3 - Not Found');
    expect(page).toContain('EXT_STATIC_MIME_MAP_MISSING');
    expect(page).not.toContain('<script>');
    const error = new W3poolError('LISTENER_NO_SITE' satisfies ErrorCode, 'host x');
    expect([error.status, error.substatus, error.code]).toEqual([400, 0, 'LISTENER_NO_SITE']);
  });
});
