export * from './keys.js';
export * from './request-job.js';
export * from './reply.js';
export * from './error-catalogue.js';
export * from './error-page.js';
