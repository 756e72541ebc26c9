export * from './keys.js';
export * from './request-job.js';
export * from './stream-messages.js';
export * from './runtime-state.js';
export * from './ipc-messages.js';
export * from './message-codec.js';
export * from './error-catalogue.js';
export * from './error-page.js';
