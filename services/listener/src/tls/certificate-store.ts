import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  centralCertificateFiles,
  readCertificate,
  type CertificateFiles,
  type CertificateMaterial,
  type W3poolConfig,
} from '@w3pool/config';
import { FileWatch } from './file-watch.js';

/** How long a central-store lookup (which files exist for a host name) is trusted before it is redone. */
const CENTRAL_LOOKUP_TTL_MS = 10_000;

interface Loaded {
  material: CertificateMaterial;
  unwatch: Array<() => void>;
}

/**
 * The certificates the listener serves, read once and re-read when their files change: a handshake takes
 * whatever is current, so the next connection gets a renewed certificate while open ones keep theirs. A file
 * that cannot be read after a change (half written, or wrong) leaves the previous certificate in service.
 */
export class CertificateStore {
  private readonly loaded = new Map<string, Loaded>();
  private readonly blobs = new Map<string, { bytes: Buffer | undefined; unwatch: () => void }>();
  private readonly central = new Map<string, { files: CertificateFiles | undefined; at: number }>();
  private readonly watch = new FileWatch();

  constructor(private readonly log: Logger) {}

  /** The certificate these files hold. Throws CertificateError when they can't be served. */
  certificate(files: CertificateFiles): CertificateMaterial {
    const key = keyOf(files);
    const known = this.loaded.get(key);
    if (known) return known.material;
    const material = readCertificate(files);
    this.log.info(
      { file: files.certFile, thumbprint: material.thumbprint, notAfter: material.certificate.validTo },
      'certificate loaded',
    );
    const entry: Loaded = { material, unwatch: [] };
    entry.unwatch = material.files.map((file) =>
      this.watch.watch(file, () => this.reload(key, files, entry)),
    );
    this.loaded.set(key, entry);
    return material;
  }

  /** The central certificate store's certificate for a host name (IIS CCS), or undefined. */
  centralCertificate(config: W3poolConfig, host: string): CertificateMaterial | undefined {
    const now = Date.now();
    let lookup = this.central.get(host);
    if (!lookup || now - lookup.at > CENTRAL_LOOKUP_TTL_MS) {
      if (this.central.size > 10_000) this.central.clear();
      lookup = { files: centralCertificateFiles(config, host), at: now };
      this.central.set(host, lookup);
    }
    if (!lookup.files) return undefined;
    try {
      return this.certificate(lookup.files);
    } catch (error) {
      this.log.warn({ err: error, host }, 'central certificate store: certificate not served');
      return undefined;
    }
  }

  /** A small file served as it is (a stapled OCSP response), re-read when it changes; undefined if unreadable. */
  file(path: string): Buffer | undefined {
    const known = this.blobs.get(path);
    if (known) return known.bytes;
    const entry: { bytes: Buffer | undefined; unwatch: () => void } = {
      bytes: readOptional(path),
      unwatch: () => undefined,
    };
    entry.unwatch = this.watch.watch(path, () => {
      entry.bytes = readOptional(path);
      this.log.info({ file: path }, 'file reloaded');
    });
    this.blobs.set(path, entry);
    return entry.bytes;
  }

  /** Forget what a new configuration no longer names, so its files stop being watched. */
  forgetAll(): void {
    for (const entry of this.loaded.values()) for (const unwatch of entry.unwatch) unwatch();
    for (const entry of this.blobs.values()) entry.unwatch();
    this.loaded.clear();
    this.blobs.clear();
    this.central.clear();
  }

  close(): void {
    this.forgetAll();
    this.watch.close();
  }

  private reload(key: string, files: CertificateFiles, entry: Loaded): void {
    if (this.loaded.get(key) !== entry) return;
    try {
      const material = readCertificate(files);
      if (material.thumbprint === entry.material.thumbprint) return;
      entry.material = material;
      this.log.info(
        { file: files.certFile, thumbprint: material.thumbprint, notAfter: material.certificate.validTo },
        'certificate reloaded: new connections get it',
      );
    } catch (error) {
      this.log.warn(
        { err: error, file: files.certFile },
        'certificate changed on disk but cannot be read; the previous one stays in service',
      );
    }
  }
}

function keyOf(files: CertificateFiles): string {
  return `${files.certFile}\0${files.keyFile ?? ''}\0${files.passphrase ?? ''}\0${files.thumbprint ?? ''}`;
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
