/**
 * npm run bench -- pipeline [--rate 500] [--duration 60] [--workers 1] [--connections 64] [--drain 120] [--json] [--profile DIR]
 *
 * Webhook to triaged and routed, as deployed: the compiled HTTP server in HTTP-only mode and
 * `--workers` compiled worker processes on BullMQ (the relay, the triage job, routing, replies),
 * on a database and queue prefix of their own. Signed Twilio SMS webhooks arrive at a steady
 * rate (open loop: each is due at its time whatever the server does), from 5,000 patients.
 *
 * End to end, per message: from the moment its webhook was due to the moment its triage
 * outbox row was marked done (after the triage, the routing, the reply and notices were
 * committed: the moment the inbox API shows it triaged and in its queue). Printed: p50/p90/p99
 * and max; the queue depth every few seconds (outbox rows not yet relayed, jobs in BullMQ
 * not yet done); and whether anything was lost: every webhook answered 2xx is a stored
 * message, every message triaged, every triage row done, and every conversation is in the
 * inbox API (paged through with an admin token) with its intent. Target: p99 under 1 s.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { signTwilioRequest } from '../../channels/sms/verify';
import { benchArgs, numberArg } from '../lib/args';
import { formPost, runPaced } from '../lib/load';
import { benchTwilio, distEntry, ensureBuilt, freePort, startProcess, switchboardEnv } from '../lib/processes';
import { percentile, reporter, round } from '../lib/report';
import { createScratchDatabase } from '../lib/scratch-db';

const path = '/webhooks/twilio/sms';
const { authToken, publicBase } = benchTwilio;

/** what patients write: routine questions, refills, rescheduling, and now and then something urgent */
const bodies = [
  'hi can i get a refill on my lisinopril please',
  'what time do you open tomorrow?',
  'I need to reschedule my appointment on Thursday',
  'necesito una cita para mi hijo la proxima semana',
  'my insurance changed, do you need the new card?',
  'can you send my lab results to my email',
  'I have had a fever of 101 for three days and a bad cough',
  'chest pain and my left arm feels numb',
];

