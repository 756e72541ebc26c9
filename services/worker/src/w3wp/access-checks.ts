import type { AccessSslFlags, ApplicationPool, HandlerMapping, IsapiCgiRestriction } from '@w3pool/config';
import { W3poolError, type RequestTls } from '@w3pool/protocol';
import { VALIDITY_ERRORS } from './tls-variables.js';

// The checks IIS makes between choosing a handler mapping and running it: the mapping's preCondition
// (does it apply to this pool at all), requireAccess against handlers@accessPolicy (403.1/403.2/403.3),
// and the ISAPI and CGI Restriction list (404.2); and before any of them, security/access@sslFlags
// (403.4, 403.5, 403.7, 403.16, 403.17).

/**
 * Whether a mapping's preCondition holds in this pool. A mapping whose preCondition fails is left out of
 * the list, as IIS does: the next mapping gets the request. w3pool's pipeline is always integrated and
 * 64-bit; runtimeVersion conditions compare with the pool's managedRuntimeVersion.
 */
export function preConditionMet(
  preCondition: string,
  pool: Pick<ApplicationPool, 'managedPipelineMode' | 'managedRuntimeVersion' | 'enable32BitAppOnWin64'>,
): boolean {
  for (const raw of preCondition.split(',')) {
    const condition = raw.trim().toLowerCase();
    if (!condition) continue;
    if (condition === 'integratedmode' && pool.managedPipelineMode !== 'Integrated') return false;
    if (condition === 'isapimode' && pool.managedPipelineMode !== 'Classic') return false;
    if (condition === 'bitness32' && !pool.enable32BitAppOnWin64) return false;
    if (condition === 'bitness64' && pool.enable32BitAppOnWin64) return false;
    const version = /^runtimeversion(v[\d.]+)$/.exec(condition)?.[1];
    if (version && !pool.managedRuntimeVersion.toLowerCase().startsWith(version)) return false;
  }
  return true;
}

/** handlers@accessPolicy, parsed once per configuration. */
export interface AccessPolicy {
  granted: ReadonlySet<string>;
  /** NoRemoteRead, NoRemoteScript, ...: granted to local clients only. */
  localOnly: ReadonlySet<string>;
}

export function parseAccessPolicy(policy: string): AccessPolicy {
  const granted = new Set<string>();
  const localOnly = new Set<string>();
  for (const raw of policy.split(',')) {
    const flag = raw.trim().toLowerCase();
    if (flag.startsWith('noremote')) localOnly.add(flag.slice('noremote'.length));
    else if (flag && flag !== 'none') granted.add(flag);
  }
  return { granted, localOnly };
}

/** requireAccess against accessPolicy: Read needs read, Script needs script or execute, Execute needs execute. */
export function checkAccess(mapping: HandlerMapping, policy: AccessPolicy, remote: boolean): void {
  const needed = mapping.requireAccess.toLowerCase();
  if (needed === 'none') return;
  const has = (flag: string) => policy.granted.has(flag) && !(remote && policy.localOnly.has(flag));
  const ok = needed === 'script' ? has('script') || has('execute') : has(needed);
  if (ok) return;
  const code =
    needed === 'read'
      ? 'WORKER_READ_ACCESS_FORBIDDEN'
      : needed === 'write'
        ? 'WORKER_WRITE_ACCESS_FORBIDDEN'
        : 'WORKER_EXECUTE_ACCESS_FORBIDDEN';
  throw new W3poolError(code, `mapping "${mapping.name}" requires ${mapping.requireAccess}`);
}

/**
 * The ISAPI and CGI Restriction list: a CgiModule mapping runs its scriptProcessor (or, without one, the
 * mapped file itself), an IsapiModule mapping loads its scriptProcessor; either must be listed as
 * allowed, or the notListed flag must allow it. Handler modules given by `type` are IIS's managed handlers,
 * which the list does not govern; FastCGI programs are governed by webServer.fastCgi.applications.
 */
export function checkRestriction(
  mapping: HandlerMapping,
  restriction: IsapiCgiRestriction,
  scriptPath: string,
): void {
  const modules = (mapping.modules ?? '').split(',').map((m) => m.trim().toLowerCase());
  const cgi = modules.includes('cgimodule');
  const isapi = modules.includes('isapimodule');
  if (!cgi && !isapi) return;
  const program = cgi ? cgiProgram(mapping.scriptProcessor) || scriptPath : mapping.scriptProcessor;
  const entry = restriction.list.find((e) => samePath(e.path, program));
  const allowed = entry
    ? entry.allowed
    : cgi
      ? restriction.notListedCgisAllowed
      : restriction.notListedIsapisAllowed;
  if (!allowed) {
    throw new W3poolError(
      'WORKER_RESTRICTED',
      `${program} is ${entry ? 'listed as not allowed' : 'not listed'} in webServer.security.isapiCgiRestriction`,
    );
  }
}

/** The executable of a CGI scriptProcessor: IIS allows arguments after it (`php-cgi.exe %s`). */
function cgiProgram(scriptProcessor: string): string {
  const trimmed = scriptProcessor.trim();
  if (trimmed.startsWith('"')) return trimmed.slice(1, trimmed.indexOf('"', 1));
  const space = trimmed.indexOf(' ');
  return space < 0 ? trimmed : trimmed.slice(0, space);
}

function samePath(listed: string, program: string): boolean {
  return listed.trim().replace(/^"|"$/g, '') === program;
}

/** Ssl128: the cipher's key must have this many bits at least. */
const STRONG_KEY_BITS = 128;

/**
 * security/access@sslFlags against the request's TLS connection, as IIS checks it before authenticating:
 * Ssl (or Ssl128) refuses plain HTTP with 403.4, Ssl128 a weaker cipher with 403.5; SslRequireCert refuses
 * a request without a client certificate (403.7), with one its authorities do not trust (403.16) or one
 * outside its validity dates (403.17) — by OpenSSL's verdict at the handshake, or by `now` on a
 * connection that outlived the certificate. SslNegotiateCert alone asks for a certificate and takes any.
 */
export function checkSslAccess(flags: AccessSslFlags, tls: RequestTls | undefined, now = Date.now()): void {
  if (!tls) {
    if (flags.ssl || flags.ssl128) throw new W3poolError('WORKER_SSL_REQUIRED');
    if (flags.requireCert) throw new W3poolError('WORKER_CLIENT_CERTIFICATE_REQUIRED', 'over plain HTTP');
    return;
  }
  if (flags.ssl128 && tls.keySize < STRONG_KEY_BITS) {
    throw new W3poolError('WORKER_SSL_128_REQUIRED', `${tls.cipher}: ${tls.keySize}-bit key`);
  }
  if (!flags.requireCert) return;
  const client = tls.clientCertificate;
  if (!client) throw new W3poolError('WORKER_CLIENT_CERTIFICATE_REQUIRED');
  if (!client.authorized && !VALIDITY_ERRORS.has(client.authorizationError)) {
    throw new W3poolError('WORKER_CLIENT_CERTIFICATE_UNTRUSTED', client.authorizationError);
  }
  if (!client.authorized || now < client.validFrom || now > client.validTo) {
    const span = `valid ${new Date(client.validFrom).toISOString()} to ${new Date(client.validTo).toISOString()}`;
    throw new W3poolError('WORKER_CLIENT_CERTIFICATE_EXPIRED', span);
  }
}
