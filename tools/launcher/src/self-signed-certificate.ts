import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hasSslFlag, type W3poolConfig } from '@w3pool/config';
import { generate } from 'selfsigned';

/** The names the sample's certificate is good for: what `curl -k https://localhost:8443/` connects to. */
export const SELF_SIGNED_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] } as const;

/** One certificate to make: the PEM file, and the key's own file when the binding names one. */
interface Wanted {
  certFile: string;
  keyFile?: string;
}

/**
 * The certificate files the https bindings name that are all missing: what a first `npm start` makes.
 * A binding whose certificate or key exists is left alone, whatever is wrong with it (validation says
 * what); so are bindings that take their certificate from certificateHash or the central store.
 */
export function missingCertificates(config: W3poolConfig): Wanted[] {
  const wanted = new Map<string, Wanted>();
  for (const site of config.sites) {
    for (const binding of site.bindings) {
      if (binding.protocol !== 'https' || hasSslFlag(binding, 'CentralCertStore')) continue;
      const certFile = binding.certificateFile;
      if (!certFile || existsSync(certFile)) continue;
      const keyFile = binding.certificateKeyFile;
      if (keyFile && existsSync(keyFile)) continue;
      // A password means a certificate of the admin's own (a .pfx, an encrypted key): not ours to make.
      if (binding.certificatePassword !== undefined || /\.(pfx|p12)$/i.test(certFile)) continue;
      wanted.set(certFile, keyFile ? { certFile, keyFile } : { certFile });
    }
  }
  return [...wanted.values()];
}

/**
 * Make a self-signed certificate for localhost in each missing file: RSA 2048, signed with SHA-256, with
 * the names in subjectAltName (what clients check; CN alone is ignored), valid for a year. Files are
 * created exclusively (`wx`): an existing one is never overwritten, even if it appeared meanwhile. The key
 * is readable by its owner only.
 */
export async function makeSelfSignedCertificates(
  config: W3poolConfig,
  say: (line: string) => void,
): Promise<string[]> {
  const made: string[] = [];
  for (const { certFile, keyFile } of missingCertificates(config)) {
    const notBeforeDate = new Date();
    const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000);
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...SELF_SIGNED_NAMES.dns.map((value) => ({ type: 2 as const, value })),
            ...SELF_SIGNED_NAMES.ip.map((ip) => ({ type: 7 as const, ip })),
          ],
        },
      ],
    });
    await mkdir(dirname(certFile), { recursive: true, mode: 0o700 });
    if (keyFile) {
      await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
      await writeFile(keyFile, `${pems.private.trimEnd()}\n`, { flag: 'wx', mode: 0o600 });
      await writeFile(certFile, `${pems.cert.trimEnd()}\n`, { flag: 'wx', mode: 0o644 });
    } else {
      // One PEM file holding the certificate and its key, as certificateFile alone allows.
      await writeFile(certFile, `${pems.cert.trimEnd()}\n${pems.private.trimEnd()}\n`, {
        flag: 'wx',
        mode: 0o600,
      });
    }
    const names = [
      ...SELF_SIGNED_NAMES.dns.map((n) => `DNS:${n}`),
      ...SELF_SIGNED_NAMES.ip.map((n) => `IP:${n}`),
    ];
    say(
      `wrote a self-signed certificate for ${names.join(', ')} to ${certFile}${keyFile ? ` (key ${keyFile})` : ''}: ` +
        `clients do not trust it (curl -k); name your own with certificateFile and certificateKeyFile`,
    );
    made.push(certFile);
  }
  return made;
}
