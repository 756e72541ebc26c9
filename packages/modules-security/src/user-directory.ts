import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { BCRYPT_HASH_PATTERN, type BasicUser, type WebServer } from '@w3pool/config';
import type { RequestUser } from '@w3pool/extension-sdk';

type BasicSettings = WebServer['security']['authentication']['basicAuthentication'];

const BCRYPT_HASH = new RegExp(BCRYPT_HASH_PATTERN);
/** How often a request may look at usersFile for a change. */
const FILE_CHECK_MS = 1000;

/**
 * The users Basic authentication knows: the configuration's list and the users file, by name
 * (case-insensitive, as Windows account names are). The file is looked at again at most once a second,
 * when a request needs a user, and re-read when it changed.
 */
export class UserDirectory {
  private users = new Map<string, BasicUser>();
  private fileStamp = '';
  private lastCheck = 0;
  private dummyHash: Promise<string> | undefined;

  private constructor(
    private readonly settings: BasicSettings,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
    private readonly now: () => number,
  ) {}

  /** Load the users; throws (the module fails to load: 500.21) when the list or the file is invalid. */
  static async open(
    settings: BasicSettings,
    warn: (message: string, fields: Record<string, unknown>) => void,
    now: () => number = Date.now,
  ): Promise<UserDirectory> {
    const directory = new UserDirectory(settings, warn, now);
    const file = settings.usersFile ? await directory.readFile() : { users: [], stamp: '' };
    directory.users = indexUsers([...settings.users, ...file.users]);
    directory.fileStamp = file.stamp;
    directory.lastCheck = now();
    return directory;
  }

  /**
   * Re-read usersFile if it changed since it was read; true when the users changed (cached logons must go).
   * A file that became invalid is reported and the users read before are kept.
   */
  async refresh(): Promise<boolean> {
    if (!this.settings.usersFile || this.now() - this.lastCheck < FILE_CHECK_MS) return false;
    this.lastCheck = this.now();
    const stamp = await fileStamp(this.settings.usersFile);
    if (stamp === this.fileStamp) return false;
    try {
      const file = await this.readFile();
      this.users = indexUsers([...this.settings.users, ...file.users]);
      this.fileStamp = file.stamp;
      return true;
    } catch (error) {
      this.fileStamp = stamp;
      this.warn('basicAuthentication usersFile is invalid; the users read before stay in force', {
        file: this.settings.usersFile,
        error: (error as Error).message,
      });
      return false;
    }
  }

  /**
   * The user these credentials log on, or undefined. An unknown name is compared against a dummy hash, so
   * that the answer takes as long as for a known one and does not tell which names exist.
   */
  async verify(name: string, password: string): Promise<RequestUser | undefined> {
    const domain = this.settings.defaultLogonDomain;
    const qualified = domain && !name.includes('\\') ? `${domain}\\${name}` : name;
    const user = this.users.get(qualified.toLowerCase());
    const hash = user?.passwordHash ?? (await this.dummy());
    const matches = await bcrypt.compare(password, hash);
    if (!user || !matches) return undefined;
    return Object.freeze({ name: user.name, authType: 'Basic', roles: Object.freeze([...user.roles]) });
  }

  get size(): number {
    return this.users.size;
  }

  private dummy(): Promise<string> {
    const cost = Number([...this.users.values()][0]?.passwordHash.slice(4, 6) ?? 10);
    return (this.dummyHash ??= bcrypt.hash(randomBytes(16).toString('hex'), cost));
  }

  private async readFile(): Promise<{ users: BasicUser[]; stamp: string }> {
    const file = this.settings.usersFile;
    const stamp = await fileStamp(file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`basicAuthentication usersFile ${file}: ${(error as Error).message}`);
    }
    return { users: parseUsers(parsed, file), stamp };
  }
}

/** A file's identity and version: a replaced or rewritten file changes it. */
async function fileStamp(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
}

/** The users of a users file, checked as the schema checks the configuration's list. */
export function parseUsers(value: unknown, file: string): BasicUser[] {
  if (!Array.isArray(value))
    throw new Error(`basicAuthentication usersFile ${file}: expected a JSON array of users`);
  return value.map((entry: unknown, i): BasicUser => {
    const at = `basicAuthentication usersFile ${file} [${i}]`;
    const user = entry as Partial<Record<keyof BasicUser, unknown>> | null;
    if (typeof user !== 'object' || user === null)
      throw new Error(`${at}: expected { name, passwordHash, roles }`);
    const { name, passwordHash, roles = [] } = user;
    if (typeof name !== 'string' || name === '' || name.includes(':'))
      throw new Error(`${at}: name must be a non-empty string without a colon`);
    if (typeof passwordHash !== 'string' || !BCRYPT_HASH.test(passwordHash))
      throw new Error(`${at}: passwordHash must be a bcrypt hash ($2a$, $2b$ or $2y$)`);
    if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string' && r !== ''))
      throw new Error(`${at}: roles must be a list of non-empty strings`);
    return { name, passwordHash, roles };
  });
}

function indexUsers(users: readonly BasicUser[]): Map<string, BasicUser> {
  const byName = new Map<string, BasicUser>();
  for (const user of users) {
    const key = user.name.toLowerCase();
    if (byName.has(key)) throw new Error(`basicAuthentication: user "${user.name}" is defined twice`);
    byName.set(key, user);
  }
  return byName;
}
