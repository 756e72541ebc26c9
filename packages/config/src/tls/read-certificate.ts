import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { CertificateFiles } from './certificate-source.js';

/** A certificate that could not be used, with the reason an administrator can act on. */
export class CertificateError extends Error {
  constructor(
    reason: string,
    /** The file the reason is about. */
    readonly file: string,
  ) {
    super(reason);
    this.name = 'CertificateError';
  }
}

/** A certificate and its key, read and checked, ready to serve. */
export interface CertificateMaterial {
  /** What tls.createSecureContext was given: the listener adds its own settings to these. */
  options: SecureContextOptions;
  /** Built once from `options`, which proves the key and certificate load together. */
  context: SecureContext;
  /** The leaf certificate. */
  certificate: X509Certificate;
  /** IIS's certificateHash: the SHA-1 fingerprint, upper-case hex without separators. */
  thumbprint: string;
  /**
   * When the certificate expires. Nothing refuses an expired one (IIS serves it too, and clients decide);
   * it is here for whoever reports on it.
   */
  notAfter: Date;
  /** The files it was read from: what a reload watches. */
  files: string[];
}

const PFX = /\.(pfx|p12)$/i;

/**
 * Read a certificate and its private key, and check that they belong together: what validation runs on
 * every https binding, and what the listener serves. Synchronous because validation is; the listener reads
 * certificates when a configuration is applied or a file changes, never per request.
 */
export function readCertificate(files: CertificateFiles): CertificateMaterial {
  const material = PFX.test(files.certFile) ? readPfx(files) : readPem(files);
  if (files.thumbprint && material.thumbprint !== files.thumbprint.toUpperCase()) {
    throw new CertificateError(
      `the certificate's thumbprint is ${material.thumbprint}, not the certificateHash ${files.thumbprint.toUpperCase()}`,
      files.certFile,
    );
  }
  return material;
}

function readPem(files: CertificateFiles): CertificateMaterial {
  const cert = read(files.certFile);
  const text = cert.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CertificateError(
      'not a PEM certificate (no BEGIN CERTIFICATE block), nor a .pfx/.p12 file',
      files.certFile,
    );
  }
  const keyFile = files.keyFile ?? files.certFile;
  const key = files.keyFile ? read(files.keyFile) : cert;
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw new CertificateError(
      files.keyFile
        ? 'not a PEM private key'
        : 'the PEM file holds no private key and no certificateKeyFile is named',
      keyFile,
    );
  }
  const certificate = parse(cert, files.certFile);
  let privateKey;
  try {
    privateKey = createPrivateKey({
      key,
      ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }),
    });
  } catch (error) {
    throw new CertificateError(`the private key cannot be read: ${reasonOf(error)}`, keyFile);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CertificateError(
      `the private key does not belong to the certificate (${certificate.subject.replaceAll('\n', ', ')})`,
      keyFile,
    );
  }
  const options: SecureContextOptions = {
    cert,
    key,
    ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }),
  };
  return finish(options, certificate, files, keyFile);
}

function readPfx(files: CertificateFiles): CertificateMaterial {
  const pfx = read(files.certFile);
  const options: SecureContextOptions = {
    pfx,
    ...(files.passphrase === undefined ? {} : { passphrase: files.passphrase }),
  };
  let context: SecureContext;
  try {
    context = createSecureContext(options);
  } catch (error) {
    const reason = reasonOf(error);
    throw new CertificateError(
      /mac verify failure/i.test(reason)
        ? 'the .pfx password is wrong (certificatePassword)'
        : `not a usable .pfx file: ${reason}`,
      files.certFile,
    );
  }
  // Node parses PKCS#12 only into a secure context; the context's own certificate is the leaf it will serve.
  const der = (context.context as { getCertificate(): Buffer | null }).getCertificate();
  if (!der) throw new CertificateError('the .pfx file holds no certificate', files.certFile);
  return withThumbprint({
    options,
    context,
    certificate: parse(der, files.certFile),
    thumbprint: '',
    files: [files.certFile],
  });
}

function finish(
  options: SecureContextOptions,
  certificate: X509Certificate,
  files: CertificateFiles,
  keyFile: string,
): CertificateMaterial {
  let context: SecureContext;
  try {
    context = createSecureContext(options);
  } catch (error) {
    throw new CertificateError(`the certificate and key cannot be served: ${reasonOf(error)}`, keyFile);
  }
  const watched = keyFile === files.certFile ? [files.certFile] : [files.certFile, keyFile];
  return withThumbprint({ options, context, certificate, thumbprint: '', files: watched });
}

function withThumbprint(material: Omit<CertificateMaterial, 'notAfter'>): CertificateMaterial {
  return {
    ...material,
    thumbprint: material.certificate.fingerprint.replaceAll(':', '').toUpperCase(),
    notAfter: new Date(material.certificate.validTo),
  };
}

function parse(bytes: Buffer, file: string): X509Certificate {
  try {
    return new X509Certificate(bytes);
  } catch (error) {
    throw new CertificateError(`the certificate cannot be parsed: ${reasonOf(error)}`, file);
  }
}

function read(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CertificateError(
      code === 'ENOENT' ? 'the file does not exist' : `cannot be read: ${reasonOf(error)}`,
      file,
    );
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
