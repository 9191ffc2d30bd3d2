/**
 * npm run bench -- reminders [--from appointments|messages] [--messages 100000] [--numbers 20] [--pace 50] [--duration 300] [--json]
 * npm run bench -- reminders --statements [--json]   (statements per reminder and per send: statements.ts)
 *
 * Appointment reminders through the real jobs on BullMQ workers in this process, sent by an
 * SMS sender that posts to a local HTTP stand-in for Twilio's Messages API. From appointments
 * (the default): N booked appointments and their due text reminders, planned as planReminders
 * plans them; the reminder job writes each text and the send job sends it. `--from messages`:
 * the send stage alone (the texts written, their send rows due). Each patient once texted one
 * of --numbers practice numbers, and their texts go from it; the pace is SMS_RATE_PER_SECOND
 * per number. Prints the achieved rate against the configured one (target within 2 %), the
 * per-number spread, texts sent twice and texts missed.
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { createLogger } from '../../src/platform/logger';
import { createPractice } from '../../src/practices/practices';
import { smsDeliverer } from '../../src/outreach/deliver/sms';
import type { SmsSender } from '../../channels/sms/sender';
import { benchArgs, numberArg } from '../lib/args';
import { reporter, round } from '../lib/report';
import { createScratchDatabase } from '../lib/scratch-db';
import { countStatements } from './statements';

/** a zone where it is now inside the outreach hours (08:00 to 21:00), so nothing waits for morning */
function daytimeZone(now: Date): string {
  for (const zone of ['UTC', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney', 'Europe/Berlin']) {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hour12: false, timeZone: zone }).format(now));
    if (hour >= 9 && hour <= 18) return zone;
  }
  return 'UTC';
}

export async function run(argv: string[]) {
  const args = benchArgs(argv, { messages: { type: 'string' }, numbers: { type: 'string' }, pace: { type: 'string' }, from: { type: 'string' }, statements: { type: 'boolean' } }, { duration: 300 });
  if (args.statements) return countStatements(args.json, daytimeZone(new Date()));
  const from = args.from ?? 'appointments';
  if (from !== 'appointments' && from !== 'messages') throw new Error('--from takes appointments or messages');
  const total = numberArg(args.messages, 'messages', 100_000);
  const numbers = numberArg(args.numbers, 'numbers', 20);
  const pace = numberArg(args.pace, 'pace', 50);
  const out = reporter(args.json);

  // the stand-in for Twilio: records every accepted text (from, idempotency key, when)
  const received: { from: string; key: string; at: number }[] = [];
  const standIn = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      received.push({ from: form.get('From') ?? '', key: String(req.headers['i-twilio-idempotency-token'] ?? ''), at: performance.now() });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued' }));
    });
  });
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', () => r()));
  const standInUrl = `http://127.0.0.1:${(standIn.address() as { port: number }).port}/2010-04-01/Accounts/ACbench/Messages.json`;
  const sender: SmsSender = {
    mode: 'live',
    async send(request) {
      const res = await fetch(standInUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'i-twilio-idempotency-token': request.idempotencyKey },
        body: new URLSearchParams({ From: request.from, To: request.to, Body: request.body }).toString(),
      });
      const json = (await res.json()) as { sid: string; status: string };
      return { providerId: json.sid, status: json.status };
    },
  };

  const scratch = await createScratchDatabase('reminders');
  const env = parseEnv({
    DATABASE_URL: scratch.url,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: scratch.name,
    SMS_RATE_PER_SECOND: String(pace),
    LOG_LEVEL: 'silent',
    DATA_DIR: `/tmp/${scratch.name}`,
    PUBLIC_BASE_URL: 'https://bench.switchboard.test',
  });
  const runtime = await createRuntime(env, {
    runWorkers: true,
    redisPrefix: scratch.name,
    log: createLogger({ level: 'silent' }),
    triage: () => ({ triage: () => { throw new Error('unused'); } }),
    deliverers: { sms: smsDeliverer(env, sender) },
  });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    const zone = daytimeZone(new Date());
    const phones = Array.from({ length: numbers }, (_, i) => `+1415557${String(1000 + i).padStart(4, '0')}`);
    const practice = await createPractice(runtime.deps.db, 'system', {
      name: 'Bench reminders',
      slug: 'bench-reminders',
      timeZone: zone,
      hours: { weekly: { mon: [{ open: '08:00', close: '17:00' }] }, closedDates: [] },
      phoneNumbers: phones,
      emailAddresses: [],
    });
    await sql`update practice_addresses set sms = true where practice_id = ${practice.id} and kind = 'phone'`;
    const t0 = performance.now();
    out.note(`writing ${total} due reminder texts over ${numbers} numbers (pace ${pace}/s each, zone ${zone})...`);
    // one multi-statement text (the simple protocol takes no parameters): values we made ourselves
    const phoneArray = `array[${phones.map((ph) => `'${ph}'`).join(',')}]`;
    // each patient once texted one of the practice's numbers: their texts go from that number
    await sql.unsafe(
      `
      insert into patients (id, practice_id, first_name, last_name, created_at, updated_at)
        select gen_random_uuid(), '${practice.id}'::uuid, 'Pat', 'Bench' || g, now(), now() from generate_series(1, ${Math.floor(total)}) g;
      insert into contact_points (practice_id, patient_id, kind, value, sms_consent, created_at)
        select practice_id, id, 'phone', '+1628' || lpad((row_number() over ())::text, 7, '0'), 'granted', now() from patients;
      insert into conversations (practice_id, patient_id, channel, status, last_message_at, created_at, updated_at)
        select practice_id, id, 'sms', 'resolved', now() - interval '30 days', now(), now() from patients;
      insert into messages (practice_id, conversation_id, direction, kind, channel, contact_point_id, from_address, to_address, body, status, author_type, created_at)
        select c.practice_id, c.id, 'inbound', 'message', 'sms', cp.id, cp.value, (${phoneArray})[1 + (row_number() over ()) % ${phones.length}],
               'thanks', 'received', 'patient', now() - interval '30 days'
          from conversations c join contact_points cp on cp.patient_id = c.patient_id;
      analyze;`,
    );
    const startedAt = new Date();
    if (from === 'messages') {
      // the send stage alone: the reminder texts written, their send rows due now
      await sql.unsafe(`
        insert into messages (practice_id, conversation_id, direction, kind, channel, contact_point_id, to_address, body, status, author_type, purpose, meta, created_at)
          select c.practice_id, c.id, 'outbound', 'message', 'sms', cp.id, cp.value,
                 'Reminder: your appointment at Bench reminders is tomorrow at 9:00. Reply C to confirm.', 'pending', 'automation', 'outreach',
                 '{"template": "reminder"}'::jsonb, now()
            from conversations c join contact_points cp on cp.patient_id = c.patient_id;`);
      await sql`insert into outbox (queue, payload, dedupe_key, status, run_at, created_at)
        select 'send', jsonb_build_object('messageId', id, 'requestId', null), 'send:' || id, 'pending', ${startedAt}, ${startedAt} from messages where direction = 'outbound'`;
    } else {
      // appointments two hours and a minute away, and their two-hours-before text reminders,
      // planned as planReminders plans them: the reminder row and its reminder-job outbox row,
      // due now. The reminder job writes each text; the send job sends it.
      await sql.unsafe(`
        insert into appointments (practice_id, patient_id, external_id, starts_at, duration_minutes, status, source, created_at, updated_at)
          select practice_id, id, 'bench-' || last_name, now() + interval '121 minutes', 30, 'booked', 'api', now(), now() from patients;
        insert into reminders (practice_id, appointment_id, patient_id, channel, offset_minutes, due_at, status, appointment_starts_at, created_at, updated_at)
          select practice_id, id, patient_id, 'sms', 120, now(), 'planned', starts_at, now(), now() from appointments;`);
      await sql`insert into outbox (queue, payload, dedupe_key, status, run_at, created_at)
        select 'reminder', jsonb_build_object('reminderId', id), 'reminder:' || id || ':' || (extract(epoch from due_at) * 1000)::bigint, 'pending', ${startedAt}, ${startedAt}
        from reminders`;
    }
    out.note(`written in ${((performance.now() - t0) / 1000).toFixed(1)} s; sending...`);
    const sendStart = performance.now();
    runtime.deps.relay.nudge();
    const deadline = sendStart + args.duration * 1000;
    while (received.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    // a moment for anything still in flight (a duplicate would show here)
    await new Promise((r) => setTimeout(r, 1000));
    const secondsAll = (performance.now() - sendStart) / 1000;
    const [counts] = await sql<{ sent: number; pending: number; other: number; deferred: number }[]>`
      select count(*) filter (where provider_id is not null)::int as sent,
             count(*) filter (where provider_id is null and status = 'pending')::int as pending,
             count(*) filter (where provider_id is null and status <> 'pending')::int as other,
             (select count(*)::int from outbox where queue = 'send' and last_error like '%pace%') as deferred
        from messages where direction = 'outbound'`;
    const keys = new Set(received.map((r) => r.key));
    const first = Math.min(...received.map((r) => r.at));
    const last = Math.max(...received.map((r) => r.at));
    const spanSeconds = (last - first) / 1000;
    const byNumber = new Map<string, number[]>();
    for (const r of received) byNumber.set(r.from, [...(byNumber.get(r.from) ?? []), r.at]);
    // the pace is per number: each number's own rate over its own span
    const rates = [...byNumber.values()].map((ts) => (ts.length - 1) / ((Math.max(...ts) - Math.min(...ts)) / 1000));
    const configured = pace * numbers;
    const achieved = (received.length - 1) / spanSeconds;
    out.row({
      bench: 'reminders',
      messages: total,
      numbers,
      configured_per_s: configured,
      achieved_per_s: round(achieved, 1),
      ratio: round(achieved / configured, 3),
      per_number_min: round(Math.min(...rates), 1),
      per_number_max: round(Math.max(...rates), 1),
      seconds: round(secondsAll, 1),
      sent: received.length,
      sent_twice: received.length - keys.size,
      missed: total - keys.size,
      stored_sent: counts!.sent,
      still_pending: counts!.pending,
      refused_or_failed: counts!.other,
      deferred_rows: counts!.deferred,
    });
    out.flush(`reminders: ${total} texts through the send job on BullMQ, ${numbers} numbers at ${pace}/s each (target: within 2 % of ${configured}/s, none twice, none missed)`);
  } finally {
    await sql.end();
    await runtime.shutdown();
    await new Promise<void>((r) => standIn.close(() => r()));
    await scratch.drop();
  }
}
