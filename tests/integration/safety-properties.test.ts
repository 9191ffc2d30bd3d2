// Property-based end-to-end test of issue 11's invariants: generated rule sets, generated
// message sequences (emergencies then routine follow-ups, thanks, opt-outs in English and
// Spanish, texts to a number no practice owns) and clock moves (into the night, across days, so
// reminders and held replies come due), run through the signed Twilio webhook, the REST API and
// the job runner. After every step:
//   1. nothing people-only is closed or rated down by automation, nor moved out of the urgent queue;
//   2. nothing is sent to a revoked contact (but the emergency answer and the one opt-out confirmation);
//   3. nothing automated is sent in quiet hours except safety answers (emergency, urgent
//      acknowledgement) and compliance answers (opt-out confirmation, HELP);
//   4. every webhook answered 200 left its message stored (in a practice, or held as unrouted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { consentEvents, contactPoints, conversations, messages, queues, unroutedMessages } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { localParts } from '../../src/platform/time';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import { makeAppointment, makePatient } from '../helpers/reminder-fixtures';
import type { PracticeView } from '../../src/practices/practices';
import type { TriageEngine } from '../../src/routing/triage-job';
import type { Rule } from '../../triage/routing/index';

/** Triage by keyword, so the test knows what each message is. */
const engine: TriageEngine = {
  triage: ({ text }) => {
    const t = text.toLowerCase();
    const emergency = /chest pain|dolor de pecho/.test(t);
    const urgent = /fever of 104|fiebre de 40/.test(t);
    const clinical = /is it safe|es seguro/.test(t);
    const intent = emergency || urgent || clinical ? 'clinical_question' : /stop|baja|manden/.test(t) ? 'opt_out' : /appointment|cita/.test(t) ? 'appointment_reschedule' : /hours|horario/.test(t) ? 'general_question' : 'other';
    return {
      intent,
      urgency: emergency ? 'emergency' : urgent ? 'urgent' : 'routine',
      confidence: 0.9,
      language: /hola|dolor|fiebre|gracias|manden|cita|horario|es seguro/.test(t) ? 'es' : 'en',
      entities: {},
      redFlags: emergency ? ['chest_pain'] : [],
      needsHuman: emergency || urgent || clinical,
    };
  },
};

const CLINICAL = ['I have chest pain and I am sweating', 'tengo dolor de pecho muy fuerte', 'my son has a fever of 104', 'is it safe to take ibuprofen with my lisinopril'];
const OPT_OUTS = ['please stop texting me', 'Stop sending me these messages', 'STOP', 'BAJA', 'no me manden más mensajes', 'CANCELAR'];
const ROUTINE = ['can I move my appointment to next week', 'quiero cambiar mi cita', 'what are your hours on friday', 'thank you', 'thanks', 'gracias', 'START', 'HELP', 'ok'];
const MESSAGES = [...CLINICAL, ...OPT_OUTS, ...ROUTINE];

type Step =
  | { kind: 'text'; body: string }
  | { kind: 'photo' }
  | { kind: 'stray'; body: string }
  | { kind: 'clock'; to: 'minutes' | 'night' | 'early' | 'morning' | 'day'; minutes: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...CLINICAL).map((body) => ({ kind: 'text' as const, body })) },
  { weight: 2, arbitrary: fc.constantFrom(...OPT_OUTS).map((body) => ({ kind: 'text' as const, body })) },
  { weight: 3, arbitrary: fc.constantFrom(...ROUTINE).map((body) => ({ kind: 'text' as const, body })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'photo' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(...MESSAGES).map((body) => ({ kind: 'stray' as const, body })) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('clock' as const), to: fc.constantFrom('minutes', 'night', 'early', 'morning', 'day') as fc.Arbitrary<'minutes'>, minutes: fc.integer({ min: 1, max: 180 }) }),
  },
);

