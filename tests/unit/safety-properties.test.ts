// Property-based tests of the two pure rules every automated path and every sender go through:
// the people-only gate (inbox/people-only.ts) and the outreach policy (outreach/outreach-policy.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decideAutomation, isPeopleOnly, summarise, type AutomationChange, type AwaitingMessage, type ConversationState } from '../../src/inbox/people-only';
import { mayContact, type PolicyQuestion } from '../../src/outreach/outreach-policy';
import { localParts } from '../../src/platform/time';
import { intents, type TriageResult, type Urgency } from '../../triage/types';

const params = { seed: 11, numRuns: 800 } as const;
const rank: Record<Urgency, number> = { routine: 0, urgent: 1, emergency: 2 };

const urgency = fc.constantFrom<Urgency>('routine', 'urgent', 'emergency');
const triage: fc.Arbitrary<TriageResult | null> = fc.option(
  fc.record({
    intent: fc.constantFrom(...intents),
    urgency,
    confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    language: fc.constantFrom<'en' | 'es'>('en', 'es'),
    entities: fc.constant({}),
    redFlags: fc.constant([] as string[]),
    needsHuman: fc.boolean(),
  }),
  { freq: 5 },
);
const meta = fc.constantFrom({}, { keyword: 'stop' }, { kind: 'missed_call' as const }, { kind: 'voicemail' as const });
const awaiting: fc.Arbitrary<AwaitingMessage[]> = fc
  .array(fc.record({ triage, meta }), { maxLength: 6 })
  .map((ms) => ms.map((m, i) => ({ id: `m${i}`, createdAt: new Date(Date.UTC(2026, 0, 5, 14, i)), triage: m.triage, meta: m.meta })));
const QUEUES = ['urgent', 'general', 'scheduling', 'clinical', null] as const;
const state: fc.Arbitrary<ConversationState & { queueKey: (typeof QUEUES)[number] }> = fc
  .record({
    status: fc.constantFrom('open', 'pending', 'snoozed', 'resolved') as fc.Arbitrary<ConversationState['status']>,
    queueKey: fc.constantFrom(...QUEUES),
    urgency: fc.option(urgency),
    needsHuman: fc.boolean(),
    priority: fc.integer({ min: 0, max: 120 }),
  })
  .map((s) => ({ ...s, queueId: s.queueKey, inUrgentQueue: s.queueKey === 'urgent' }));
const change: fc.Arbitrary<AutomationChange> = fc.record(
  {
    status: fc.constantFrom('open', 'pending', 'snoozed', 'resolved') as fc.Arbitrary<NonNullable<AutomationChange['status']>>,
    queueId: fc.constantFrom('urgent', 'general', 'scheduling', 'clinical'),
    priority: fc.integer({ min: 0, max: 120 }),
    assigneeId: fc.option(fc.constantFrom('a1', 'a2')),
    intent: fc.constantFrom(...intents),
  },
  { requiredKeys: [] },
);

describe('the people-only gate (property)', () => {
  it('never closes, snoozes, parks, moves out of its queue or rates down a conversation holding people-only work', () => {
    fc.assert(
      fc.property(state, awaiting, change, (s, msgs, c) => {
        const pending = summarise(msgs);
        const { set, held } = decideAutomation(s, pending, c, c.queueId === 'urgent');
        const holds = msgs.some(isPeopleOnly);
        const after = {
          status: set.status ?? s.status,
          queueId: set.queueId !== undefined ? set.queueId : s.queueId,
          urgency: set.urgency !== undefined ? set.urgency : s.urgency,
          needsHuman: set.needsHuman ?? s.needsHuman,
          priority: set.priority ?? s.priority,
        };
        if (holds) {
          if (c.status && c.status !== 'open') expect(after.status).toBe(s.status);
          if (s.queueId !== null && after.queueId !== s.queueId) expect(after.queueId).toBe('urgent');
          expect(after.priority).toBeGreaterThanOrEqual(s.priority);
          // never below what the unanswered messages or the conversation already said
          for (const m of pending.peopleOnly) if (m.triage) expect(rank[after.urgency!]).toBeGreaterThanOrEqual(rank[m.triage.urgency]);
          if (s.urgency) expect(rank[after.urgency!]).toBeGreaterThanOrEqual(rank[s.urgency]);
          if (pending.needsHuman || s.needsHuman) expect(after.needsHuman).toBe(true);
          if (held.length === 0) expect(c.status === undefined || c.status === 'open').toBe(true);
        } else {
          // nothing held back when nothing needs a person
          expect(held).toEqual([]);
          if (c.status) expect(after.status).toBe(c.status);
          if (c.queueId) expect(after.queueId).toBe(c.queueId);
        }
        if (pending.awaiting.some((m) => m.triage && (m.triage.needsHuman || m.triage.urgency !== 'routine'))) expect(after.needsHuman).toBe(true);
      }),
      params,
    );
  });
});

