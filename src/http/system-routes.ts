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
      // the edge has no queue of its own: its writes wait in the outbox for the workers' relay
      queue &&
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
    const type = Object.hasOwn(docsAssetTypes, name) ? docsAssetTypes[name] : undefined;
    if (!type) return c.json(errorBody(c, 'not_found', 'no such asset'), 404);
    return c.body(new Uint8Array(files.docsAsset(name)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
