import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { App, AppEnv } from '../http/context';
import { errorBody } from '../http/errors';
import { principalFromSession, sessionCookie } from '../access/authenticate';
import { AppError } from '../platform/errors';

/*
 * The console: two HTML pages from src/console/, and the bundles esbuild writes to
 * dist/console/ (bin/build.mjs; `npm start` and the tests build them), read through the
 * deployment's files (app/static-files.ts). Every console path (/inbox/c/<id>, /rules...)
 * answers the same page, which routes in the browser.
 */
const types: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'login.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'login.js.map': 'application/json; charset=utf-8',
  'app.css.map': 'application/json; charset=utf-8',
};
/** the console's top-level paths; each is a page of the one app */
export const consolePaths = ['inbox', 'patients', 'appointments', 'rules', 'templates', 'settings', 'figures', 'audit', 'users', 'tokens'];

/** The console's files come with the package: where there are none (the edge), say so. */
function filesOf(c: Context<AppEnv>) {
  const { files } = c.get('deps');
  if (!files) throw new AppError('not_implemented', 'the console is served by the Node deployment; this edge deployment serves the webhooks and the API');
  return files;
}

export function consoleRoutes(app: App) {
  const page = async (c: Context<AppEnv>) => {
    const files = filesOf(c);
    const cookie = getCookie(c, sessionCookie);
    const { db, clock } = c.get('deps');
    if (!cookie || !(await principalFromSession(db, cookie, clock.now()))) {
      const next = c.req.path === '/' ? '' : `?next=${encodeURIComponent(c.req.path)}`;
      return c.redirect(`/login${next}`, 302);
    }
    return c.html(files.console('index.html'));
  };
  app.get('/', page);
  for (const p of consolePaths) {
    app.get(`/${p}`, page);
    app.get(`/${p}/*`, page);
  }
  app.get('/login', (c) => c.html(filesOf(c).console('login.html')));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/console/:file', (c) => {
    const name = c.req.param('file');
    const type = Object.hasOwn(types, name) ? types[name] : undefined;
    if (!type) return c.json(errorBody(c, 'not_found', 'no such file'), 404);
    const bundle = filesOf(c).consoleBundle(name);
    if (bundle === null) return c.json(errorBody(c, 'unavailable', 'the console is not built: run npm run build'), 503);
    return c.body(bundle, 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}
