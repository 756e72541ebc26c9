export * from './ssl-flags.js';
export * from './certificate-source.js';
export * from './read-certificate.js';
export * from './check-bindings.js';