export async function run(argv: string[]) {
  const args = benchArgs(
    argv,
    { rate: { type: 'string' }, workers: { type: 'string' }, connections: { type: 'string' }, drain: { type: 'string' }, profile: { type: 'string' } },
    { duration: 60 },
  );
  const rate = numberArg(args.rate, 'rate', 500);
  const workers = Math.round(numberArg(args.workers, 'workers', 1));
  const connections = Math.round(numberArg(args.connections, 'connections', 64));
  const drainSeconds = numberArg(args.drain, 'drain', 120);
  const out = reporter(args.json);
  await ensureBuilt();

  const db = await createScratchDatabase('pipeline');
  const port = freePort();
  const logFile = join(tmpdir(), `${db.name}.log`);
  const env = switchboardEnv(db, port, {
    // automatic replies go out at the provider's pace; a high one, so the bench measures triage and routing, not the pacing
    SMS_RATE_PER_SECOND: '1000',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  });
  const server = await startProcess([distEntry('server')], { name: 'switchboard', readyWhen: 'API docs', logFile, env });
  const workerProcs = [];
  for (let w = 0; w < workers; w++) {
    workerProcs.push(
      await startProcess([distEntry('worker')], {
        name: `worker ${w + 1}`,
        readyWhen: 'workers running',
        logFile,
        env,
        nodeArgs: typeof args.profile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
      }),
    );
  }
  const made = spawnSync(process.execPath, [distEntry('cli'), 'tokens', 'create', '--role', 'admin', '--name', 'pipeline bench'], { env, encoding: 'utf8' });
  const token = made.stdout.trim().split('\n').at(-1);
  if (made.status !== 0 || !token) throw new Error(`could not make an API token: ${made.stderr}`);

  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  const [practicePhone] = await sql<{ value: string }[]>`select value from practice_addresses where kind = 'phone' limit 1`;
  if (!practicePhone) throw new Error('the server seeded no practice phone number');

  const runId = randomBytes(3).toString('hex');
  const sid = (i: number) => `SM${runId}${i.toString(16).padStart(26, '0')}`;
  const request = (i: number) => {
    const params = {
      AccountSid: 'ACbench',
      ApiVersion: '2010-04-01',
      MessageSid: sid(i),
      SmsSid: sid(i),
      From: `+1415555${String(i % 5000).padStart(4, '0')}`,
      To: practicePhone.value,
      Body: bodies[i % bodies.length]!,
      NumMedia: '0',
      NumSegments: '1',
      FromCountry: 'US',
      ToCountry: 'US',
    };
    return formPost(path, new URLSearchParams(params).toString(), { 'x-twilio-signature': signTwilioRequest(authToken, publicBase + path, params) });
  };
  // signed before the clock starts
  const scheduled = Math.round(rate * args.duration);
  const requests = Array.from({ length: scheduled }, (_, i) => request(i));
  const dueWall = new Float64Array(scheduled);

  // queue depth: outbox triage rows not yet relayed (pending) and relayed but not done (enqueued: in BullMQ)
  const depth: { t: number; pending: number; inQueue: number; done: number }[] = [];
  const t0 = Date.now();
  const sampleDepth = async () => {
    const [r] = await sql<{ pending: number; enqueued: number; done: number }[]>`
      select count(*) filter (where status = 'pending')::int as pending,
             count(*) filter (where status = 'enqueued')::int as enqueued,
             count(*) filter (where status = 'done')::int as done
      from outbox where queue = 'triage'`;
    depth.push({ t: (Date.now() - t0) / 1000, pending: r!.pending, inQueue: r!.enqueued, done: r!.done });
    return r!;
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sampleDepth();
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();

  // an assistant's inbox list while the load runs: its latency under load
  const inboxLatency: number[] = [];
  let polling = true;
  const inboxUrl = `http://127.0.0.1:${port}/api/v1/inbox?limit=50`;
  const poller = (async () => {
    while (polling) {
      const s = performance.now();
      const res = await fetch(inboxUrl, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.ok) inboxLatency.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  out.note(`${scheduled} signed webhooks at ${rate}/s for ${args.duration} s over ${connections} connections; ${workers} worker process(es)`);
  const load = await runPaced({
    port,
    connections,
    rate,
    durationSeconds: args.duration,
    request: (i) => requests[i]!,
    onScheduled: (i, due) => (dueWall[i] = due),
  });
  out.note(`sent: ${load.requests} answered, ${load.errors} errors; waiting up to ${drainSeconds} s for the workers to finish...`);

  // drain: until every triage row is done (or dead), or the time is up
  const drainStart = Date.now();
  let drained = false;
  while (Date.now() - drainStart < drainSeconds * 1000) {
    const [r] = await sql<{ open: number }[]>`select count(*)::int as open from outbox where queue = 'triage' and status in ('pending', 'enqueued')`;
    if (r!.open === 0) {
      drained = true;
      break;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  sampling = false;
  polling = false;
  await Promise.all([sampler, poller]);
  await sampleDepth();

  // end to end: due time of the webhook to its triage row's done time
  const rows = await sql<{ provider_id: string; finished_ms: number | null; status: string | null; triaged: boolean }[]>`
    select m.provider_id, extract(epoch from o.finished_at) * 1000 as finished_ms, o.status, m.triage is not null as triaged
    from messages m left join outbox o on o.dedupe_key = 'triage:' || m.id
    where m.direction = 'inbound' and m.channel = 'sms'`;
  const prefix = `SM${runId}`;
  const e2e: number[] = [];
  let untriaged = 0;
  let notDone = 0;
  for (const r of rows) {
    if (!r.provider_id?.startsWith(prefix)) continue;
    const i = parseInt(r.provider_id.slice(prefix.length), 16);
    if (!r.triaged) untriaged++;
    if (r.status !== 'done' || r.finished_ms === null) {
      notDone++;
      continue;
    }
    e2e.push(Number(r.finished_ms) - dueWall[i]!);
  }
  const stored = rows.filter((r) => r.provider_id?.startsWith(prefix)).length;
  const answered2xx = load.requests - Object.values(load.statuses).reduce((a, b) => a + b, 0);

  // the inbox API: every conversation of these messages, with its intent, paged through
  const convs = await sql<{ id: string }[]>`select distinct conversation_id as id from messages where direction = 'inbound' and channel = 'sms'`;
  const seen = new Map<string, { intent: string | null; queue: unknown }>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await fetch(`http://127.0.0.1:${port}/api/v1/inbox?status=all&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`inbox API answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { data: { id: string; intent: string | null; queue: unknown }[]; nextCursor: string | null };
    for (const item of page.data) seen.set(item.id, { intent: item.intent, queue: item.queue });
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10_000);
  const missingInInbox = convs.filter((c) => !seen.has(c.id)).length;
  const withoutIntent = convs.filter((c) => seen.get(c.id) && seen.get(c.id)!.intent === null).length;
  const [outbound] = await sql<{ n: number }[]>`select count(*)::int as n from messages where direction = 'outbound'`;

  await sql.end();
  for (const w of workerProcs) await w.stop();
  await server.stop();
  await db.drop();

  const sorted = Float64Array.from(e2e).sort();
  const lost = answered2xx - stored + untriaged + notDone + missingInInbox;
  out.row({
    bench: 'pipeline',
    rate,
    seconds: args.duration,
    workers,
    webhooks: scheduled,
    answered_2xx: answered2xx,
    errors: load.errors,
    webhook_p50_ms: round(percentile(load.latencies, 50), 1),
    webhook_p99_ms: round(percentile(load.latencies, 99), 1),
    // webhooks due but waiting for a free connection at once: the server fell behind taking them
    max_send_backlog: load.maxBacklog,
    e2e_p50_ms: round(percentile(sorted, 50), 0),
    e2e_p90_ms: round(percentile(sorted, 90), 0),
    e2e_p99_ms: round(percentile(sorted, 99), 0),
    e2e_max_ms: round(percentile(sorted, 100), 0),
    drained,
    drain_s: round((Date.now() - drainStart) / 1000, 1),
    max_queue_depth: Math.max(...depth.map((d) => d.pending + d.inQueue)),
    stored,
    untriaged,
    triage_not_done: notDone,
    conversations: convs.length,
    missing_in_inbox: missingInInbox,
    inbox_without_intent: withoutIntent,
    auto_replies: outbound!.n,
    inbox_api_p50_ms: round(percentile(Float64Array.from(inboxLatency).sort(), 50), 1),
    inbox_api_p99_ms: round(percentile(Float64Array.from(inboxLatency).sort(), 99), 1),
    lost,
  });
  out.flush(`pipeline: webhook to triaged and routed at ${rate}/s for ${args.duration} s (target: e2e p99 < 1 s, nothing lost)`);

  // the queue depth over time, every ~5 s (and the last sample)
  const every = depth.filter((_, i) => i % 5 === 0 || i === depth.length - 1);
  const depthOut = reporter(args.json);
  for (const d of every) depthOut.row({ bench: 'pipeline_depth', t_s: round(d.t, 0), outbox_pending: d.pending, in_bullmq: d.inQueue, done: d.done });
  depthOut.flush('queue depth (triage): outbox rows not yet relayed, jobs relayed and not done');
  if (lost > 0 || load.errors > 0) out.note(`something went wrong: see the logs in ${logFile}`);
}
