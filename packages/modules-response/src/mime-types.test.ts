import { describe, expect, it } from 'vitest';
import { compileMimeRules, isCompressible } from './mime-types.js';

const iisDynamic = compileMimeRules([
  { mimeType: 'text/*', enabled: true },
  { mimeType: 'application/json', enabled: true },
  { mimeType: 'text/csv', enabled: false },
  { mimeType: 'application/xml; charset=utf-8', enabled: true },
  { mimeType: '*/*', enabled: false },
]);

describe('staticTypes / dynamicTypes', () => {
  it('matches type and subtype wildcards, ignoring the Content-Type parameters', () => {
    expect(isCompressible('text/html; charset=utf-8', iisDynamic)).toBe(true);
    expect(isCompressible('Application/JSON', iisDynamic)).toBe(true);
    expect(isCompressible('image/png', iisDynamic)).toBe(false);
  });

  it('lets the first matching entry decide, so a later, narrower entry cannot override', () => {
    // text/* comes first: text/csv stays compressible, as in IIS.
    expect(isCompressible('text/csv', iisDynamic)).toBe(true);
  });

  it('matches an entry with parameters only with those parameters', () => {
    expect(isCompressible('application/xml; charset=utf-8', iisDynamic)).toBe(true);
    expect(isCompressible('application/xml', iisDynamic)).toBe(false);
  });

  it('never compresses a response without a Content-Type', () => {
    expect(isCompressible(undefined, iisDynamic)).toBe(false);
    expect(isCompressible('', iisDynamic)).toBe(false);
  });
});
