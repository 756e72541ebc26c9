import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import { certificateSource, hasSslFlag, type CertificateMaterial, type W3poolConfig } from '@w3pool/config';
import type { Endpoint, SecureBinding } from '../site-router.js';
import type { CertificateStore } from './certificate-store.js';

type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** What one https binding asks of a handshake: its certificate and its sslFlags. */
export interface BindingTls {
  served: SecureBinding;
  /** The certificate, read now (a reloaded file gives a new one); undefined when there is none to serve. */
  material(): CertificateMaterial | undefined;
  http2: boolean;
  ocspStapling: boolean;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
}

/**
 * How one https socket picks a certificate and a protocol for each handshake, compiled from the bindings
 * it serves, in http.sys's order: an SNI binding for the name the client asked for, then the central
 * certificate store binding for it, then the socket's IP:port certificate (an sslFlags 0 binding).
 */
export class TlsPolicy {
  private readonly sni = new Map<string, BindingTls>();
  private readonly central = new Map<string, BindingTls>();
  private readonly fallback: BindingTls | undefined;
  /** The protocol range every binding of the socket allows: what the handshake itself enforces. */
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  private readonly contexts = new WeakMap<CertificateMaterial, SecureContext>();
  private readonly ca: Map<BindingTls, Buffer | undefined> = new Map();

  constructor(
    endpoint: Endpoint,
    private readonly config: W3poolConfig,
    private readonly store: CertificateStore,
    /** Ask clients for a certificate: some application on this socket's sites has access@sslFlags for it. */
    private readonly requestCert: boolean,
  ) {
    let fallback: BindingTls | undefined;
    for (const served of endpoint.bindings) {
      const tls = this.compile(served, config);
      if (hasSslFlag(served.binding, 'CentralCertStore')) {
        if (!this.central.has(served.host)) this.central.set(served.host, tls);
      } else if (hasSslFlag(served.binding, 'Sni') && served.host) {
        if (!this.sni.has(served.host)) this.sni.set(served.host, tls);
      } else fallback ??= tls;
      if (served.binding.clientCertificateAuthorities) {
        this.ca.set(tls, readFileSync(served.binding.clientCertificateAuthorities));
      }
    }
    this.fallback = fallback;
    const all = [...this.sni.values(), ...this.central.values(), ...(fallback ? [fallback] : [])];
    this.minVersion = all.every((b) => b.minVersion === 'TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2';
    this.maxVersion = all.every((b) => b.maxVersion === 'TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
  }

  /**
   * The TLS server's own settings: the protocol range, whether clients are asked for a certificate, and the
   * socket's IP:port certificate, which a client that sends no server name (or an unknown one) gets.
   */
  serverOptions(): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
    const fallback = this.fallback;
    const material = fallback?.material();
    const ca = fallback ? this.ca.get(fallback) : undefined;
    return {
      ...(material ? material.options : {}),
      ...(ca ? { ca } : {}),
      minVersion: this.minVersion,
      maxVersion: this.maxVersion,
      // Whether the certificate is trusted is the worker's question (403.16), not the handshake's.
      requestCert: this.requestCert,
      rejectUnauthorized: false,
    };
  }

  /** The binding a handshake for this server name is served by; undefined when none has a certificate. */
  bindingFor(serverName: string | false | null | undefined): BindingTls | undefined {
    const name = serverName ? serverName.toLowerCase() : '';
    return this.sni.get(name) ?? this.central.get(name) ?? this.fallback;
  }

  /** The secure context a handshake for this server name gets (undefined: the handshake fails). */
  contextFor(serverName: string | false | null | undefined): SecureContext | undefined {
    const binding = this.bindingFor(serverName);
    const material = binding?.material();
    if (!binding || !material) return undefined;
    let context = this.contexts.get(material);
    if (!context) {
      const ca = this.ca.get(binding);
      context = createSecureContext({
        ...material.options,
        minVersion: binding.minVersion,
        maxVersion: binding.maxVersion,
        ...(ca ? { ca } : {}),
      });
      this.contexts.set(material, context);
    }
    return context;
  }

  /** The stapled OCSP response for the certificate a handshake is serving, if one is configured. */
  ocspResponseFor(certificate: Buffer): Buffer | undefined {
    for (const binding of [...this.sni.values(), ...this.central.values(), this.fallback]) {
      if (!binding?.ocspStapling || !binding.served.binding.ocspResponseFile) continue;
      if (binding.material()?.certificate.raw.equals(certificate)) {
        return this.store.file(binding.served.binding.ocspResponseFile);
      }
    }
    return undefined;
  }

  private compile(served: SecureBinding, config: W3poolConfig): BindingTls {
    const { binding } = served;
    const source = certificateSource(binding, config);
    const store = this.store;
    const material =
      typeof source === 'string'
        ? () => undefined
        : source.kind === 'central'
          ? () => store.centralCertificate(this.config, served.host)
          : () => {
              try {
                return store.certificate(source.files);
              } catch {
                // Validation read it; it has gone or gone bad since. The handshake fails (HTTPERR says so).
                return undefined;
              }
            };
    return {
      served,
      material,
      http2: !hasSslFlag(binding, 'DisableHTTP2'),
      ocspStapling: !hasSslFlag(binding, 'DisableOCSPStapling'),
      // TLS 1.0 and 1.1 are never offered; "legacy" here is what is left of it, TLS 1.2.
      minVersion: hasSslFlag(binding, 'DisableLegacyTLS') ? 'TLSv1.3' : 'TLSv1.2',
      maxVersion: hasSslFlag(binding, 'DisableTLS13OverTcp') ? 'TLSv1.2' : 'TLSv1.3',
    };
  }
}
