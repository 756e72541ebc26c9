import type { Redis } from 'ioredis';
import type { W3poolConfig } from '@w3pool/config';
import type { RuntimeControl } from '../runtime-control.js';
import type { WasHttp } from '../was-http.js';
import { appsView } from './apps-view.js';
import { requestsView, type RequestsQuery } from './requests-view.js';

/** appcmd list app and appcmd list requests (the other views are in admin-api.ts). */
export function registerViews(
  http: WasHttp,
  parts: { redis: Redis; control: RuntimeControl; live: () => W3poolConfig },
): void {
  http.get('/api/apps', () => Promise.resolve(appsView(parts.live())));
  http.get<{ Querystring: RequestsQuery }>('/api/requests', async (request) =>
    requestsView(parts.redis, parts.control, parts.live(), request.query),
  );
}
