import { existsSync } from 'node:fs';
import type { ConfigIssue } from '../config-error.js';
import type { Binding } from '../schema/site.js';
import type { W3poolConfig } from '../schema/w3pool-config.js';
import { centralCertificateFiles, certificateSource, type CertificateFiles } from './certificate-source.js';
import { CertificateError, readCertificate } from './read-certificate.js';
import { hasSslFlag, SSL_FLAGS } from './ssl-flags.js';

export interface BindingCheckOptions {
  /**
   * Read every https binding's certificate and key (default true). The launcher turns it off to learn which
   * certificate files a configuration names before it makes the missing self-signed one; WAS never does.
   */
  readCertificates?: boolean;
}

/** The fields that only mean something on an https binding. */
const TLS_FIELDS = [
  'certificateFile',
  'certificateKeyFile',
  'certificatePassword',
  'certificateHash',
  'certificateStoreName',
  'clientCertificateAuthorities',
  'ocspResponseFile',
] as const;

/** The sslFlags bits that choose TLS versions: one TLS handshake serves them, so one socket agrees on them. */
const TLS_VERSION_FLAGS = SSL_FLAGS.DisableTLS13OverTcp | SSL_FLAGS.DisableLegacyTLS;

interface Place {
  binding: Binding;
  at: string;
  ip: string;
  port: string;
  host: string;
}

/**
 * The rules http.sys and IIS Manager enforce on bindings that the schema cannot express: what an https
 * binding needs (a certificate that loads, with its key; a host name for SNI and the central store), what
 * an http binding must not carry, and what bindings sharing one IP:port must agree on. Runs on a config
 * whose paths are resolved. An expired certificate is no issue: IIS serves it too.
 */
export function checkBindings(config: W3poolConfig, options: BindingCheckOptions = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const places: Place[] = [];
  config.sites.forEach((site, s) => {
    site.bindings.forEach((binding, b) => {
      const [ip = '', port = '', host = ''] = splitBindingInformation(binding.bindingInformation);
      const place = { binding, at: `/sites/${s}/bindings/${b}`, ip, port, host };
      places.push(place);
      if (binding.protocol === 'https') issues.push(...checkHttps(place, config, options));
      else issues.push(...checkHttp(place));
    });
  });
  issues.push(...checkSharedEndpoints(places));
  return issues;
}

/** `IP:port:host` → its three parts; the IP may be `[v6]`, so the port and host are the last two. */
function splitBindingInformation(info: string): string[] {
  const parts = info.split(':');
  return [parts.slice(0, -2).join(':'), parts.at(-2) ?? '', parts.at(-1) ?? ''];
}

function checkHttp({ binding, at }: Place): ConfigIssue[] {
  const issues: ConfigIssue[] = TLS_FIELDS.filter((field) => binding[field] !== undefined).map((field) => ({
    pointer: `${at}/${field}`,
    reason: `${field} is for https bindings: this one is http, which serves no TLS, so it would be ignored (protocol: https to use it)`,
  }));
  if (binding.sslFlags !== 0) {
    issues.push({
      pointer: `${at}/sslFlags`,
      reason: `sslFlags ${binding.sslFlags} is for https bindings: this one is http, which serves no TLS, so it would be ignored (IIS keeps 0 on http bindings)`,
    });
  }
  return issues;
}

function checkHttps(place: Place, config: W3poolConfig, options: BindingCheckOptions): ConfigIssue[] {
  const { binding, at, host } = place;
  const issues: ConfigIssue[] = [];
  const sni = hasSslFlag(binding, 'Sni');
  if (hasSslFlag(binding, 'CentralCertStore')) {
    if (!config.centralCertProvider.enabled) {
      issues.push({
        pointer: `${at}/sslFlags`,
        reason:
          'sslFlags 2 takes the certificate from the central certificate store, which is off: set centralCertProvider.enabled (and certStoreLocation), or name the certificate with certificateFile',
      });
    }
    if (!sni) {
      issues.push({
        pointer: `${at}/sslFlags`,
        reason: `the central certificate store finds a certificate by the host name the client asks for (SNI), so IIS requires sslFlags 1 with 2: use ${binding.sslFlags | SSL_FLAGS.Sni}`,
      });
    }
    if (!host) {
      issues.push({
        pointer: `${at}/bindingInformation`,
        reason:
          'a central certificate store binding (sslFlags 2) needs a host name (IP:port:host): the store holds one file per host',
      });
    }
    if (issues.length === 0 && options.readCertificates !== false)
      issues.push(...checkCentral(place, config));
  } else {
    if (sni && !host) {
      issues.push({
        pointer: `${at}/bindingInformation`,
        reason:
          'an SNI binding (sslFlags 1) is chosen by the host name the client sends in the TLS handshake, so it needs one: IP:port:host',
      });
    }
    // Without reading files, only whether a certificate is named at all (certificateSource looks for the
    // certificateHash file).
    const source =
      options.readCertificates === false && (binding.certificateFile || binding.certificateHash)
        ? undefined
        : certificateSource(binding, config);
    if (source === undefined) {
      // Not read: the launcher's first look, before it makes the missing self-signed certificate.
    } else if (typeof source === 'string') {
      issues.push({ pointer: binding.certificateHash ? `${at}/certificateHash` : at, reason: source });
    } else if (source.kind === 'files') {
      issues.push(...checkFiles(source.files, binding, at));
    }
  }
  for (const field of ['clientCertificateAuthorities', 'ocspResponseFile'] as const) {
    const file = binding[field];
    if (file && options.readCertificates !== false && !existsSync(file)) {
      issues.push({ pointer: `${at}/${field}`, reason: `the file does not exist: ${file}` });
    }
  }
  return issues;
}

