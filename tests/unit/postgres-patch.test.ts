import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// bin/patch-postgres.mjs (postinstall): without it a database restart can end the process
describe('the installed postgres.js', () => {
  it('never writes to a socket that is gone (porsager/postgres#1154)', () => {
    // the package's entry (cjs/src/index.js) tells where it is installed
    const dir = createRequire(import.meta.url).resolve('postgres').replace(/cjs\/src\/index\.js$/, '');
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const text = readFileSync(dir + file, 'utf8');
      const nextWrite = text.slice(text.indexOf('function nextWrite('), text.indexOf('function nextWrite(') + 200);
      expect(nextWrite, `${file}: run npm install (postinstall patches it)`).toMatch(/if \(!socket\)/);
    }
  });

  it('never leaves the array-types query of a new connection unhandled when the connection closes during it', () => {
    const dir = createRequire(import.meta.url).resolve('postgres').replace(/cjs\/src\/index\.js$/, '');
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      const text = readFileSync(dir + file, 'utf8');
      expect(text, `${file}: run npm install (postinstall patches it)`).toContain('return fetchArrayTypes().catch(');
      expect(text).not.toMatch(/return fetchArrayTypes\(\)\n/);
    }
  });
});
