import { loadEnvOrExit } from './platform/env';
import { createRuntime } from './app/runtime';

const env = loadEnvOrExit();
if (!env.REDIS_URL) {
  process.stderr.write('REDIS_URL is not set: without Redis, `npm start` runs the jobs in the server process.\n');
  process.exit(1);
}

const runtime = await createRuntime(env, { runWorkers: true });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(1), 8000);
  force.unref();
  await runtime.shutdown();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// said once the signals are handled: whoever reads this line may stop us at once
runtime.deps.log.info({ queues: runtime.modules.map((m) => m.queue) }, 'workers started');
process.stdout.write(`Switchboard workers running (${runtime.modules.map((m) => m.queue).join(', ')})\n`);