/** Read the certificate as the listener will, and point at the field that names the culprit. */
function checkFiles(files: CertificateFiles, binding: Binding, at: string): ConfigIssue[] {
  try {
    readCertificate(files);
    return [];
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    return [{ pointer: `${at}/${culprit(error, binding)}`, reason: `${error.message}: ${error.file}` }];
  }
}

function culprit(error: CertificateError, binding: Binding): string {
  if (/password|passphrase|bad decrypt/i.test(error.message)) return 'certificatePassword';
  if (binding.certificateHash && !binding.certificateFile) return 'certificateHash';
  if (binding.certificateKeyFile && error.file === binding.certificateKeyFile) return 'certificateKeyFile';
  return 'certificateFile';
}

function checkCentral({ at, host }: Place, config: W3poolConfig): ConfigIssue[] {
  const store = config.centralCertProvider;
  const files = centralCertificateFiles(config, host);
  if (!files) {
    const name = host.startsWith('*.') ? `_${host.slice(1)}` : host.toLowerCase();
    return [
      {
        pointer: `${at}/bindingInformation`,
        reason: `the central certificate store has no certificate for ${host}: expected ${store.certStoreLocation}/${name}.pfx, or ${name}.pem (+ ${name}.key)`,
      },
    ];
  }
  try {
    readCertificate(files);
    return [];
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    const password = /password|passphrase|bad decrypt/i.test(error.message);
    return [
      {
        pointer: password ? '/centralCertProvider/privateKeyPassword' : `${at}/bindingInformation`,
        reason: `${error.message}: ${error.file}`,
      },
    ];
  }
}

/**
 * One listening socket per IP:port: it speaks TLS or it does not, so the bindings on one (with `*`
 * overlapping every address) are all http or all https. Bindings without SNI on one IP:port share one handshake, so
 * one set of TLS versions; SNI bindings choose theirs by host name.
 */
/** Two binding addresses share a socket when they are the same, or one is every address (`*` or empty). */
function overlaps(a: string, b: string): boolean {
  const wildcard = (ip: string) => ip === '' || ip === '*';
  return wildcard(a) || wildcard(b) || a === b;
}

function checkSharedEndpoints(places: Place[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen: Place[] = [];
  const firstNonSni = new Map<string, Place>();
  for (const place of places) {
    const first = seen.find((other) => other.port === place.port && overlaps(other.ip, place.ip));
    seen.push(place);
    if (first && first.binding.protocol !== place.binding.protocol) {
      issues.push({
        pointer: `${place.at}/protocol`,
        reason: `port ${place.port} is ${first.binding.protocol} for ${first.at} (${first.binding.bindingInformation}) on the same address: one socket speaks TLS or it does not, so its bindings are all http or all https`,
      });
      continue;
    }
    if (place.binding.protocol !== 'https' || hasSslFlag(place.binding, 'Sni')) continue;
    const endpoint = `${place.ip || '*'}:${place.port}`;
    const other = firstNonSni.get(endpoint);
    if (!other) firstNonSni.set(endpoint, place);
    else if ((other.binding.sslFlags & TLS_VERSION_FLAGS) !== (place.binding.sslFlags & TLS_VERSION_FLAGS)) {
      issues.push({
        pointer: `${place.at}/sslFlags`,
        reason: `${endpoint} is also bound without SNI by ${other.at} with sslFlags ${other.binding.sslFlags}: without SNI one handshake serves both before the host is known, so they must agree on 32 (TLS 1.3 off) and 64 (legacy TLS off); or make them SNI bindings (sslFlags 1, with a host name)`,
      });
    } else if (certificateOf(other.binding) !== certificateOf(place.binding)) {
      issues.push({
        pointer: place.binding.certificateHash
          ? `${place.at}/certificateHash`
          : `${place.at}/certificateFile`,
        reason: `${endpoint} is also bound without SNI by ${other.at} with another certificate: http.sys keeps one certificate per IP:port, chosen before the host is known, so bindings without SNI on it name the same one; or make them SNI bindings (sslFlags 1, with a host name)`,
      });
    }
  }
  return issues;
}

/** What a binding names as its certificate, to compare bindings that must share one. */
function certificateOf(binding: Binding): string {
  if (binding.certificateHash) return `hash:${binding.certificateHash.toUpperCase()}`;
  return `file:${binding.certificateFile ?? ''}:${binding.certificateKeyFile ?? ''}`;
}
