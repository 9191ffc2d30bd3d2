import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { App } from './context';
import { errorBody } from './errors';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const docsAssets: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: join(swaggerDir, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(swaggerDir, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
};
const cache = new Map<string, Buffer>();
const read = (file: string) => {
  let b = cache.get(file);
  if (!b) cache.set(file, (b = readFileSync(file)));
  return b;
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

/** Each dependency's check gets this long; /readyz answers well inside 2 s. */
export const readyTimeoutMs = 1500;

class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/** The promise, or a DeadlineError after `ms` (the check itself runs on; its answer is dropped). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError()), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function systemRoutes(app: App) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // a load balancer or orchestrator waits on this: it answers within readyTimeoutMs whatever hangs
  app.get('/readyz', async (c) => {
    const { database, queue } = c.get('deps');
    const checks: Record<string, 'ok' | string> = {};
    await Promise.all([
      withDeadline(database.ping(), readyTimeoutMs).then(
        () => (checks.database = 'ok'),
        (err: Error) => (checks.database = err instanceof DeadlineError ? 'timeout' : 'unreachable'),
      ),
      withDeadline(queue.ping(), readyTimeoutMs).then(
        () => (checks.queue = 'ok'),
        (err: Error) => (checks.queue = err instanceof DeadlineError ? 'timeout' : 'unreachable'),
      ),
    ]);
    const ok = Object.values(checks).every((v) => v === 'ok');
    return ok
      ? c.json({ status: 'ready', checks }, 200)
      : c.json(
          {
            ...errorBody(c, 'unavailable', `not ready: ${Object.keys(checks).filter((k) => checks[k] !== 'ok').join(' and ')} ${Object.values(checks).includes('timeout') ? 'did not answer in time' : 'unreachable'}`),
            checks,
          },
          503,
        );
  });

  app.get('/api/docs', (c) => c.html(docsPage));
  app.get('/api/docs/init.js', (c) => c.body(docsInit, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/api/docs/:asset', (c) => {
    const name = c.req.param('asset');
    const asset = Object.hasOwn(docsAssets, name) ? docsAssets[name] : undefined;
    if (!asset) return c.json(errorBody(c, 'not_found', 'no such asset'), 404);
    return c.body(new Uint8Array(read(asset.file)), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
  });
}
