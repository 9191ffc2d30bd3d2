#!/usr/bin/env node
// `npm start`, `npm run worker`, `npm run cli`: run the compiled entry point, building dist/
// first when it is missing or older than the sources (so `npm install && npm start` works on
// a fresh clone, and an edit is never run stale).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, distDir, entries, isStale } from './build.mjs';

const entry = process.argv[2];
if (!entries.includes(entry)) {
  process.stderr.write(`usage: run.mjs ${entries.join('|')} [args...]\n`);
  process.exit(2);
}
if (isStale()) await build({ quiet: entry === 'cli' });
// the entry reads process.argv as if it had been started directly
process.argv.splice(2, 1);
await import(pathToFileURL(join(distDir, `${entry}.js`)).href);
