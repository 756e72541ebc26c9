import type { FastifyInstance } from 'fastify';
import { formatReport, importApplicationHost, toYaml, type PathRules } from '@w3pool/iis-import';
import { W3poolError } from '@w3pool/protocol';
import type { LiveConfig } from './live-config.js';

// POST /api/config/import (issue 10 §3): IIS's applicationHost.config in, w3pool's configuration out.
// A dry run by default — the caller sees the tree, the YAML and every issue before anything changes;
// `?apply=1` hands the tree to LiveConfig.change, the same path (validation, If-Match, write-back,
// history) as PUT /api/config, so an import is one more version that can be restored.

interface ImportBody {
  xml?: unknown;
  paths?: PathRules;
}

/** The body as XML text and path rules: `application/xml`/`text/xml` as is, or JSON `{ xml, paths }`. */
function importInput(body: unknown): { xml: string; paths: PathRules } {
  if (typeof body === 'string') return { xml: body, paths: {} };
  const { xml, paths } = (body ?? {}) as ImportBody;
  if (typeof xml !== 'string' || xml.length === 0)
    throw new W3poolError('WAS_BODY_INVALID', 'body/xml must be the applicationHost.config text');
  if (paths !== undefined && (typeof paths !== 'object' || paths === null || Array.isArray(paths)))
    throw new W3poolError('WAS_BODY_INVALID', 'body/paths must be an object { vars, prefixes }');
  return { xml, paths: paths ?? {} };
}

/** Registered inside the configuration routes' plugin, so its errors answer as theirs (with issues). */
export function importRoute(http: FastifyInstance, live: LiveConfig): void {
  // Its own plugin: the XML parser is added for this route only; the rest of the admin API stays JSON-only.
  void http.register((scope, _options, done) => {
    scope.addContentTypeParser(
      ['application/xml', 'text/xml'],
      { parseAs: 'string' },
      (_request, body, next) => next(null, body),
    );
    scope.post<{ Querystring: { apply?: string } }>('/api/config/import', async (request, reply) => {
      const { xml, paths } = importInput(request.body);
      const { config, issues, valid } = importApplicationHost(xml, {
        paths,
        source: 'applicationHost.config',
      });
      const yaml = toYaml(config);
      // The report as `w3pool import` prints it, so that every client shows the same text.
      const report = formatReport({ issues, valid });
      const apply = request.query.apply === '1' || request.query.apply === 'true';
      if (!apply) return reply.send({ config, issues, valid, yaml, report, applied: false });
      // The whole tree is replaced, as by PUT /api/config: If-Match is required (428 without).
      const result = await live.change(() => config, {
        ifMatch: request.headers['if-match'],
        required: true,
      });
      return reply
        .header('etag', result.etag)
        .send({ config, issues, valid, yaml, report, applied: true, ...result });
    });
    done();
  });
}
