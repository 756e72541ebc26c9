export * from './free-port.js';
export * from './http-client.js';
export * from './redis-server.js';
export * from './service-process.js';
export * from './system.js';
export * from './process-memory.js';
export * from './pools.js';
export * from './test-job.js';
