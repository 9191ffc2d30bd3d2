/**
 * A worker process for the fault tests (`node --import tsx tests/helpers/fault-worker.ts`):
 * the BullMQ workers and the outbox relay on DATABASE_URL and REDIS_URL, with a short job
 * lock so a job it held when it was killed is handed out again within a second.
 */
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { createLogger } from '../../src/platform/logger';
import { emergencyTriage } from './fault-triage';

const env = parseEnv(process.env);
const runtime = await createRuntime(env, {
  runWorkers: true,
  relayIntervalMs: 50,
  reconcile: { everyMs: 300, staleAfterMs: 1000 },
  queueLockMs: Number(process.env.FAULT_LOCK_MS ?? 1000),
  backoffMs: 200,
  triage: () => emergencyTriage,
  log: createLogger({ level: 'silent' }),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => void runtime.shutdown().then(() => process.exit(0)));
