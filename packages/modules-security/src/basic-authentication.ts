import {
  defineModule,
  HttpError,
  type ModuleSubscriptions,
  type RequestContext,
  type RequestUser,
} from '@w3pool/extension-sdk';
import { parseBasicCredentials } from './basic-credentials.js';
import { CredentialCache } from './credential-cache.js';
import { UserDirectory } from './user-directory.js';

/**
 * IIS's BasicAuthenticationModule (system.webServer/security/authentication/basicAuthentication). At
 * AuthenticateRequest, valid `Authorization: Basic` credentials make the request's user (LOGON_USER,
 * AUTH_TYPE Basic, cs-username); wrong or malformed ones get 401.1. A request without Basic credentials is
 * left to the modules after it (AnonymousAuthenticationModule). At SendResponse, every 401 of the
 * application carries the `WWW-Authenticate: Basic realm="..."` challenge, whoever refused the request.
 */
export const BasicAuthenticationModule = defineModule({
  name: 'BasicAuthenticationModule',
  async init(context): Promise<ModuleSubscriptions> {
    const settings = context.webServer.security.authentication.basicAuthentication;
    if (!settings.enabled) return {};
    const directory = await UserDirectory.open(settings, (message, fields) =>
      context.log.warn(message, fields),
    );
    const cache = new CredentialCache();
    // Requests that carry the same header at the same time share one bcrypt comparison.
    const verifying = new Map<string, Promise<RequestUser | undefined>>();

    const logOn = async (
      header: string,
      name: string,
      password: string,
    ): Promise<RequestUser | undefined> => {
      if (await directory.refresh()) cache.clear();
      const key = CredentialCache.keyOf(header);
      const cached = cache.get(key);
      if (cached) return cached;
      let pending = verifying.get(key);
      if (!pending) {
        pending = directory.verify(name, password).finally(() => verifying.delete(key));
        verifying.set(key, pending);
      }
      const user = await pending;
      if (user) cache.set(key, user);
      return user;
    };

    return {
      // A request without Basic credentials continues as it is, for the modules after this one.
      AuthenticateRequest: async (ctx) => {
        const header = ctx.request.headers.get('authorization');
        const credentials = header === undefined ? undefined : parseBasicCredentials(header);
        if (header === undefined || credentials === undefined) return;
        if (credentials === 'malformed')
          throw new HttpError('WORKER_LOGON_FAILED', 'malformed Basic credentials');
        const user = await logOn(header, credentials.name, credentials.password);
        if (!user) throw new HttpError('WORKER_LOGON_FAILED', `user ${JSON.stringify(credentials.name)}`);
        ctx.user = user;
      },
      SendResponse: (ctx) => {
        if (ctx.response.statusCode === 401) addChallenge(ctx, settings.realm);
      },
    };
  },
});

/** Add the Basic challenge to a 401 beside any other method's, once. */
function addChallenge(ctx: RequestContext, configuredRealm: string): void {
  const realm = configuredRealm || (ctx.request.serverVariable('SERVER_NAME') ?? '');
  const challenge = `Basic realm="${realm.replace(/["\\]/g, '\\$&')}"`;
  const existing = ctx.response.getHeader('www-authenticate');
  const challenges = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  if (challenges.some((c) => c.toLowerCase().startsWith('basic'))) return;
  ctx.response.setHeader(
    'www-authenticate',
    challenges.length === 0 ? challenge : [...challenges, challenge],
  );
}
