import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type TSchema } from '@sinclair/typebox';
import type { WasHttp } from './was-http.js';
import { ErrorShape, ROUTE_DOCS } from './openapi-schemas.js';

/**
 * The admin API's OpenAPI 3 document (GET /docs/json) and its interactive reference (GET /docs). Both are
 * admin routes like the rest: registered after the security hooks, they need the bearer token, since the
 * document lists every route an attacker could try. Register before any route: swagger records routes as
 * they are added. Schemas are attached here, by route, so the route files stay as they are.
 */
export async function registerOpenApi(http: WasHttp): Promise<void> {
  http.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.includes('HEAD') && methods.length === 1) return;
    const doc = ROUTE_DOCS[`${methods[0]} ${route.url}`];
    const given = route.schema ?? {};
    const params = doc?.params ?? urlParams(route.url);
    route.schema = {
      summary: doc?.summary ?? `${methods.join(', ')} ${route.url}`,
      tags: [tagOf(route.url)],
      ...(params ? { params } : {}),
      ...(doc?.querystring ? { querystring: doc.querystring } : {}),
      ...(doc?.produces ? { produces: doc.produces } : {}),
      response: {
        // Only JSON 200s are described; others (text, streams, the configuration routes) stay unserialized.
        ...(doc?.ok ? { 200: doc.ok } : {}),
        '4xx': ErrorShape,
        '5xx': ErrorShape,
      },
      ...given,
    };
  });
  await http.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'w3pool WAS admin API',
        description: 'appcmd over HTTP: configuration, runtime views, events and actions (docs/admin-api.md)',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await http.register(swaggerUi, { routePrefix: '/docs' });
}

/** `/api/config/sites/:id` → a params schema with `id` (a string); undefined without parameters. */
function urlParams(url: string): TSchema | undefined {
  const names = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  if (names.length === 0) return undefined;
  return Type.Object(Object.fromEntries(names.map((n) => [n, Type.String()])));
}

function tagOf(url: string): string {
  if (url.startsWith('/api/config')) return 'configuration';
  if (url.startsWith('/api/events')) return 'events';
  if (url.startsWith('/docs')) return 'documentation';
  if (url.startsWith('/api/')) return 'runtime';
  return 'health and metrics';
}
