import type { AuthorizationEntry, AuthorizationRule } from '@w3pool/config';
import type { RequestUser } from '@w3pool/extension-sdk';
import { resolveCollection } from './collection.js';

/** One rule, its lists split and case-folded once. */
interface CompiledRule {
  readonly everyone: boolean;
  readonly anonymous: boolean;
  readonly users: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  /** Upper-case verbs; undefined: every verb. */
  readonly verbs: ReadonlySet<string> | undefined;
}

/**
 * IIS's URL authorization over the rules in force for an application (the server's, then its site's, then
 * its own, with clear and remove applied). Every Deny rule is evaluated before any Allow rule, so a user a
 * Deny rule matches cannot be let in by an Allow rule at any level; a request no rule allows is refused.
 */
export class AuthorizationPolicy {
  private readonly deny: CompiledRule[];
  private readonly allow: CompiledRule[];

  constructor(entries: readonly AuthorizationEntry[]) {
    const rules = resolveCollection<AuthorizationRule, RuleKey>(entries, sameRule);
    this.deny = rules.filter((r) => r.accessType === 'Deny').map(compile);
    this.allow = rules.filter((r) => r.accessType === 'Allow').map(compile);
  }

  /** True when every request is allowed whatever its user and verb (IIS's default Allow `*`): nothing to check. */
  get allowsEveryone(): boolean {
    return this.deny.length === 0 && this.allow.some((r) => r.everyone && r.verbs === undefined);
  }

  allows(user: RequestUser, verb: string): boolean {
    if (this.deny.some((rule) => matches(rule, user, verb))) return false;
    return this.allow.some((rule) => matches(rule, user, verb));
  }
}

type RuleKey = { users: string; roles: string; verbs: string };

/** IIS's <remove users roles verbs/> names a rule by those three values. */
function sameRule(rule: AuthorizationRule, key: RuleKey): boolean {
  return (
    normalize(rule.users) === normalize(key.users) &&
    normalize(rule.roles) === normalize(key.roles) &&
    normalize(rule.verbs).toUpperCase() === normalize(key.verbs).toUpperCase()
  );
}

function compile(rule: AuthorizationRule): CompiledRule {
  const users = split(rule.users);
  const verbs = split(rule.verbs).map((v) => v.toUpperCase());
  return {
    everyone: users.includes('*'),
    anonymous: users.includes('?'),
    users: new Set(users.filter((u) => u !== '*' && u !== '?').map((u) => u.toLowerCase())),
    roles: new Set(split(rule.roles).map((r) => r.toLowerCase())),
    verbs: verbs.length === 0 ? undefined : new Set(verbs),
  };
}

function matches(rule: CompiledRule, user: RequestUser, verb: string): boolean {
  if (rule.verbs && !rule.verbs.has(verb.toUpperCase())) return false;
  if (rule.everyone) return true;
  if (user.name === '') return rule.anonymous;
  if (rule.users.has(user.name.toLowerCase())) return true;
  return rule.roles.size > 0 && user.roles.some((role) => rule.roles.has(role.toLowerCase()));
}

function split(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function normalize(list: string): string {
  return split(list).join(',').toLowerCase();
}
