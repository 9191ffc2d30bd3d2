import { serve } from '@hono/node-server';
import { loadEnvOrExit } from './platform/env';
import { DatabaseBusyError } from './platform/db/client';
import { createApp } from './app/create-app';
import { createRuntime } from './app/runtime';
import { seedIfEmpty } from './app/seed';

const env = loadEnvOrExit();

async function main() {
  // embedded mode (no REDIS_URL) runs the job handlers here; with Redis, `npm run worker` does
  const runtime = await createRuntime(env, { runWorkers: !env.REDIS_URL });
  const { deps } = runtime;
  const seeded = await seedIfEmpty(deps.db, deps.clock, deps.blobs);
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST });
  // print where to go only once connections are taken
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });

  const base = env.PUBLIC_BASE_URL;
  const lines = [
    `Switchboard is listening on port ${env.PORT} (${deps.database.kind === 'pglite' ? `embedded database in ${deps.database.location}` : `Postgres at ${deps.database.location}`}; jobs: ${deps.queue.kind}; sending: ${env.SEND_MODE})`,
    `  console:  ${base}/`,
    `  API docs: ${base}/api/docs`,
  ];
  if (seeded) {
    lines.push(
      `Seeded the demo practice. Sign in as ${seeded.email} with password: ${seeded.password}`,
      '  (shown once; reset it with: npm run cli -- users password --email ' + seeded.email + ')',
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    // open consoles' event streams end first, or the server would wait for them
    await deps.events?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // said once the signals are handled: whoever reads this may stop us at once
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err) => {
  if (err instanceof DatabaseBusyError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`Port ${env.PORT} is in use; set PORT to another port.\n`);
    process.exit(1);
  }
  process.stderr.write(`Switchboard failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
