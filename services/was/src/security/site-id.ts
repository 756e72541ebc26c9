import { W3poolError } from '@w3pool/protocol';

// IIS's site id is a uint32 from 1; the schema in packages/config says the same.
const MAX_SITE_ID = 4_294_967_295;

/**
 * A site id from a URL, digits only: Number() would read `1e0`, `+1`, ` 1`, `0x1` and `1.0` as site 1,
 * and a stop meant for no site would stop that one.
 */
export function parseSiteId(text: string): number {
  const id = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
  if (!(id <= MAX_SITE_ID)) throw new W3poolError('WAS_SITE_ID_INVALID', JSON.stringify(text.slice(0, 40)));
  return id;
}
