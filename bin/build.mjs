#!/usr/bin/env node
// Bundles the Node entry points (server, worker, cli) into dist/ with esbuild: our code in
// the bundle, packages left to node_modules, a chunk per dynamic import so the CLI loads only
// what a command needs. It also bundles the browser console (src/console/client: TypeScript
// components on hono/jsx/dom, and its CSS) into dist/console/, which the server serves from
// our own origin. `npm run build` runs it; bin/run.mjs runs it first when dist/ is missing or
// older than the sources.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(root, 'dist');
const stampFile = join(distDir, '.build-stamp');
export const entries = ['server', 'worker', 'cli'];
/** the browser console's bundles, in dist/console/ */
export const consoleDir = join(distDir, 'console');
const consoleFiles = ['app.js', 'app.css', 'login.js'];
const sourceDirs = ['src', 'channels', 'triage', 'templates'];
const sourceFile = /\.(ts|tsx|js|mjs|json|css|html)$/;

function newestSource() {
  let newest = Math.max(statSync(join(root, 'package.json')).mtimeMs, statSync(join(root, 'tsconfig.json')).mtimeMs);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (sourceFile.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const d of sourceDirs) if (existsSync(join(root, d))) walk(join(root, d));
  return newest;
}

/** dist/ is missing, incomplete, or older than a source file */
export function isStale() {
  if (!existsSync(stampFile) || entries.some((e) => !existsSync(join(distDir, `${e}.js`)))) return true;
  if (consoleFiles.some((f) => !existsSync(join(consoleDir, f)))) return true;
  return newestSource() > statSync(stampFile).mtimeMs;
}

export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const esbuild = await import('esbuild');
  mkdirSync(distDir, { recursive: true });
  const browser = esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: 'src/console/client/main.tsx', login: 'src/console/client/login.ts' },
    outdir: consoleDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx/dom',
    tsconfig: 'src/console/client/tsconfig.json',
    logLevel: quiet ? 'error' : 'warning',
  });
  const node = esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(entries.map((e) => [e, `src/${e}.ts`])),
    outdir: distDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: quiet ? 'error' : 'warning',
    // some dependencies are CommonJS and call require(): give the ESM bundle one
    banner: { js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);" },
  });
  await Promise.all([node, browser]);
  writeFileSync(stampFile, new Date().toISOString() + '\n');
  if (!quiet) process.stderr.write(`built dist/ (${entries.join(', ')}, console) in ${Date.now() - started} ms\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build();
}
