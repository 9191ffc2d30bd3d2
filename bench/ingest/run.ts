/**
 * npm run bench -- ingest [--duration 20] [--connections 50] [--warmup 3] [--json] [--profile DIR]
 *
 * Signed Twilio SMS webhooks (signed as Twilio signs them, before the clock starts) at a fixed
 * number of keep-alive connections through the real HTTP server, compiled as `npm start` runs
 * it, into Postgres and the outbox. HTTP-only mode, as behind a load balancer: REDIS_URL is
 * set and no worker runs, so jobs wait in the outbox. In the same run and at the same
 * concurrency, the ceiling: a bare Hono server doing one prepared single-row insert through
 * postgres.js (baseline-server.mjs). Target: ratio at least 0.6, p99 under 25 ms when idle.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { signTwilioRequest } from '../../channels/sms/verify';
import { benchArgs, numberArg } from '../lib/args';
import { formPost, runLoad, type LoadResult } from '../lib/load';
import { benchTwilio, distEntry, ensureBuilt, freePort, startProcess, switchboardEnv } from '../lib/processes';
import { percentile, reporter, round } from '../lib/report';
import { createScratchDatabase } from '../lib/scratch-db';
import { backendPids, cpuMeter } from '../lib/cpu';

const path = '/webhooks/twilio/sms';
const { authToken, publicBase } = benchTwilio;

export async function run(argv: string[]) {
  const args = benchArgs(argv, { connections: { type: 'string' }, warmup: { type: 'string' }, profile: { type: 'string' } }, { duration: 20 });
  const connections = numberArg(args.connections, 'connections', 50);
  const warmup = args.warmup === undefined ? 3 : Number(args.warmup);
  const out = reporter(args.json);
  await ensureBuilt();

  const db = await createScratchDatabase('ingest');
  const port = freePort();
  const logFile = join(tmpdir(), `${db.name}.log`);
  const server = await startProcess([distEntry('server')], {
    name: 'switchboard',
    readyWhen: 'API docs',
    logFile,
    nodeArgs: typeof args.profile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
    // HTTP only: a Redis URL means no job runs in this process; no worker is started
    env: switchboardEnv(db, port),
  });
  const basePort = freePort();
  const baseline = await startProcess([fileURLToPath(new URL('./baseline-server.mjs', import.meta.url))], {
    name: 'baseline',
    readyWhen: 'baseline listening',
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(basePort) },
  });

  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const [practicePhone] = await sql<{ value: string }[]>`select value from practice_addresses where kind = 'phone' limit 1`;
  if (!practicePhone) throw new Error('the server seeded no practice phone number');

  // every webhook is a new message (a retried MessageSid is the cheaper duplicate path) from
  // one of 5,000 patients, so most find their patient and conversation as in steady traffic
  const run = randomBytes(3).toString('hex');
  let n = 0;
  const sign = () => {
    const i = n++;
    const params = {
      AccountSid: 'ACbench',
      ApiVersion: '2010-04-01',
      MessageSid: `SM${run}${i.toString(16).padStart(26, '0')}`,
      SmsSid: `SM${run}${i.toString(16).padStart(26, '0')}`,
      From: `+1415555${String(i % 5000).padStart(4, '0')}`,
      To: practicePhone.value,
      Body: i % 3 === 0 ? 'hi can i get a refill on my lisinopril please' : i % 3 === 1 ? 'what time do you open tomorrow?' : 'I need to reschedule my appointment on Thursday',
      NumMedia: '0',
      NumSegments: '1',
      FromCountry: 'US',
      ToCountry: 'US',
    };
    const signature = signTwilioRequest(authToken, publicBase + path, params);
    return formPost(path, new URLSearchParams(params).toString(), { 'x-twilio-signature': signature });
  };
  // signed before the clock starts; past the pool (a very fast run) requests are signed as sent
  const pool = Array.from({ length: Math.min(400_000, Math.ceil((args.duration + warmup) * 6000)) }, sign);
  out.note(`signed ${pool.length} webhooks; ${connections} connections, ${warmup} s warm-up then ${args.duration} s per server`);
  const fromPool = () => {
    let i = 0;
    return () => (i < pool.length ? pool[i++]! : sign());
  };

  // where the time goes: CPU seconds of the HTTP process and of its Postgres backends, per request
  const load = async (p: number, pid: number, application: string) => {
    const node = cpuMeter(() => [pid]);
    const pg = cpuMeter(() => backendPids(sql, db.name, application));
    const [stopNode, stopPg] = [await node(), await pg()];
    const client = process.cpuUsage();
    const result = await runLoad({ port: p, connections, durationSeconds: args.duration, warmupSeconds: warmup, nextRequest: fromPool() });
    const clientUsed = process.cpuUsage(client);
    const [nodeCpu, pgCpu] = [await stopNode(), await stopPg()];
    // the warm-up's requests are not counted in `result`, so its CPU is spread over the measured ones: an upper bound
    const sent = result.requests * ((result.seconds + warmup) / result.seconds);
    return { result, cpu: { node: nodeCpu / sent, pg: pgCpu / sent, client: (clientUsed.user + clientUsed.system) / 1e6 / sent } };
  };
  out.note('baseline: bare one-row insert...');
  const base = await load(basePort, baseline.process.pid!, 'postgres.js');
  out.note('switchboard: POST /webhooks/twilio/sms...');
  const sb = await load(port, server.process.pid!, 'switchboard');

  const [stored] = await sql<{ messages: number; outbox: number }[]>`
    select (select count(*)::int from messages where direction = 'inbound') as messages,
           (select count(*)::int from outbox where queue = 'triage') as outbox`;
  await sql.end();
  await baseline.stop();
  await server.stop();
  await db.drop();

  const row = (name: string, { result: r, cpu }: { result: LoadResult; cpu: { node: number; pg: number; client: number } }) => ({
    bench: 'ingest',
    server: name,
    connections,
    seconds: round(r.seconds, 1),
    requests: r.requests,
    rps: Math.round(r.rps),
    p50_ms: round(percentile(r.latencies, 50), 2),
    p90_ms: round(percentile(r.latencies, 90), 2),
    p99_ms: round(percentile(r.latencies, 99), 2),
    max_ms: round(percentile(r.latencies, 100), 1),
    errors: r.errors,
    node_cpu_ms_per_req: round(cpu.node * 1000, 3),
    pg_cpu_ms_per_req: round(cpu.pg * 1000, 3),
    client_cpu_ms_per_req: round(cpu.client * 1000, 3),
  });
  out.row(row('baseline (bare insert)', base));
  out.row({
    ...row('switchboard', sb),
    baseline_rps: Math.round(base.result.rps),
    ratio: round(sb.result.rps / base.result.rps, 3),
    stored_messages: stored!.messages,
    triage_outbox_rows: stored!.outbox,
  });
  if (sb.result.errors) out.note(`switchboard answered ${JSON.stringify(sb.result.statuses)} (not 2xx); its log: ${logFile}`);
  out.flush(`ingest: signed Twilio SMS webhooks, ${connections} connections (target: ratio >= 0.6, p99 < 25 ms on an idle machine, no errors)`);
}
