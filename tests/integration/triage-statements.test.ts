import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { messages } from '../../src/platform/db/schema';
import { triageJob } from '../../src/routing/triage-job';
import type { JobDeps } from '../../src/platform/jobs/registry';
import type { OutboxRelay } from '../../src/platform/jobs/outbox';
import { demoPractice, seedDemo } from '../../src/app/seed';
import { loadDefaultTriage } from '../../triage/index';
import { startHarness, type Harness } from '../helpers/harness';
import { countingDatabase } from '../helpers/statement-count';
import { inboundSms, postTwilio } from '../helpers/twilio';

/*
 * What one triage job costs at the driver, per kind of text (the pipeline bench's texts, from
 * a patient writing for the first time to the seeded demo practice): the worker is CPU-bound
 * on the number of statements (bench/README.md, pipeline), so the count is pinned here and
 * cannot grow back unnoticed. Webhook ingest, outbox relay and the live-event lookup are not
 * part of the job and are not counted.
 */
const engine = loadDefaultTriage();
let h: Harness;
beforeAll(async () => {
  if (!inject('templateDatabase')) return;
  h = await startHarness({ triage: () => engine, runWorkers: false });
  await seedDemo(h.runtime.deps.db, h.clock);
});
afterAll(() => h?.close());

let phone = 0;
async function countTriageJob(body: string) {
  const from = `+1202555${String(1000 + ++phone)}`;
  const res = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(from, demoPractice.phoneNumbers[0]!, body));
  expect(res.status).toBe(200);
  const [m] = await h.runtime.deps.db.select({ id: messages.id }).from(messages).where(eq(messages.body, body));
  const counting = countingDatabase(h.env.DATABASE_URL!);
  try {
    const deps: JobDeps = { ...h.runtime.deps, db: counting.db, relay: { nudge() {} } as unknown as OutboxRelay, events: undefined };
    await triageJob(() => engine).exec(deps, { queue: 'triage', id: 'count', data: { messageId: m!.id }, attempt: 1, finalAttempt: false });
    const [after] = await h.runtime.deps.db.select({ triage: messages.triage }).from(messages).where(eq(messages.id, m!.id));
    if (process.env.SHOW_STATEMENTS) console.log(`${body}: ${counting.statements.length}\n  ${counting.statements.join('\n  ')}`);
    return { statements: counting.statements, triage: after!.triage! };
  } finally {
    await counting.close();
  }
}

// counted on postgres.js: with no Postgres here the harness runs on PGlite and there is nothing to count
describe.skipIf(!inject('templateDatabase'))('statements per triage job', () => {
  it('a refill request', async () => {
    const { statements, triage } = await countTriageJob('hi can i get a refill on my lisinopril please');
    expect(triage.intent).toBe('refill_request');
    expect(statements).toHaveLength(13);
  });

  it('a reschedule request', async () => {
    const { statements, triage } = await countTriageJob('I need to reschedule my appointment on Thursday');
    expect(triage.intent).toBe('appointment_reschedule');
    expect(statements).toHaveLength(11);
  });

  it('an opening-hours question answered automatically', async () => {
    const { statements, triage } = await countTriageJob('what time do you open tomorrow?');
    expect(triage.intent).toBe('general_question');
    // 20 when pinned; the automatic reply's insert no longer looks its idempotency key up first (reminder-rate)
    expect(statements).toHaveLength(19);
  });

  it('an emergency', async () => {
    const { statements, triage } = await countTriageJob('chest pain and my left arm feels numb');
    expect(triage.urgency).toBe('emergency');
    expect(statements).toHaveLength(20);
  });
});
