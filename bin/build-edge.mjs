#!/usr/bin/env node
// Bundles the edge entry (src/edge.ts) as Cloudflare would deploy it, without deploying:
// `wrangler deploy --dry-run --outdir dist/edge`. Then reports the bundle's size (raw and
// gzip) and refuses a bundle that carries what the edge must not (the Node-only parts, the
// whole Twilio SDK, triage's classifier) or outgrows its budget. `npm run build:edge` runs it;
// the edge integration test calls buildEdge().
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Modules the edge bundle must not contain, with why. */
export const forbiddenInEdge = [
  { pattern: /node_modules\/@electric-sql\/pglite\//, why: 'the embedded database is Node-only' },
  { pattern: /node_modules\/(bullmq|ioredis)\//, why: 'the edge never talks to Redis: the Node workers relay the outbox' },
  { pattern: /node_modules\/pino\//, why: 'pino writes to Node streams; the edge logs through platform/edge-logger.ts' },
  { pattern: /node_modules\/(natural|chrono-node)\//, why: 'triage runs in the Node workers' },
  { pattern: /node_modules\/twilio\/lib\/(index|rest\/)/, why: "the whole Twilio SDK: webhooks need only channels/twilio-parts.ts" },
  { pattern: /node_modules\/(@sendgrid\/mail|@hono\/node-server|swagger-ui-dist)\//, why: 'sending and serving files are Node-side' },
  { pattern: /^src\/(platform\/paths|platform\/db\/client|platform\/jobs\/(bullmq|in-process)|app\/(runtime|static-files))\.ts$/, why: 'Node-only wiring' },
];

/** gzip, at most: Workers take 3 MiB (free) or 10 MiB (paid); far less starts faster */
export const edgeBudgetGzipBytes = 1024 * 1024;

export async function buildEdge({ outdir = join(root, 'dist', 'edge'), quiet = false } = {}) {
  const metafile = join(outdir, 'meta.json');
  const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const output = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir, '--metafile', metafile], {
      cwd: root,
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${text}`))));
  });
  const bundle = readFileSync(join(outdir, 'edge.js'));
  const meta = JSON.parse(readFileSync(metafile, 'utf8'));
  const inputs = Object.keys(meta.inputs);
  const problems = [];
  for (const { pattern, why } of forbiddenInEdge) {
    const hits = inputs.filter((i) => pattern.test(i));
    if (hits.length > 0) problems.push(`${hits[0]}${hits.length > 1 ? ` (and ${hits.length - 1} more)` : ''}: ${why}`);
  }
  const result = { bytes: bundle.length, gzipBytes: gzipSync(bundle).length, inputs, problems };
  if (result.gzipBytes > edgeBudgetGzipBytes) {
    problems.push(`the bundle is ${kib(result.gzipBytes)} gzip, over its budget of ${kib(edgeBudgetGzipBytes)} (see ${metafile})`);
  }
  if (!quiet) {
    const wranglerLine = /Total Upload:.*$/m.exec(output)?.[0];
    process.stdout.write(`dist/edge/edge.js: ${kib(result.bytes)}, gzip ${kib(result.gzipBytes)}${wranglerLine ? ` (wrangler: ${wranglerLine})` : ''}\n`);
  }
  return result;
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildEdge();
  if (result.problems.length > 0) {
    process.stderr.write(`The edge bundle carries what it must not:\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
}
