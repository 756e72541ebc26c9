import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { W3poolError } from '@w3pool/protocol';
import type { SecuritySettings } from './security-settings.js';

export const TOKEN_HASH_FILE = 'admin-token.hash';
// 32 random bytes: 256 bits, far beyond guessing, so one SHA-256 is enough to store it (see digest below).
const GENERATED_TOKEN_BYTES = 32;
const HASH_PREFIX = 'sha256:';

export type TokenSource = 'W3POOL_ADMIN_TOKEN' | 'W3POOL_ADMIN_TOKEN_FILE' | 'generated' | 'stored hash';

/**
 * SHA-256, not scrypt: a slow hash protects passwords people choose, whose few bits a stolen hash lets
 * an attacker try offline. A generated token has 256 random bits, which no number of offline guesses
 * reaches, so a fast hash loses nothing; and every request is checked by hashing, so a slow one would
 * cost every call. Digests also have one length, which timingSafeEqual needs.
 */
const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Checks a presented token against the admin token, holding only its digest. */
export class TokenVerifier {
  private constructor(
    private readonly expected: Buffer,
    readonly source: TokenSource,
    readonly hashFile: string | undefined,
  ) {}

  static ofToken(token: string, source: TokenSource, hashFile?: string): TokenVerifier {
    return new TokenVerifier(digest(token), source, hashFile);
  }

  static ofDigest(expected: Buffer, hashFile: string): TokenVerifier {
    return new TokenVerifier(expected, 'stored hash', hashFile);
  }

  /** Constant time in the token's content: both sides are 32-byte digests. */
  verify(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.expected);
  }
}

export interface TokenResolution {
  verifier: TokenVerifier;
  /** Set only on the start that generated the token: the one time it exists outside the caller's hands. */
  generated?: string;
}

/**
 * The admin token, from the first source that has one: W3POOL_ADMIN_TOKEN, W3POOL_ADMIN_TOKEN_FILE, the
 * hash a previous start stored, or a new token whose hash is stored now (0600, in a 0700 directory).
 */
export async function resolveAdminToken(settings: SecuritySettings): Promise<TokenResolution> {
  if (settings.token) return { verifier: TokenVerifier.ofToken(settings.token, 'W3POOL_ADMIN_TOKEN') };
  if (settings.tokenFile) return { verifier: await fromTokenFile(settings.tokenFile) };
  const hashFile = join(settings.stateDir, TOKEN_HASH_FILE);
  const stored = await readStoredDigest(hashFile);
  if (stored) return { verifier: TokenVerifier.ofDigest(stored, hashFile) };
  const token = randomBytes(GENERATED_TOKEN_BYTES).toString('base64url');
  await storeDigest(hashFile, digest(token));
  return { verifier: TokenVerifier.ofToken(token, 'generated', hashFile), generated: token };
}

async function fromTokenFile(file: string): Promise<TokenVerifier> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new W3poolError('WAS_ADMIN_TOKEN_UNAVAILABLE', `W3POOL_ADMIN_TOKEN_FILE ${file}`, { cause: error });
  });
  // A file written by `echo` ends in a newline that is not part of the token.
  const token = text.trim();
  if (!token)
    throw new W3poolError('WAS_ADMIN_TOKEN_UNAVAILABLE', `W3POOL_ADMIN_TOKEN_FILE ${file} is empty`);
  return TokenVerifier.ofToken(token, 'W3POOL_ADMIN_TOKEN_FILE');
}

/** The stored digest, or undefined when there is no file yet; a damaged file stops WAS rather than letting it guess. */
export async function readStoredDigest(hashFile: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(hashFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new W3poolError('WAS_ADMIN_TOKEN_UNAVAILABLE', hashFile, { cause: error });
  }
  const line = text.trim();
  const bytes = line.startsWith(HASH_PREFIX) ? Buffer.from(line.slice(HASH_PREFIX.length), 'hex') : undefined;
  if (bytes?.length !== 32)
    throw new W3poolError(
      'WAS_ADMIN_TOKEN_UNAVAILABLE',
      `${hashFile} is not a sha256 token hash; delete it to generate a new token`,
    );
  return bytes;
}

async function storeDigest(hashFile: string, bytes: Buffer): Promise<void> {
  const dir = join(hashFile, '..');
  const temporary = `${hashFile}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Written whole, then renamed: a crash never leaves half a hash that would lock the admin out.
    await writeFile(temporary, `${HASH_PREFIX}${bytes.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, hashFile);
  } catch (error) {
    throw new W3poolError('WAS_ADMIN_TOKEN_UNAVAILABLE', `cannot write ${hashFile}`, { cause: error });
  }
}
