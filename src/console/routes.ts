import { existsSync, readFileSync } from 'node:fs';
import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { App, AppEnv } from '../http/context';
import { errorBody } from '../http/errors';
import { principalFromSession, sessionCookie } from '../access/authenticate';
import { fromRoot } from '../platform/paths';

/*
 * The console: two HTML pages from src/console/, and the bundles esbuild writes to
 * dist/console/ (bin/build.mjs; `npm start` and the tests build them). Every console path
 * (/inbox/c/<id>, /rules...) answers the same page, which routes in the browser.
 */
const pages = fromRoot('src/console') + '/';
const bundles = fromRoot('dist/console') + '/';
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

const cache = new Map<string, string>();
const read = (path: string) => {
  let f = cache.get(path);
  if (f === undefined) {
    f = readFileSync(path, 'utf8');
    // the bundles change on a rebuild: read them again in development, keep them in production
    if (process.env.NODE_ENV === 'production' || !path.startsWith(bundles)) cache.set(path, f);
  }
  return f;
};

export function consoleRoutes(app: App) {
  const page = async (c: Context<AppEnv>) => {
    const cookie = getCookie(c, sessionCookie);
    const { db, clock } = c.get('deps');
    if (!cookie || !(await principalFromSession(db, cookie, clock.now()))) {
      const next = c.req.path === '/' ? '' : `?next=${encodeURIComponent(c.req.path)}`;
      return c.redirect(`/login${next}`, 302);
    }
    return c.html(read(pages + 'index.html'));
  };
  app.get('/', page);
  for (const p of consolePaths) {
    app.get(`/${p}`, page);
    app.get(`/${p}/*`, page);
  }
  app.get('/login', (c) => c.html(read(pages + 'login.html')));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/console/:file', (c) => {
    const name = c.req.param('file');
    const type = types[name];
    if (!type) return c.json(errorBody(c, 'not_found', 'no such file'), 404);
    if (!existsSync(bundles + name)) return c.json(errorBody(c, 'unavailable', 'the console is not built: run npm run build'), 503);
    return c.body(read(bundles + name), 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}