const zones = ['America/New_York', 'America/Los_Angeles', 'America/Chicago', 'Pacific/Honolulu', 'America/Puerto_Rico'];
const consent = fc.constantFrom<'unknown' | 'granted' | 'revoked'>('unknown', 'granted', 'revoked');
const question: fc.Arbitrary<PolicyQuestion> = fc.record({
  channel: fc.constantFrom('sms', 'email', 'voice', 'portal') as fc.Arbitrary<PolicyQuestion['channel']>,
  purpose: fc.constantFrom('reply', 'auto_reply', 'outreach', 'notification') as fc.Arbitrary<PolicyQuestion['purpose']>,
  by: fc.constantFrom<'person' | 'automation'>('person', 'automation'),
  contact: fc.option(
    fc.record({
      kind: fc.constantFrom<'phone' | 'email' | 'portal'>('phone', 'email', 'portal'),
      smsConsent: consent,
      emailConsent: consent,
      voiceConsent: consent,
      undeliverable: fc.boolean(),
      canReceiveSms: fc.option(fc.boolean()),
    }),
    { freq: 8 },
  ),
  template: fc.option(fc.constantFrom('emergency', 'urgent_ack', 'hours', 'appointment_reminder', 'opt_out_confirm', 'help', 'waitlist_offer', 'missed_call_textback')),
  now: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T23:59:00Z'), noInvalidDate: true }),
  timeZone: fc.constantFrom(...zones),
});

const quiet = (at: Date, zone: string) => {
  const h = localParts(at, zone).hour;
  return h < 8 || h >= 21;
};

describe('the outreach policy (property)', () => {
  it('never lets anything go to a revoked contact but the emergency answer and the compliance answers', () => {
    fc.assert(
      fc.property(question, (q) => {
        const a = mayContact(q);
        if (!a.ok || !q.contact) return;
        const revoked =
          (q.channel === 'sms' && q.contact.smsConsent === 'revoked') ||
          (q.channel === 'email' && q.contact.emailConsent === 'revoked') ||
          (q.channel === 'voice' && q.contact.voiceConsent === 'revoked');
        if (revoked) {
          expect(q.by).toBe('automation');
          expect(['emergency', 'opt_out_confirm', 'help']).toContain(q.template);
        }
        if (q.channel === 'email') expect(q.contact.undeliverable).toBe(false);
        if (q.channel === 'sms') expect(q.contact.canReceiveSms).not.toBe(false);
      }),
      params,
    );
  });

  it('holds everything automation sends in quiet hours until 8:00 in the patient\'s zone, except safety and compliance answers; a person is never held', () => {
    fc.assert(
      fc.property(question, (q) => {
        const a = mayContact(q);
        if (!a.ok) return;
        const goesAt = a.notBefore ?? q.now;
        if (q.by === 'person') expect(a.notBefore).toBeNull();
        const exempt = ['emergency', 'urgent_ack', 'opt_out_confirm', 'help', 'opt_in_confirm'].includes(q.template ?? '');
        if (q.by === 'automation' && !exempt) {
          expect(quiet(goesAt, q.timeZone)).toBe(false);
          if (a.notBefore) {
            expect(localParts(a.notBefore, q.timeZone)).toMatchObject({ hour: 8, minute: 0 });
            // the next 8:00, not a later one
            expect(a.notBefore.getTime() - q.now.getTime()).toBeLessThanOrEqual(11 * 3600_000 + 60_000);
          }
        }
        if (!quiet(q.now, q.timeZone)) expect(a.notBefore).toBeNull();
      }),
      params,
    );
  });

  it('never answers a conversation by voice, and needs a contact of the channel\'s kind', () => {
    fc.assert(
      fc.property(question, (q) => {
        const a = mayContact(q);
        if (q.channel === 'voice' && q.purpose !== 'outreach') expect(a).toMatchObject({ ok: false, code: 'channel_unavailable' });
        const kind = q.channel === 'email' ? 'email' : q.channel === 'portal' ? 'portal' : 'phone';
        if (a.ok) expect(q.contact?.kind).toBe(kind);
      }),
      params,
    );
  });
});
