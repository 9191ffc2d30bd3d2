import { describe, expect, it } from 'vitest';
import {
  defaultRuleSet,
  evaluateRules,
  MAX_AUTO_REPLIES_WITHOUT_STAFF,
  RuleSetSchema,
  TOP_PRIORITY,
  type RuleInput,
} from '../../../triage/routing/index.js';
import { context } from './context.js';

function rules(...input: RuleInput[]) {
  return RuleSetSchema.parse({ rules: input }).rules;
}

/** a manager's rule that answers, closes, parks and slows everything it sees */
const greedy = rules({
  id: 'greedy',
  name: 'Answer and close everything',
  actions: [
    { type: 'reply_template', template: 'hours' },
    { type: 'assign_queue', queue: 'general' },
    { type: 'assign_assistant', assistant: 'billing@example.com' },
    { type: 'set_priority', priority: 1 },
    { type: 'set_sla', firstResponseMinutes: 2880 },
    { type: 'snooze', minutes: 600 },
    { type: 'add_tag', tag: 'auto' },
    { type: 'resolve' },
    { type: 'stop' },
  ],
});

const onCall = { channel: 'sms', to: 'on_call' };

describe('emergency', () => {
  const emergency = { urgency: 'emergency' as const, intent: 'clinical_question' as const, needsHuman: true, redFlags: ['chest_pain'] };

  it('under a rule that would auto-reply and close, still gets the 911/988 reply, the top of the urgent queue and on-call', () => {
    const plan = evaluateRules(greedy, context({ triage: emergency, message: { body: 'crushing chest pain' } }));
    expect(plan).toMatchObject({
      matchedRuleIds: ['greedy'],
      replyTemplate: 'emergency',
      queue: 'urgent',
      priority: TOP_PRIORITY,
      assignee: null,
      sla: null,
      snoozeUntil: null,
      resolve: false,
      tags: ['auto'],
      notifications: [{ ...onCall, reason: 'emergency' }],
    });
    expect(plan.safety.applied).toEqual(['emergency_reply', 'emergency_urgent_queue', 'emergency_on_call', 'needs_human_not_resolved']);
    expect(plan.safety.overridden.map((o) => o.type).sort()).toEqual(
      ['assign_assistant', 'assign_queue', 'reply_template', 'resolve', 'set_priority', 'set_sla', 'snooze'].sort(),
    );
    expect(plan.actions.filter((a) => a.ruleId === null).map((a) => [a.type, a.safety])).toEqual([
      ['reply_template', 'emergency_reply'],
      ['notify', 'emergency_on_call'],
      ['assign_queue', 'emergency_urgent_queue'],
      ['set_priority', 'emergency_urgent_queue'],
    ]);
  });

  it('notifies on-call during business hours too, and with no rules at all', () => {
    for (const inBusinessHours of [true, false]) {
      const plan = evaluateRules([], context({ triage: emergency, practice: { inBusinessHours } }));
      expect(plan).toMatchObject({ replyTemplate: 'emergency', queue: 'urgent', priority: TOP_PRIORITY });
      expect(plan.notifications).toEqual([{ ...onCall, reason: 'emergency' }]);
    }
  });

  it('gets the emergency reply even right after another automatic reply, but not twice for one message', () => {
    const createdAt = '2026-03-10T14:59:00.000Z';
    const afterHours = evaluateRules(greedy, context({
      triage: emergency,
      message: { createdAt },
      conversation: { lastAutoReplyAt: '2026-03-10T14:59:30.000Z', lastAutoReplyTemplate: 'hours', autoRepliesSinceStaffReply: 5 },
    }));
    expect(afterHours.replyTemplate).toBe('emergency');
    const again = evaluateRules(greedy, context({
      triage: emergency,
      message: { createdAt },
      conversation: { lastAutoReplyAt: '2026-03-10T14:59:30.000Z', lastAutoReplyTemplate: 'emergency' },
    }));
    expect(again.replyTemplate).toBeNull();
    expect(again.safety.applied).toContain('emergency_reply_already_sent');
    expect(again).toMatchObject({ queue: 'urgent', notifications: [{ ...onCall, reason: 'emergency' }] });
  });

  it('a rule notifying on-call is not duplicated', () => {
    const set = rules({ id: 'page', name: 'Page', actions: [{ type: 'notify', channel: 'sms', to: 'on_call' }, { type: 'notify', channel: 'email', to: 'on_call' }] });
    const plan = evaluateRules(set, context({ triage: emergency }));
    expect(plan.notifications).toEqual([
      { channel: 'sms', to: 'on_call', reason: 'emergency' },
      { channel: 'email', to: 'on_call', reason: 'rule' },
    ]);
  });
});

describe('urgent', () => {
  const urgent = { urgency: 'urgent' as const, intent: 'clinical_question' as const, needsHuman: true };

  it('replaces the rule reply with urgent_ack and goes to the top of the urgent queue', () => {
    const plan = evaluateRules(greedy, context({ triage: urgent }));
    expect(plan).toMatchObject({ replyTemplate: 'urgent_ack', queue: 'urgent', priority: TOP_PRIORITY, resolve: false, snoozeUntil: null });
    expect(plan.safety.overridden).toContainEqual({ ruleId: 'greedy', type: 'reply_template', by: 'urgent_ack' });
  });

  it('acknowledges even when no rule would have replied', () => {
    expect(evaluateRules(defaultRuleSet().rules, context({ triage: urgent })).replyTemplate).toBe('urgent_ack');
  });

  it('notifies on-call only outside business hours', () => {
    const inHours = evaluateRules(greedy, context({ triage: urgent, practice: { inBusinessHours: true } }));
    expect(inHours.notifications).toEqual([]);
    expect(inHours.safety.applied).not.toContain('urgent_on_call');
    const afterHours = evaluateRules(greedy, context({ triage: urgent, practice: { inBusinessHours: false } }));
    expect(afterHours.notifications).toEqual([{ ...onCall, reason: 'urgent' }]);
    expect(afterHours.safety.applied).toContain('urgent_on_call');
  });
});

