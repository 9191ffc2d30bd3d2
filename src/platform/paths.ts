import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found by walking up from this module, so that files beside the code
 * (migrations, the console's assets) are found the same way from `src/` (tests, tsx) and from
 * the bundles in `dist/` that `npm start` runs.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'switchboard') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Switchboard package root (package.json named "switchboard")');
    dir = up;
  }
}

export const projectRoot = findRoot();
export const fromRoot = (...parts: string[]) => join(projectRoot, ...parts);