const QUEUE_KEYS = ['urgent', 'general', 'scheduling', 'clinical', 'billing'];
const action = fc.oneof(
  fc.constant({ type: 'resolve' as const }),
  fc.integer({ min: 5, max: 600 }).map((minutes) => ({ type: 'snooze' as const, minutes })),
  fc.constantFrom(...QUEUE_KEYS).map((queue) => ({ type: 'assign_queue' as const, queue })),
  fc.integer({ min: 0, max: 5 }).map((priority) => ({ type: 'set_priority' as const, priority })),
  fc.constantFrom('hours', 'portal_signup', 'fax').map((template) => ({ type: 'reply_template' as const, template })),
  fc.constant({ type: 'add_tag' as const, tag: 'generated' }),
);
const condition = fc.oneof(
  fc.subarray(['clinical_question', 'opt_out', 'appointment_reschedule', 'general_question', 'other'] as const, { minLength: 1 }).map((ins) => ({ type: 'intent' as const, in: [...ins] })),
  fc.subarray(['routine', 'urgent', 'emergency'] as const, { minLength: 1 }).map((ins) => ({ type: 'urgency' as const, in: [...ins] })),
  fc.constantFrom('thank', 'gracias', 'appointment', 'pain', 'stop').map((k) => ({ type: 'keywords' as const, any: [k] })),
);
let ruleSeq = 0;
const rules: fc.Arbitrary<Rule[]> = fc.array(
  fc.record({ conditions: fc.array(condition, { maxLength: 2 }), actions: fc.array(action, { minLength: 1, maxLength: 3 }) }).map((r) => ({
    id: `gen-${++ruleSeq}`,
    name: 'generated',
    enabled: true,
    match: 'all' as const,
    conditions: r.conditions,
    actions: r.actions,
  })),
  { maxLength: 4 },
);

let h: Harness;
let p: PracticeView;
let manager: string;
const clock = new FakeClock('2026-03-02T15:00:00Z'); // Monday 10:00 in New York
const db = () => h.runtime.deps.db;
let phoneSeq = 0;

beforeAll(async () => {
  h = await startHarness({ clock, triage: () => engine, env: { SMS_RATE_PER_SECOND: '1000' } });
  p = await makePractice(db(), 'properties');
  manager = await tokenFor(db(), 'manager', p.id);
});
afterAll(() => h.close());

const SAFETY = ['emergency', 'urgent_ack'];
const COMPLIANCE = ['opt_out_confirm', 'opt_in_confirm', 'help'];
const quiet = (at: Date) => {
  const hour = localParts(at, p.timeZone).hour;
  return hour < 8 || hour >= 21;
};
const peopleOnly = (m: typeof messages.$inferSelect) => !!m.triage && (m.triage.urgency !== 'routine' || m.triage.needsHuman);

async function checkInvariants(phone: string, accepted: { sid: string; stray: boolean }[], seenUrgentQueue: Set<string>) {
  // 4. stored
  for (const a of accepted) {
    const [stored] = a.stray
      ? await db().select({ id: unroutedMessages.id }).from(unroutedMessages).where(eq(unroutedMessages.providerId, a.sid))
      : await db().select({ id: messages.id }).from(messages).where(eq(messages.providerId, a.sid));
    expect(stored, `webhook ${a.sid} was answered 200 but nothing was stored`).toBeDefined();
  }
  const [cp] = await db().select().from(contactPoints).where(and(eq(contactPoints.practiceId, p.id), eq(contactPoints.value, phone)));
  if (!cp) return;
  const convs = await db().select({ c: conversations, queue: queues.key }).from(conversations).leftJoin(queues, eq(queues.id, conversations.queueId)).where(eq(conversations.patientId, cp.patientId));
  for (const { c, queue } of convs) {
    const msgs = await db().select().from(messages).where(eq(messages.conversationId, c.id)).orderBy(asc(messages.createdAt));
    // 1. no person acts in these runs: every people-only message stays with people
    const unanswered = msgs.filter((m) => m.direction === 'inbound' && m.authorType === 'patient' && peopleOnly(m));
    if (unanswered.length > 0) {
      expect(c.status, `conversation ${c.id} holds people-only work`).toBe('open');
      expect(c.needsHuman).toBe(true);
      const worst = unanswered.some((m) => m.triage!.urgency === 'emergency') ? 'emergency' : unanswered.some((m) => m.triage!.urgency === 'urgent') ? 'urgent' : null;
      if (worst) {
        expect(queue).toBe('urgent');
        expect(c.urgency === 'emergency' || c.urgency === worst).toBe(true);
      }
      if (seenUrgentQueue.has(c.id)) expect(queue).toBe('urgent');
      if (queue === 'urgent') seenUrgentQueue.add(c.id);
    }
    // 2 and 3, for everything that went out
    const events = await db().select().from(consentEvents).where(eq(consentEvents.contactPointId, cp.id)).orderBy(asc(consentEvents.id));
    for (const m of msgs.filter((x) => x.direction === 'outbound' && x.kind === 'message' && ['sent', 'simulated', 'delivered', 'queued'].includes(x.status))) {
      const at = m.sentAt ?? m.createdAt;
      const template = m.meta.template ?? null;
      const last = events.filter((e) => e.purpose === (m.channel === 'email' ? 'email' : m.channel === 'voice' ? 'voice' : 'sms') && e.createdAt.getTime() <= at.getTime()).at(-1);
      if (last?.state === 'revoked' && m.contactPointId === cp.id) {
        expect(['emergency', 'opt_out_confirm', 'help'], `a ${template} went to a revoked contact`).toContain(template);
      }
      if (m.authorType === 'automation' && quiet(at)) {
        expect([...SAFETY, ...COMPLIANCE], `a ${template} went out at ${at.toISOString()} (quiet hours)`).toContain(template);
      }
    }
  }
}

