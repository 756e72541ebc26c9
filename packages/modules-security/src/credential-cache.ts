import { createHash } from 'node:crypto';
import type { RequestUser } from '@w3pool/extension-sdk';

/**
 * Recently verified Basic credentials, so that a logged-on client does not pay a bcrypt comparison (tens
 * of milliseconds by design) on every request: the role of IIS's logon token cache. Keyed by a SHA-256 of
 * the whole Authorization header, so the passwords themselves are never kept; bounded in size and age.
 * Only successes are kept: a wrong password is checked with bcrypt every time.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { user: RequestUser; expiresAt: number }>();

  constructor(
    private readonly maxEntries = 1000,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  static keyOf(authorization: string): string {
    return createHash('sha256').update(authorization).digest('base64');
  }

  get(key: string): RequestUser | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.user;
  }

  set(key: string, user: RequestUser): void {
    this.entries.delete(key);
    this.entries.set(key, { user, expiresAt: this.now() + this.ttlMs });
    // Oldest first in a Map: evict from the front.
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
