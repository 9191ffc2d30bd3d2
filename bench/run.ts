/**
 * npm run bench -- <name> [--json] [--duration SECONDS] [options of that benchmark]
 *
 * Benchmarks of the hot paths, run against the machine's Postgres and Redis (DATABASE_URL,
 * REDIS_URL, or the local ones); each makes its own database and drops it after. Never part of
 * `npm test`. See bench/README.md for what each measures and a recorded run.
 */
import { cleanUp } from './lib/scratch-db';

const benchmarks: Record<string, { about: string; load: () => Promise<{ run(argv: string[]): Promise<void> }> }> = {
  ingest: { about: 'signed Twilio SMS webhooks/s through the compiled server, against a bare one-row insert', load: () => import('./ingest/run') },
  pipeline: { about: 'webhook to triaged and routed (in the inbox API) at a steady rate, with workers on BullMQ: end-to-end p50/p99, queue depth, nothing lost', load: () => import('./pipeline/run') },
  inbox: { about: 'the inbox list, filters and search over many messages: p50/p99 per query and its plan', load: () => import('./inbox/run') },
  reminders: { about: 'due reminders through the send job to a stand-in for Twilio, paced per number', load: () => import('./reminders/run') },
  triage: { about: 'messages/s and peak memory of the classifier', load: () => import('./triage/run') },
};

const [name, ...rest] = process.argv.slice(2);
const bench = name ? benchmarks[name] : undefined;
if (!bench) {
  process.stderr.write(
    `usage: npm run bench -- <name> [--json] [--duration SECONDS] [...]\n\n${Object.entries(benchmarks)
      .map(([n, b]) => `  ${n.padEnd(10)} ${b.about}`)
      .join('\n')}\n`,
  );
  process.exit(name ? 2 : 0);
}
let code = 0;
try {
  await (await bench.load()).run(rest);
} catch (err) {
  process.stderr.write(`bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  code = 1;
} finally {
  await cleanUp();
}
process.exit(code);
