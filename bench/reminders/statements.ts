/**
 * npm run bench -- reminders --statements
 *
 * The statements one reminder and one send cost, counted at the driver (postgres.js's debug
 * hook): one due text reminder through the reminder job, then its text through the send job,
 * each inside the outbox wrapper every job runs in (the row's status read and its `done`), and
 * the live-events look-up after the job. The outbox relay (rows to Redis, in batches) is left
 * out. Prints each statement's first words, so a change shows where it went.
 */
import postgres from 'postgres';
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { createLogger } from '../../src/platform/logger';
import { createPractice } from '../../src/practices/practices';
import { smsDeliverer } from '../../src/outreach/deliver/sms';
import { createSendPacer, sendJob } from '../../src/outreach/send-job';
import { reminderJob } from '../../src/scheduling/reminders/reminder-job';
import { withOutbox } from '../../src/platform/jobs/outbox';
import { conversationOfJob } from '../../src/platform/events';
import type { JobDeps } from '../../src/platform/jobs/registry';
import type { JobContext } from '../../src/platform/jobs/queue';
import type { SmsSender } from '../../channels/sms/sender';
import { reporter } from '../lib/report';
import { createScratchDatabase } from '../lib/scratch-db';
import { countingDatabase } from '../../tests/helpers/statement-count';

/** `zone`: one where it is now inside the outreach hours, so the reminder goes at once */
export async function countStatements(json: boolean, zone: string) {
  const out = reporter(json);
  const scratch = await createScratchDatabase('statements');
  const env = parseEnv({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent', DATA_DIR: `/tmp/${scratch.name}`, PUBLIC_BASE_URL: 'https://bench.switchboard.test' });
  // migrated and seeded by a runtime without workers; the jobs below run on a counting client
  const runtime = await createRuntime(env, { runWorkers: false, log: createLogger({ level: 'silent' }) });
  const counting = countingDatabase(scratch.url);
  const db = counting.db;
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    const practice = await createPractice(runtime.deps.db, 'system', {
      name: 'Bench statements',
      slug: 'bench-statements',
      timeZone: zone,
      hours: { weekly: { mon: [{ open: '08:00', close: '17:00' }] }, closedDates: [] },
      phoneNumbers: ['+14155571000', '+14155571001'],
      emailAddresses: [],
    });
    await sql`update practice_addresses set sms = true where practice_id = ${practice.id} and kind = 'phone'`;
    // as the reminders bench writes them: a patient who once texted the second number, an
    // appointment 2 h 1 min away, its reminder due now and the reminder's outbox row
    const [row] = await sql<{ reminder_id: string }[]>`
      with p as (insert into patients (practice_id, first_name, last_name, created_at, updated_at) values (${practice.id}, 'Pat', 'Bench', now(), now()) returning id, practice_id),
        cp as (insert into contact_points (practice_id, patient_id, kind, value, sms_consent, created_at) select practice_id, id, 'phone', '+16280000001', 'granted', now() from p returning id, patient_id, value),
        c as (insert into conversations (practice_id, patient_id, channel, status, last_message_at, created_at, updated_at)
                select practice_id, id, 'sms', 'resolved', now() - interval '30 days', now(), now() from p returning id, practice_id, patient_id),
        m as (insert into messages (practice_id, conversation_id, direction, kind, channel, contact_point_id, from_address, to_address, body, status, author_type, created_at)
                select c.practice_id, c.id, 'inbound', 'message', 'sms', cp.id, cp.value, '+14155571001', 'thanks', 'received', 'patient', now() - interval '30 days' from c join cp on cp.patient_id = c.patient_id),
        a as (insert into appointments (practice_id, patient_id, external_id, starts_at, duration_minutes, status, source, created_at, updated_at)
                select practice_id, id, 'bench-1', now() + interval '121 minutes', 30, 'booked', 'api', now(), now() from p returning id, practice_id, patient_id, starts_at)
      insert into reminders (practice_id, appointment_id, patient_id, channel, offset_minutes, due_at, status, appointment_starts_at, created_at, updated_at)
        select practice_id, id, patient_id, 'sms', 120, now(), 'planned', starts_at, now(), now() from a returning id as reminder_id`;
    const reminderId = row!.reminder_id;
    const [reminderOutbox] = await sql<{ id: string }[]>`
      insert into outbox (queue, payload, dedupe_key, status, run_at, created_at)
      values ('reminder', ${sql.json({ reminderId })}, ${`reminder:${reminderId}`}, 'enqueued', now(), now()) returning id`;

    const deps: JobDeps = { ...runtime.deps, db, relay: { nudge() {} } as unknown as JobDeps['relay'] };
    const sender: SmsSender = { mode: 'live', send: async () => ({ providerId: `SM${Date.now()}`, status: 'queued' }) };
    const modules = { reminder: reminderJob(), send: sendJob({ ...({} as Parameters<typeof sendJob>[0]), sms: smsDeliverer(env, sender) }, createSendPacer({ perSecond: 1000 })) };
    const runOne = async (queue: 'reminder' | 'send', data: JobContext['data']) => {
      counting.statements.length = 0;
      const job = { queue, id: '1', data, attempt: 1, finalAttempt: false } as unknown as JobContext;
      await withOutbox(deps, (j) => modules[queue].exec(deps, j as never))(job);
      await conversationOfJob(db, queue, data);
      return counting.statements.map((q) => q.replace(/\s+/g, ' ').trim());
    };

    const reminderStatements = await runOne('reminder', { reminderId, outboxId: Number(reminderOutbox!.id) });
    const [sendOutbox] = await sql<{ id: string; message_id: string }[]>`
      select id, payload->>'messageId' as message_id from outbox where queue = 'send' order by id desc limit 1`;
    await sql`update outbox set status = 'enqueued' where id = ${sendOutbox!.id}`;
    const sendStatements = await runOne('send', { messageId: sendOutbox!.message_id, outboxId: Number(sendOutbox!.id) });
    const [check] = await sql<{ status: string }[]>`select status from reminders where id = ${reminderId}`;
    if (check?.status !== 'sent') throw new Error(`the reminder ended ${check?.status}, not sent: the count is of a different path`);

    const show = (name: string, list: string[]) => {
      out.note(`${name}: ${list.length} statements (outbox wrapper and live-events look-up included)`);
      for (const [i, q] of list.entries()) out.note(`  ${String(i + 1).padStart(2)}. ${q.slice(0, 150)}`);
    };
    show('reminder job', reminderStatements);
    show('send job', sendStatements);
    out.row({ bench: 'reminders-statements', reminder_job: reminderStatements.length, send_job: sendStatements.length, per_text: reminderStatements.length + sendStatements.length });
    out.flush('statements per reminder and per send, at the driver (the outbox relay left out)');
  } finally {
    await sql.end();
    await counting.close();
    await runtime.shutdown();
    await scratch.drop();
  }
}