describe('needsHuman', () => {
  it('is never resolved by automation; an acknowledgement still goes out', () => {
    const plan = evaluateRules(greedy, context({ triage: { needsHuman: true, confidence: 0.3 } }));
    expect(plan.resolve).toBe(false);
    expect(plan.replyTemplate).toBe('hours');
    expect(plan.queue).toBe('general');
    expect(plan.safety.applied).toEqual(['needs_human_not_resolved']);
    expect(plan.safety.overridden).toEqual([{ ruleId: 'greedy', type: 'resolve', by: 'needs_human_not_resolved' }]);
    expect(plan.actions.some((a) => a.type === 'resolve')).toBe(false);
  });

  it('a routine message that needs no human may be resolved', () => {
    expect(evaluateRules(greedy, context()).resolve).toBe(true);
  });
});

describe('loops', () => {
  it('a message written by automation or the system gets no actions at all, emergencies included', () => {
    for (const authorType of ['automation', 'system'] as const) {
      const plan = evaluateRules(greedy, context({ message: { authorType, direction: 'outbound' }, triage: { urgency: 'emergency' } }));
      expect(plan.actions).toEqual([]);
      expect(plan.matchedRuleIds).toEqual([]);
      expect(plan.safety.applied).toEqual(['automation_authored']);
    }
    // an autoresponder flagged as such by the channel (Auto-Submitted) arrives inbound
    expect(evaluateRules(greedy, context({ message: { authorType: 'automation', direction: 'inbound' } })).actions).toEqual([]);
  });

  it('outbound messages and staff notes get no actions', () => {
    const plan = evaluateRules(greedy, context({ message: { authorType: 'user', direction: 'outbound' } }));
    expect(plan.actions).toEqual([]);
    expect(plan.safety.applied).toEqual(['not_from_patient']);
  });

  it('refuses a second automatic reply when one already went out after this message arrived', () => {
    // the patient sent two texts at once; the first was answered at 14:59:30
    const plan = evaluateRules(greedy, context({
      message: { createdAt: '2026-03-10T14:59:00.000Z' },
      conversation: { lastAutoReplyAt: '2026-03-10T14:59:30.000Z', lastAutoReplyTemplate: 'hours', autoRepliesSinceStaffReply: 1 },
    }));
    expect(plan.replyTemplate).toBeNull();
    expect(plan.resolve).toBe(false); // unanswered, so not closed either
    expect(plan.queue).toBe('general');
    expect(plan.safety.applied).toEqual(['auto_reply_in_a_row_refused']);
    expect(plan.safety.overridden).toEqual([
      { ruleId: 'greedy', type: 'reply_template', by: 'auto_reply_in_a_row_refused' },
      { ruleId: 'greedy', type: 'resolve', by: 'auto_reply_in_a_row_refused' },
    ]);
  });

  it('re-running the rules on an answered message (after a triage correction) does not reply again', () => {
    const createdAt = '2026-03-10T14:00:00.000Z';
    const plan = evaluateRules(greedy, context({ message: { createdAt }, conversation: { lastAutoReplyAt: '2026-03-10T14:00:05.000Z' } }));
    expect(plan.replyTemplate).toBeNull();
  });

  it('replies to a new patient message that came after the last automatic reply', () => {
    const plan = evaluateRules(greedy, context({
      message: { createdAt: '2026-03-10T14:59:00.000Z' },
      conversation: { lastAutoReplyAt: '2026-03-10T14:00:00.000Z', autoRepliesSinceStaffReply: 1 },
    }));
    expect(plan.replyTemplate).toBe('hours');
  });

  it(`stops after ${MAX_AUTO_REPLIES_WITHOUT_STAFF} automatic replies with no person in between (an autoresponder ping-pong)`, () => {
    const plan = evaluateRules(greedy, context({
      conversation: { lastAutoReplyAt: '2026-03-10T14:00:00.000Z', autoRepliesSinceStaffReply: MAX_AUTO_REPLIES_WITHOUT_STAFF },
    }));
    expect(plan.replyTemplate).toBeNull();
    expect(plan.safety.applied).toEqual(['auto_reply_limit_reached']);
  });

  it('an urgent acknowledgement obeys the same limit; the urgent queue still gets the message', () => {
    const plan = evaluateRules(greedy, context({
      triage: { urgency: 'urgent', needsHuman: true },
      message: { createdAt: '2026-03-10T14:59:00.000Z' },
      conversation: { lastAutoReplyAt: '2026-03-10T14:59:30.000Z' },
    }));
    expect(plan).toMatchObject({ replyTemplate: null, queue: 'urgent', priority: TOP_PRIORITY });
    expect(plan.safety.applied).toContain('auto_reply_in_a_row_refused');
  });
});
