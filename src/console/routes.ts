import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { App, AppEnv } from '../http/context';
import { errorBody } from '../http/errors';
import { principalFromSession, sessionCookie } from '../access/authenticate';
import { AppError } from '../platform/errors';

const types: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'login.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
/** The console's files come with the package: where there are none (the edge), say so. */
const read = (c: Context<AppEnv>, name: string) => {
  const { files } = c.get('deps');
  if (!files) throw new AppError('not_implemented', 'the console is served by the Node deployment; this edge deployment serves the webhooks and the API');
  return files.console(name);
};

export function consoleRoutes(app: App) {
  app.get('/', async (c) => {
    const page = read(c, 'index.html');
    const cookie = getCookie(c, sessionCookie);
    const { db, clock } = c.get('deps');
    if (!cookie || !(await principalFromSession(db, cookie, clock.now()))) return c.redirect('/login', 302);
    return c.html(page);
  });
  app.get('/login', (c) => c.html(read(c, 'login.html')));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/console/:file', (c) => {
    const name = c.req.param('file');
    const type = Object.hasOwn(types, name) ? types[name] : undefined;
    if (!type) return c.json(errorBody(c, 'not_found', 'no such file'), 404);
    return c.body(read(c, name), 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}
