import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { StaticFiles } from '../http/context';
import { fromRoot } from '../platform/paths';

const consoleDir = fromRoot('src/console');
const bundleDir = fromRoot('dist/console');
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const texts = new Map<string, string>();
const bytes = new Map<string, Buffer>();

/**
 * Node's files: the console's pages beside the code and its bundles in dist/console, the API
 * reference's assets from swagger-ui-dist; read once, then kept (the bundles are read again in
 * development, where a rebuild changes them).
 */
export const packageFiles: StaticFiles = {
  consoleBundle(name) {
    const path = join(bundleDir, name);
    let f = texts.get(path);
    if (f === undefined) {
      if (!existsSync(path)) return null;
      f = readFileSync(path, 'utf8');
      if (process.env.NODE_ENV === 'production') texts.set(path, f);
    }
    return f;
  },
  console(name) {
    let f = texts.get(name);
    if (f === undefined) texts.set(name, (f = readFileSync(join(consoleDir, name), 'utf8')));
    return f;
  },
  docsAsset(name) {
    let b = bytes.get(name);
    if (!b) bytes.set(name, (b = readFileSync(join(swaggerDir, name))));
    return b;
  },
};
