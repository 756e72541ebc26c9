import { defineModule, type PipelineModule, type RequestContext } from '@w3pool/extension-sdk';
import { negotiate } from './accept-encoding.js';
import { CompressionFilter } from './compression-filter.js';
import {
  compressibleResponse,
  compressionPolicy,
  isStaticFile,
  type CompressionKind,
  type CompressionPolicy,
} from './compression-policy.js';

/**
 * StaticCompressionModule and DynamicCompressionModule (system.webServer/urlCompression, httpCompression).
 * At SendResponse each looks at the responses of its kind — static files served by the StaticFile handler,
 * or everything else — and, when the client accepts a scheme, adds a body filter that compresses it
 * (gzip or br through node:zlib, streamed chunk by chunk). Static files are compressed only once they are
 * frequently hit, as IIS does.
 */
export function compressionModule(kind: CompressionKind): PipelineModule {
  return defineModule({
    name: kind === 'static' ? 'StaticCompressionModule' : 'DynamicCompressionModule',
    init(context) {
      const policy = compressionPolicy(context.webServer, kind);
      // Switched off for this application: no subscription, no cost per request.
      if (!policy) return {};
      return { SendResponse: (request) => compressIfAccepted(request, policy) };
    },
  });
}

function compressIfAccepted(context: RequestContext, policy: CompressionPolicy): void {
  const { request, response } = context;
  if (request.method === 'HEAD') return;
  if (isStaticFile(context) !== (policy.kind === 'static')) return;
  // IIS counts a static file's hits whether or not this client takes it compressed.
  const frequent = policy.frequentHits ? policy.frequentHits.hit(request.path) : true;
  const coding = negotiate(request.headers.get('accept-encoding'), policy.schemes);
  if (!coding) return;
  if (policy.noHttp10 && request.httpVersion === '1.0') return;
  if (policy.noProxies && request.headers.has('via')) return;
  if (policy.noRange && request.headers.has('range')) return;
  if (!compressibleResponse(response, policy)) return;
  context.addResponseFilter(new CompressionFilter(context, policy, coding, frequent).filter);
}
