import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Binding } from '../schema/site.js';
import type { W3poolConfig } from '../schema/w3pool-config.js';
import { hasSslFlag } from './ssl-flags.js';

/** Where one certificate is read from: what readCertificate() takes. */
export interface CertificateFiles {
  /** PEM (certificate, chain, maybe the key) or PKCS#12 (.pfx/.p12). */
  certFile: string;
  keyFile?: string;
  passphrase?: string;
  /** When the binding named it by IIS's thumbprint: the certificate read must have it. */
  thumbprint?: string;
}

/** A binding's certificate: one set of files, or "look the host name up in the central store". */
export type CertificateSource = { kind: 'files'; files: CertificateFiles } | { kind: 'central' };

/**
 * Where an https binding's certificate comes from, by IIS's rules: the central certificate store when
 * sslFlags has 2, else the files the binding names, else IIS's certificateHash mapped to a file (there is
 * no Windows certificate store here: `<certificateStoreDirectory>/<store>/<HASH>.pfx` or `.pem`). Returns a
 * reason instead when the binding names none of them. Paths are as resolved by validateConfig.
 */
export function certificateSource(binding: Binding, config: W3poolConfig): CertificateSource | string {
  if (hasSslFlag(binding, 'CentralCertStore')) return { kind: 'central' };
  if (binding.certificateFile) {
    return {
      kind: 'files',
      files: {
        certFile: binding.certificateFile,
        ...(binding.certificateKeyFile ? { keyFile: binding.certificateKeyFile } : {}),
        ...(binding.certificatePassword === undefined ? {} : { passphrase: binding.certificatePassword }),
      },
    };
  }
  if (binding.certificateHash) {
    const hash = binding.certificateHash.toUpperCase();
    const folder = join(config.httpSys.certificateStoreDirectory, binding.certificateStoreName ?? 'My');
    const files = storeFiles(folder, hash) ?? storeFiles(folder, hash.toLowerCase());
    if (!files) {
      return `no certificate file for certificateHash ${hash}: expected ${join(folder, `${hash}.pfx`)} or ${join(folder, `${hash}.pem`)}`;
    }
    return {
      kind: 'files',
      files: {
        ...files,
        thumbprint: hash,
        ...(binding.certificatePassword === undefined ? {} : { passphrase: binding.certificatePassword }),
      },
    };
  }
  return 'an https binding needs certificateFile, certificateHash, or sslFlags 2 (central certificate store)';
}

/**
 * The central certificate store's files for a host name, as IIS's CCS names them: `<host>.pfx`, else
 * `<host>.pem` (with `<host>.key` when the PEM holds no key), else the wildcard `_.<parent>` file.
 */
export function centralCertificateFiles(
  config: W3poolConfig,
  hostName: string,
): CertificateFiles | undefined {
  const store = config.centralCertProvider;
  const host = hostName.toLowerCase();
  // A wildcard binding (*.example.com) has only the wildcard file; the client's names have theirs first.
  if (host.startsWith('*.')) return centralCertificateFiles(config, `_${host.slice(1)}`);
  if (!store.enabled || !/^[a-z0-9_.-]+$/.test(host) || host.includes('..')) return undefined;
  const dot = host.indexOf('.');
  const names = dot > 0 && !host.startsWith('_.') ? [host, `_${host.slice(dot)}`] : [host];
  for (const name of names) {
    const files = storeFiles(store.certStoreLocation, name);
    if (files) {
      return store.privateKeyPassword === undefined
        ? files
        : { ...files, passphrase: store.privateKeyPassword };
    }
  }
  return undefined;
}

function storeFiles(folder: string, name: string): CertificateFiles | undefined {
  const pfx = join(folder, `${name}.pfx`);
  if (existsSync(pfx)) return { certFile: pfx };
  const pem = join(folder, `${name}.pem`);
  if (!existsSync(pem)) return undefined;
  const key = join(folder, `${name}.key`);
  return existsSync(key) ? { certFile: pem, keyFile: key } : { certFile: pem };
}
