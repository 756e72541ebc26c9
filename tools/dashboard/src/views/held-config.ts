import { api } from '../api/client.js';

/** The running configuration as written, with the ETag and version it was read at. */
export interface HeldConfig {
  raw: { applicationPools?: { name: string }[] } & Record<string, unknown>;
  etag: string;
  version: number;
}

/** `"1795279285228-14"` → 14. */
export const versionOf = (etag: string) => Number(/-(\d+)"?$/.exec(etag)?.[1] ?? NaN);

export async function readConfig(): Promise<HeldConfig> {
  const { body, etag } = await api<HeldConfig['raw']>('/api/config');
  return { raw: body, etag: etag ?? '', version: versionOf(etag ?? '') };
}
