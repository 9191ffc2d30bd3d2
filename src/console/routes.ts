import { readFileSync } from 'node:fs';
import { getCookie } from 'hono/cookie';
import type { App } from '../http/context';
import { errorBody } from '../http/errors';
import { principalFromSession, sessionCookie } from '../access/authenticate';
import { fromRoot } from '../platform/paths';

const dir = fromRoot('src/console') + '/';
const types: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'login.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const files = new Map<string, string>();
const read = (name: string) => {
  let f = files.get(name);
  if (f === undefined) files.set(name, (f = readFileSync(dir + name, 'utf8')));
  return f;
};

export function consoleRoutes(app: App) {
  app.get('/', async (c) => {
    const cookie = getCookie(c, sessionCookie);
    const { db, clock } = c.get('deps');
    if (!cookie || !(await principalFromSession(db, cookie, clock.now()))) return c.redirect('/login', 302);
    return c.html(read('index.html'));
  });
  app.get('/login', (c) => c.html(read('login.html')));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/console/:file', (c) => {
    const name = c.req.param('file');
    const type = Object.hasOwn(types, name) ? types[name] : undefined;
    if (!type) return c.json(errorBody(c, 'not_found', 'no such file'), 404);
    return c.body(read(name), 200, { 'content-type': type, 'cache-control': 'no-cache' });
  });
}
