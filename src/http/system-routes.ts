import type { Context } from 'hono';
import { AppError } from '../platform/errors';
import type { App, AppEnv } from './context';
import { errorBody } from './errors';

const docsAssetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** The reference page's assets are files of the package: where there are none (the edge), say so. */
const docsFiles = (c: Context<AppEnv>) => {
  const { files } = c.get('deps');
  if (!files) throw new AppError('not_implemented', 'the API reference page is served by the Node deployment; /api/v1/openapi.json is served here');
  return files;
};

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

// Assets come from the swagger-ui-dist package, never a CDN: there may be no internet, and the CSP forbids it.
const docsInit = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: false });`;

export function systemRoutes(app: App) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const { database, queue } = c.get('deps');
    const checks: Record<string, 'ok' | string> = {};
    await Promise.all([
      database.ping().then(
        () => (checks.database = 'ok'),
        () => (checks.database = 'unreachable'),
      ),
      // the edge has no queue of its own: its writes wait in the outbox for the workers' relay
      queue?.ping().then(
        () => (checks.queue = 'ok'),
        () => (checks.queue = 'unreachable'),
      ),
    ]);
    const ok = Object.values(checks).every((v) => v === 'ok');
    return ok
      ? c.json({ status: 'ready', checks }, 200)
      : c.json({ ...errorBody(c, 'unavailable', 'a dependency is unreachable'), checks }, 503);
  });

  app.get('/api/docs', (c) => {
    docsFiles(c);
    return c.html(docsPage);
  });
  app.get('/api/docs/init.js', (c) => {
    docsFiles(c);
    return c.body(docsInit, 200, { 'content-type': 'text/javascript; charset=utf-8' });
  });
  app.get('/api/docs/:asset', (c) => {
    const files = docsFiles(c);
    const name = c.req.param('asset');
    const type = docsAssetTypes[name];
    if (!type) return c.json(errorBody(c, 'not_found', 'no such asset'), 404);
    return c.body(new Uint8Array(files.docsAsset(name)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
