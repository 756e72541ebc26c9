import { Type, type Static } from '@sinclair/typebox';
import { ApplicationPoolSchema } from './application-pool.js';
import { CentralCertProviderSchema, HttpSysSchema, SiteSchema, WebLimitsSchema } from './site.js';
import { WebServerSchema } from './web-server.js';

/**
 * The whole configuration: applicationHost.config's two halves, system.applicationHost (pools, sites,
 * webLimits) and system.webServer, as one tree.
 */
export const W3poolConfigSchema = Type.Object(
  {
    applicationPools: Type.Array(ApplicationPoolSchema, {
      minItems: 1,
      description: 'Application pools (system.applicationHost/applicationPools).',
    }),
    sites: Type.Array(SiteSchema, { minItems: 1, description: 'Sites (system.applicationHost/sites).' }),
    webLimits: WebLimitsSchema,
    httpSys: HttpSysSchema,
    centralCertProvider: CentralCertProviderSchema,
    webServer: WebServerSchema,
  },
  { additionalProperties: false },
);

export type W3poolConfig = Static<typeof W3poolConfigSchema>;