describe('issue 11 invariants under generated rules, messages and clock moves', () => {
  it('hold after every step', async () => {
    await fc.assert(
      fc.asyncProperty(rules, fc.array(step, { minLength: 2, maxLength: 6 }), fc.boolean(), async (ruleSet, steps, withAppointment) => {
        clock.set(new Date(Date.UTC(2026, 2, 2 + (phoneSeq % 20), 15)));
        const save = await h.request('PUT', '/api/v1/rules', { token: manager, body: { practiceId: p.id, rules: ruleSet, note: 'generated' } });
        expect(save.status).toBe(200);
        const { patient, phone } = await makePatient(db(), p.id, { email: null, phone: `+1646555${String(1000 + ++phoneSeq).padStart(4, '0')}` });
        if (withAppointment) await makeAppointment(db(), { practiceId: p.id, patientId: patient.id, startsAt: new Date(clock.now().getTime() + 3 * 86_400_000), now: clock.now() });
        const accepted: { sid: string; stray: boolean }[] = [];
        const seenUrgent = new Set<string>();
        for (const s of steps) {
          if (s.kind === 'clock') {
            const local = localParts(clock.now(), p.timeZone);
            const base = clock.now().getTime() - (local.hour * 60 + local.minute) * 60_000;
            const at =
              s.to === 'minutes'
                ? clock.now().getTime() + s.minutes * 60_000
                : s.to === 'night'
                  ? base + (22 * 60 + (s.minutes % 60)) * 60_000
                  : s.to === 'early'
                    ? base + 24 * 3600_000 + (5 * 60 + (s.minutes % 60)) * 60_000
                    : s.to === 'morning'
                      ? base + 24 * 3600_000 + (8 * 60 + (s.minutes % 60)) * 60_000
                      : clock.now().getTime() + 86_400_000;
            clock.set(Math.max(at, clock.now().getTime() + 60_000));
          } else {
            clock.advance(30_000);
            const sid = fakeSid('SM');
            const to = s.kind === 'stray' ? '+19175550000' : p.phoneNumbers[0]!;
            const params =
              s.kind === 'photo'
                ? inboundSms(phone, to, '', { MessageSid: sid, NumMedia: '1', MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1', MediaContentType0: 'image/jpeg' })
                : inboundSms(phone, to, s.body, { MessageSid: sid });
            const res = await postTwilio(h, '/webhooks/twilio/sms', params);
            expect(res.status).toBe(200);
            accepted.push({ sid, stray: s.kind === 'stray' });
          }
          await h.drain();
          await h.drain();
          await checkInvariants(phone, accepted, seenUrgent);
        }
      }),
      { seed: 20260302, numRuns: 15, endOnFailure: true },
    );
  });
});
void inArray;
