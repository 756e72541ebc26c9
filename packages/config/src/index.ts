export * from './schema/w3pool-config.js';
export * from './schema/application-pool.js';
export * from './schema/site.js';
export * from './schema/web-server.js';
export { iisDefaultMimeMap } from './defaults/mime-map.generated.js';
export * from './config-error.js';
export * from './load-config.js';
export * from './timespan.js';
export * from './config-channel.js';
