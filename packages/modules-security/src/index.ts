import type { PipelineModule } from '@w3pool/extension-sdk';
import { AnonymousAuthenticationModule } from './anonymous-authentication.js';
import { BasicAuthenticationModule } from './basic-authentication.js';
import { CustomHeaderModule } from './custom-headers.js';
import { HttpRedirectionModule } from './http-redirect.js';
import { RequestFilteringModule } from './request-filtering.js';
import { UrlAuthorizationModule } from './url-authorization.js';

export {
  AnonymousAuthenticationModule,
  BasicAuthenticationModule,
  CustomHeaderModule,
  HttpRedirectionModule,
  RequestFilteringModule,
  UrlAuthorizationModule,
};

/** The built-in modules of this package, by module name: a `modules` entry names one to enable it. */
export const securityModules: ReadonlyMap<string, PipelineModule> = new Map(
  [
    RequestFilteringModule,
    HttpRedirectionModule,
    BasicAuthenticationModule,
    AnonymousAuthenticationModule,
    UrlAuthorizationModule,
    CustomHeaderModule,
  ].map((module) => [module.name, module]),
);
