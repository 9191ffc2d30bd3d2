import { describe, expect, it } from 'vitest';
import { evaluateRules, RuleSetSchema, type RuleInput } from '../../../triage/routing/index.js';
import { context, type ContextPatch } from './context.js';

/** validates like a save would, then evaluates */
function rules(...input: RuleInput[]) {
  return RuleSetSchema.parse({ rules: input }).rules;
}

function fires(condition: unknown, patch: ContextPatch): boolean {
  const set = rules({ id: 'r', name: 'R', conditions: [condition as never], actions: [{ type: 'add_tag', tag: 'hit' }] });
  return evaluateRules(set, context(patch)).matchedRuleIds.includes('r');
}

describe('each condition type', () => {
  it('intent in a set', () => {
    const c = { type: 'intent', in: ['refill_request', 'billing'] };
    expect(fires(c, { triage: { intent: 'billing' } })).toBe(true);
    expect(fires(c, { triage: { intent: 'insurance' } })).toBe(false);
    expect(fires({ ...c, not: true }, { triage: { intent: 'insurance' } })).toBe(true);
  });

  it('urgency, channel and language in a set', () => {
    expect(fires({ type: 'urgency', in: ['routine'] }, {})).toBe(true);
    expect(fires({ type: 'urgency', in: ['urgent'] }, {})).toBe(false);
    expect(fires({ type: 'channel', in: ['email', 'portal'] }, { message: { channel: 'portal' } })).toBe(true);
    expect(fires({ type: 'channel', in: ['email', 'portal'] }, { message: { channel: 'sms' } })).toBe(false);
    expect(fires({ type: 'language', in: ['es'] }, { triage: { language: 'es' } })).toBe(true);
    expect(fires({ type: 'language', in: ['es'] }, { triage: { language: 'en' } })).toBe(false);
  });

  it('confidence strictly below or above a number', () => {
    expect(fires({ type: 'confidence', op: 'below', value: 0.6 }, { triage: { confidence: 0.59 } })).toBe(true);
    expect(fires({ type: 'confidence', op: 'below', value: 0.6 }, { triage: { confidence: 0.6 } })).toBe(false);
    expect(fires({ type: 'confidence', op: 'above', value: 0.8 }, { triage: { confidence: 0.81 } })).toBe(true);
    expect(fires({ type: 'confidence', op: 'above', value: 0.8 }, { triage: { confidence: 0.8 } })).toBe(false);
  });

  it('keywords: any phrase, whole words, case- and accent-insensitive, prefix with *', () => {
    const c = { type: 'keywords', any: ['hours', 'where are you', 'dirección', 'registr*', 'whats'] };
    expect(fires(c, { message: { body: 'What are your HOURS?' } })).toBe(true);
    expect(fires(c, { message: { body: 'where-are-you located' } })).toBe(true);
    expect(fires(c, { message: { body: 'Cual es la DIRECCION?' } })).toBe(true);
    expect(fires(c, { message: { body: 'cuál es la dirección' } })).toBe(true);
    expect(fires(c, { message: { body: 'quiero registrarme en el portal' } })).toBe(true);
    expect(fires(c, { message: { body: "what's up" } })).toBe(true);
    // word boundaries: no match inside another word, nor a phrase split by other words
    expect(fires(c, { message: { body: 'I waited 3 hourss' } })).toBe(false);
    expect(fires(c, { message: { body: 'shours' } })).toBe(false);
    expect(fires(c, { message: { body: 'where did you say you are' } })).toBe(false);
    expect(fires(c, { message: { body: 'unregistered' } })).toBe(false);
  });

  it('regex on the body, case- and accent-insensitive', () => {
    const c = { type: 'regex', pattern: '\\brefill\\b.*\\btoday\\b' };
    expect(fires(c, { message: { body: 'Need a REFILL of metformin today please' } })).toBe(true);
    expect(fires(c, { message: { body: 'today I need a refill' } })).toBe(false);
    expect(fires({ type: 'regex', pattern: 'direcci[oó]n' }, { message: { body: 'DIRECCIÓN?' } })).toBe(true);
  });

  it('an unsafe regex that slipped past validation never fires and says why', () => {
    const set = [{ id: 'r', name: 'R', enabled: true, match: 'all' as const, conditions: [{ type: 'regex' as const, pattern: '(a+)+$' }], actions: [{ type: 'add_tag' as const, tag: 'x' }] }];
    const plan = evaluateRules(set, context({ message: { body: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab' } }));
    expect(plan.matchedRuleIds).toEqual([]);
    expect(plan.warnings[0]).toMatch(/not safe to run/);
  });

  it('entity present', () => {
    const patch = { triage: { entities: { medications: ['lisinopril'], pharmacy: 'CVS on Main', dates: [] } } };
    expect(fires({ type: 'entity', entity: 'medications' }, patch)).toBe(true);
    expect(fires({ type: 'entity', entity: 'pharmacy' }, patch)).toBe(true);
    expect(fires({ type: 'entity', entity: 'dates' }, patch)).toBe(false);
    expect(fires({ type: 'entity', entity: 'dateOfBirth' }, patch)).toBe(false);
    expect(fires({ type: 'entity', entity: 'callbackNumber' }, { triage: { entities: { callbackNumber: '+15551234567' } } })).toBe(true);
  });

  it('within or outside business hours', () => {
    expect(fires({ type: 'business_hours', within: true }, { practice: { inBusinessHours: true } })).toBe(true);
    expect(fires({ type: 'business_hours', within: false }, { practice: { inBusinessHours: true } })).toBe(false);
    expect(fires({ type: 'business_hours', within: false }, { practice: { inBusinessHours: false } })).toBe(true);
  });

  it('patient is new, patient has a tag (case-insensitive), called from the on-call line', () => {
    expect(fires({ type: 'patient_new', value: true }, { patient: { isNew: true } })).toBe(true);
    expect(fires({ type: 'patient_new', value: true }, { patient: { isNew: false } })).toBe(false);
    expect(fires({ type: 'patient_tag', tag: 'vip' }, { patient: { tags: ['VIP', 'spanish'] } })).toBe(true);
    expect(fires({ type: 'patient_tag', tag: 'vip' }, { patient: { tags: ['spanish'] } })).toBe(false);
    expect(fires({ type: 'on_call_line', value: true }, { fromOnCallLine: true })).toBe(true);
    expect(fires({ type: 'on_call_line', value: true }, { fromOnCallLine: false })).toBe(false);
  });
});

describe('combining conditions and rules', () => {
  const both = [
    { type: 'intent' as const, in: ['refill_request' as const] },
    { type: 'channel' as const, in: ['portal' as const] },
  ];

  it('all needs every condition, any needs one, none means always', () => {
    const set = rules(
      { id: 'all', name: 'All', match: 'all', conditions: both, actions: [{ type: 'add_tag', tag: 'all' }] },
      { id: 'any', name: 'Any', match: 'any', conditions: both, actions: [{ type: 'add_tag', tag: 'any' }] },
      { id: 'always', name: 'Always', actions: [{ type: 'add_tag', tag: 'always' }] },
    );
    expect(evaluateRules(set, context({ triage: { intent: 'refill_request' }, message: { channel: 'portal' } })).tags).toEqual(['all', 'any', 'always']);
    expect(evaluateRules(set, context({ triage: { intent: 'refill_request' }, message: { channel: 'sms' } })).tags).toEqual(['any', 'always']);
    expect(evaluateRules(set, context({ triage: { intent: 'billing' }, message: { channel: 'sms' } })).tags).toEqual(['always']);
  });

  it('rules run in order: the first to set a queue, reply or priority wins; tags add up', () => {
    const set = rules(
      { id: 'vip', name: 'VIP', conditions: [{ type: 'patient_tag', tag: 'vip' }], actions: [{ type: 'assign_queue', queue: 'vip' }, { type: 'set_priority', priority: 50 }, { type: 'add_tag', tag: 'vip-seen' }] },
      { id: 'refills', name: 'Refills', conditions: [{ type: 'intent', in: ['refill_request'] }], actions: [{ type: 'assign_queue', queue: 'refills' }, { type: 'set_priority', priority: 10 }, { type: 'add_tag', tag: 'rx' }] },
    );
    const vip = evaluateRules(set, context({ triage: { intent: 'refill_request' }, patient: { tags: ['vip'] } }));
    expect(vip).toMatchObject({ matchedRuleIds: ['vip', 'refills'], queue: 'vip', priority: 50, tags: ['vip-seen', 'rx'] });
    const plain = evaluateRules(set, context({ triage: { intent: 'refill_request' } }));
    expect(plain).toMatchObject({ matchedRuleIds: ['refills'], queue: 'refills', priority: 10, tags: ['rx'] });
  });

  it('stop ends evaluation after its rule; disabled rules are skipped', () => {
    const set = rules(
      { id: 'off', name: 'Off', enabled: false, actions: [{ type: 'assign_queue', queue: 'nowhere' }] },
      { id: 'first', name: 'First', actions: [{ type: 'add_tag', tag: 'a' }, { type: 'stop' }, { type: 'add_tag', tag: 'b' }] },
      { id: 'never', name: 'Never', actions: [{ type: 'assign_queue', queue: 'general' }] },
    );
    const plan = evaluateRules(set, context());
    expect(plan.matchedRuleIds).toEqual(['first']);
    expect(plan.tags).toEqual(['a', 'b']);
    expect(plan.queue).toBeNull();
  });

  it('plans every action kind with its source, in the documented order', () => {
    const set = rules({
      id: 'every',
      name: 'Every',
      actions: [
        { type: 'snooze', untilLocalTime: '08:00' },
        { type: 'assign_assistant', assistant: 'ana@example.com' },
        { type: 'set_sla', firstResponseMinutes: 60, resolutionMinutes: 480 },
        { type: 'notify', channel: 'email', to: 'manager@example.com' },
        { type: 'reply_template', template: 'hours' },
        { type: 'assign_queue', queue: 'general' },
        { type: 'set_priority', priority: 5 },
        { type: 'add_tag', tag: 't' },
        { type: 'resolve' },
      ],
    });
    const plan = evaluateRules(set, context({ now: '2026-03-10T15:00:00.000Z' }));
    expect(plan.actions.map((a) => a.type)).toEqual([
      'reply_template', 'notify', 'assign_queue', 'assign_assistant', 'set_priority', 'set_sla', 'add_tag', 'snooze', 'resolve',
    ]);
    expect(plan.actions.every((a) => a.ruleId === 'every' && a.safety === null)).toBe(true);
    expect(plan).toMatchObject({
      replyTemplate: 'hours',
      assignee: 'ana@example.com',
      sla: { firstResponseMinutes: 60, resolutionMinutes: 480 },
      notifications: [{ channel: 'email', to: 'manager@example.com', reason: 'rule' }],
      resolve: true,
      // 08:00 in New York (EDT since March 8, 2026) the next morning
      snoozeUntil: '2026-03-11T12:00:00.000Z',
      safety: { applied: [], overridden: [] },
    });
  });

  it('snooze by minutes, and to the next local time across midnight', () => {
    const minutes = rules({ id: 's', name: 'S', actions: [{ type: 'snooze', minutes: 90 }] });
    expect(evaluateRules(minutes, context({ now: '2026-03-10T15:00:00.000Z' })).snoozeUntil).toBe('2026-03-10T16:30:00.000Z');
    const morning = rules({ id: 's', name: 'S', actions: [{ type: 'snooze', untilLocalTime: '08:00' }] });
    // 06:30 in Madrid (UTC+1 in January): 08:00 the same day
    expect(evaluateRules(morning, context({ now: '2026-01-15T05:30:00.000Z', practice: { timeZone: 'Europe/Madrid' } })).snoozeUntil).toBe('2026-01-15T07:00:00.000Z');
    const broken = evaluateRules(morning, context({ practice: { timeZone: 'Mars/Olympus' } }));
    expect(broken.snoozeUntil).toBeNull();
    expect(broken.warnings[0]).toMatch(/time zone/);
  });

  it('is deterministic and leaves its inputs alone', () => {
    const set = rules({ id: 'r', name: 'R', conditions: [{ type: 'keywords', any: ['hours'] }], actions: [{ type: 'reply_template', template: 'hours' }, { type: 'add_tag', tag: 'x' }] });
    const ctx = context({ message: { body: 'hours?' }, patient: { tags: ['a'] } });
    const before = structuredClone({ set, ctx });
    const a = evaluateRules(set, ctx);
    const b = evaluateRules(set, ctx);
    expect(a).toEqual(b);
    expect({ set, ctx }).toEqual(before);
  });
});
