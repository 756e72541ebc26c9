import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApplicationPoolSchema, ConfigError, W3poolConfigSchema } from '@w3pool/config';
import { W3poolError, errorCatalogue, type ErrorCode } from '@w3pool/protocol';
import { clientErrorOf } from '../security/body-limits.js';
import type { ChangeResult, LiveConfig } from './live-config.js';
import {
  addItem,
  collections,
  deleteItem,
  getItem,
  listItems,
  patchItem,
  type Collection,
  type Scope,
} from './resource-paths.js';

// Only the shape of the body is checked here (an object): the content goes through validateConfig, as
// the file does, so that a refusal names JSON pointers into the tree and defaults are never written back.
// The size is fastify's body limit for the whole admin API (W3POOL_WAS_BODY_LIMIT, docs/admin-security.md).
const Item = Type.Object({}, { additionalProperties: true });

/**
 * appcmd-like collections: a route prefix and the collection it edits. The item's parameter is `id` for
 * sites and `app` for applications (an application's path, URI-encoded: `%2Fphp`), `key` otherwise, so
 * that nested routes share their parents' parameter names.
 */
const COLLECTION_ROUTES: [prefix: string, collection: Collection, itemParam: string][] = [
  ['/api/config/apppools', collections.apppools, 'key'],
  ['/api/config/sites', collections.sites, 'id'],
  ['/api/config/sites/:id/bindings', collections.bindings, 'key'],
  ['/api/config/sites/:id/applications', collections.applications, 'app'],
  ['/api/config/sites/:id/applications/:app/virtualDirectories', collections.virtualDirectories, 'key'],
  ['/api/config/handlers', collections.handlers, 'key'],
  ['/api/config/sites/:id/handlers', collections.handlers, 'key'],
  ['/api/config/sites/:id/applications/:app/handlers', collections.handlers, 'key'],
  ['/api/config/modules', collections.modules, 'key'],
  ['/api/config/sites/:id/modules', collections.modules, 'key'],
  ['/api/config/sites/:id/applications/:app/modules', collections.modules, 'key'],
];

type Params = Record<string, string>;

/** The live configuration routes (docs/admin-api.md), in their own plugin for their own error answers. */
export function configRoutes(http: FastifyInstance, live: LiveConfig): void {
  http.setErrorHandler((error: FastifyError, _request, reply) => {
    const code = codeOf(error);
    if (!code) throw error; // not ours: WAS's own handler answers (admin-api.ts)
    const { status, message } = errorCatalogue[code];
    const issues = error instanceof ConfigError ? error.issues : undefined;
    const detail = error instanceof W3poolError && !(error instanceof ConfigError) ? error.message : message;
    return reply.code(status).send({ code, message: detail, ...(issues ? { issues } : {}) });
  });

  const ifMatch = (headers: Record<string, unknown>) => headers['if-match'] as string | undefined;
  const answer = (reply: FastifyReply, result: ChangeResult, status = 200) =>
    reply.code(status).header('etag', result.etag).send(result);

  http.get('/api/config', async (_request, reply) => {
    const { raw, etag } = live.held();
    return reply.header('etag', etag).send(raw);
  });
  // The whole tree: If-Match is required (428 without), since this replaces everything.
  http.put('/api/config', { schema: { body: Item } }, async (request, reply) =>
    answer(
      reply,
      await live.change(() => request.body, { ifMatch: ifMatch(request.headers), required: true }),
    ),
  );

  // The configuration's JSON Schema, with IIS's default and a description for every setting: what an
  // editor shows beside each field (the dashboard's pool editor reads the pool's part).
  http.get('/api/config/schema', () => Promise.resolve(W3poolConfigSchema));
  http.get('/api/config/schema/apppools', () => Promise.resolve(ApplicationPoolSchema));

  http.get('/api/config/history', async () => ({ versions: await live.history.list() }));
  http.post<{ Params: { version: string } }>(
    '/api/config/history/:version/restore',
    async (request, reply) => {
      const tree = await live.history.tree(Number(request.params.version));
      return answer(
        reply,
        await live.change(() => tree, { ifMatch: ifMatch(request.headers), origin: 'restore' }),
      );
    },
  );

  for (const [prefix, collection, itemParam] of COLLECTION_ROUTES) {
    const item = `${prefix}/:${itemParam}`;
    const scope = (params: Params): Scope => ({ id: params.id, app: params.app });
    const withEtag = (reply: FastifyReply, value: unknown) =>
      reply.header('etag', live.held().etag).send(value);

    http.get<{ Params: Params }>(prefix, async (request, reply) =>
      withEtag(reply, listItems(live.held().raw, collection, scope(request.params))),
    );
    http.post<{ Params: Params }>(prefix, { schema: { body: Item } }, async (request, reply) => {
      const edit = (raw: unknown) => addItem(raw, collection, scope(request.params), request.body);
      return answer(reply, await live.change(edit, { ifMatch: ifMatch(request.headers) }), 201);
    });
    http.get<{ Params: Params }>(item, async (request, reply) =>
      withEtag(
        reply,
        getItem(live.held().raw, collection, scope(request.params), request.params[itemParam]!),
      ),
    );
    http.patch<{ Params: Params }>(item, { schema: { body: Item } }, async (request, reply) => {
      const key = request.params[itemParam]!;
      const edit = (raw: unknown) => patchItem(raw, collection, scope(request.params), key, request.body);
      return answer(reply, await live.change(edit, { ifMatch: ifMatch(request.headers) }));
    });
    http.delete<{ Params: Params }>(item, async (request, reply) => {
      const key = request.params[itemParam]!;
      const edit = (raw: unknown) => deleteItem(raw, collection, scope(request.params), key);
      return answer(reply, await live.change(edit, { ifMatch: ifMatch(request.headers) }));
    });
  }
}

/** The catalogue code for errors these routes answer themselves; undefined for the rest. */
function codeOf(error: FastifyError): ErrorCode | undefined {
  if (error instanceof ConfigError) return 'WAS_CONFIG_REJECTED';
  if (error instanceof W3poolError) return error.code;
  // A body fastify refused (not JSON, too large, not an object): the admin API's common 400/413/415.
  return clientErrorOf(error)?.code;
}
