import { defineExtension } from '@w3pool/extension-sdk';
import { ApplicationRegistry } from './application-registry.js';
import { createFastCgiHandler } from './fastcgi-handler.js';

/** This domain's FastCGI applications, shared by every mapping that names the same one. */
const registry = new ApplicationRegistry();

/**
 * IIS's FastCgiModule: a handler mapping with `modules: FastCgiModule` and `scriptProcessor:
 * fullPath|arguments` sends its requests to that webServer.fastCgi application, a pool of processes
 * w3pool starts (php-cgi) or an external FastCGI server (php-fpm, `address`).
 */
export default defineExtension({
  name: 'FastCgiModule',
  version: '1.0.0',
  load: (context) => createFastCgiHandler(context, registry),
  terminate: () => registry.closeAll(),
});
