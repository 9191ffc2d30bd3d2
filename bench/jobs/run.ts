/**
 * Jobs/s through the transactional outbox: rows written, relayed to the queue, run by a
 * no-op handler, and marked done. Runs on BullMQ (REDIS_URL or the local Redis) and on the
 * in-process runner, against Postgres (DATABASE_URL or the local one) in a scratch database.
 *
 *   npm run bench:jobs [-- --jobs 5000]
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { outbox } from '../../src/platform/db/schema';
import { createLogger } from '../../src/platform/logger';
import type { JobModule } from '../../src/platform/jobs/registry';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '5000' } } });
const total = Number(values.jobs);
const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function run(kind: 'bullmq' | 'in-process') {
  const name = `sb_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let done = 0;
  const noop: JobModule = { queue: 'bench', worker: { concurrency: 16 }, async exec() { done++; } };
  const runtime = await createRuntime(
    parseEnv({ DATABASE_URL: url.toString(), REDIS_URL: kind === 'bullmq' ? redisUrl : '', LOG_LEVEL: 'silent', DATA_DIR: '/tmp/sb-bench' }),
    { runWorkers: true, relayIntervalMs: 20, redisPrefix: `sbbench-${name}`, extraModules: [noop], log: createLogger({ level: 'silent' }), triage: () => ({ triage: () => { throw new Error('unused'); } }) },
  );
  const db = runtime.deps.db;
  const started = performance.now();
  const now = new Date();
  for (let i = 0; i < total; i += 500) {
    await db.insert(outbox).values(
      Array.from({ length: Math.min(500, total - i) }, (_, k) => ({ queue: 'bench', payload: { n: i + k }, runAt: now })),
    );
  }
  const written = performance.now();
  for (;;) {
    const [row] = await db.select({ n: count() }).from(outbox).where(and(eq(outbox.queue, 'bench'), eq(outbox.status, 'done')));
    if (Number(row!.n) >= total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const finished = performance.now();
  const rss = process.memoryUsage().rss;
  await runtime.shutdown();
  await admin.unsafe(`drop database ${name} with (force)`);
  await admin.end();
  const secs = (finished - started) / 1000;
  console.log(
    `${kind.padEnd(10)} ${total} jobs: ${(total / secs).toFixed(0)} jobs/s end to end (write ${((written - started) / 1000).toFixed(2)} s, total ${secs.toFixed(2)} s), handler ran ${done}, rss ${(rss / 1048576).toFixed(0)} MB`,
  );
}

await run('in-process');
await run('bullmq');
process.exit(0);
