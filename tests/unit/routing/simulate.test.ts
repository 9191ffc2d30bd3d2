import { describe, expect, it } from 'vitest';
import { defaultRuleSet, RuleSetSchema, simulateRules, type Rule, type SimulationItem } from '../../../triage/routing/index.js';
import { intents, type Intent, type Urgency } from '../../../triage/types.js';
import { context } from './context.js';

interface Spec {
  intent: Intent;
  urgency: Urgency;
  inBusinessHours: boolean;
  asksHours: boolean;
}

/** 520 messages in a fixed pattern, so expected counts follow from the pattern alone */
function generate(n: number): { specs: Spec[]; items: SimulationItem[] } {
  const specs: Spec[] = [];
  const items: SimulationItem[] = [];
  for (let i = 0; i < n; i++) {
    const intent = intents[i % intents.length]!;
    const urgency: Urgency = i % 100 === 7 ? 'emergency' : i % 20 === 3 ? 'urgent' : 'routine';
    const spec = { intent, urgency, inBusinessHours: i % 3 !== 0, asksHours: intent === 'general_question' && i % 2 === 0 };
    specs.push(spec);
    items.push({
      id: `msg-${i}`,
      context: context({
        triage: { intent, urgency, needsHuman: urgency !== 'routine' || intent === 'clinical_question' },
        message: { body: spec.asksHours ? 'what are your hours today?' : `message number ${i}`, createdAt: new Date(Date.UTC(2026, 2, 1, 0, i)).toISOString() },
        practice: { inBusinessHours: spec.inBusinessHours },
        now: new Date(Date.UTC(2026, 2, 1, 0, i, 30)),
      }),
    });
  }
  return { specs, items };
}

/** the defaults with test results sent to records and the hours answer switched off */
function draftRules(): Rule[] {
  const rules = defaultRuleSet().rules.map((rule) => {
    if (rule.id === 'answer-hours') return { ...rule, enabled: false };
    if (rule.id === 'route-clinical') return { ...rule, conditions: [{ type: 'intent' as const, in: ['clinical_question' as const] }] };
    return rule;
  });
  const records = rules.findIndex((r) => r.id === 'route-records');
  rules[records] = { ...rules[records]!, conditions: [{ type: 'intent', in: ['records_request', 'test_results'] }] };
  return RuleSetSchema.parse({ rules }).rules;
}

describe('simulateRules', () => {
  const { specs, items } = generate(520);
  const live = defaultRuleSet().rules;
  const draft = draftRules();
  const count = (pred: (s: Spec) => boolean) => specs.filter(pred).length;
  const routine = (s: Spec) => s.urgency === 'routine';

  it('counts outcomes by action under each set and lists exactly the changed messages', () => {
    const started = performance.now();
    const result = simulateRules({ draft, live, items });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1_000);

    const testResults = count((s) => routine(s) && s.intent === 'test_results');
    const hours = count((s) => routine(s) && s.asksHours);
    const urgentOrWorse = count((s) => !routine(s));
    const emergencies = count((s) => s.urgency === 'emergency');
    const urgentAfterHours = count((s) => s.urgency === 'urgent' && !s.inBusinessHours);
    expect(testResults).toBeGreaterThan(10);
    expect(hours).toBeGreaterThan(10);
    expect(emergencies).toBeGreaterThan(0);

    const { byAction } = result.counts;
    expect(result.total).toBe(520);
    expect(byAction['reply:hours']).toEqual({ live: hours, draft: 0 });
    expect(byAction['queue:records']!.draft - byAction['queue:records']!.live).toBe(testResults);
    expect(byAction['queue:clinical']!.live - byAction['queue:clinical']!.draft).toBe(testResults);
    expect(byAction['queue:urgent']).toEqual({ live: urgentOrWorse, draft: urgentOrWorse });
    expect(byAction['reply:emergency']).toEqual({ live: emergencies, draft: emergencies });
    expect(byAction['reply:urgent_ack']).toEqual({ live: urgentOrWorse - emergencies, draft: urgentOrWorse - emergencies });
    expect(byAction['notify:sms:on_call']).toEqual({ live: emergencies + urgentAfterHours, draft: emergencies + urgentAfterHours });
    for (const side of ['live', 'draft'] as const) {
      const queued = Object.entries(byAction).filter(([k]) => k.startsWith('queue:')).reduce((sum, [, v]) => sum + v[side], 0);
      expect(queued).toBe(520);
    }

    expect(result.changed).toHaveLength(testResults + hours);
    const expectedIds = specs.flatMap((s, i) => (routine(s) && (s.intent === 'test_results' || s.asksHours) ? [`msg-${i}`] : []));
    expect(result.changed.map((c) => c.id)).toEqual(expectedIds);
    for (const change of result.changed) {
      const spec = specs[Number(change.id.slice(4))]!;
      expect(change.differences).toEqual(spec.asksHours ? ['reply: hours → none'] : ['queue: clinical → records']);
      expect(change.live.matchedRuleIds).not.toEqual(change.draft.matchedRuleIds);
    }
  });

  it('changes nothing it is given', () => {
    const input = { draft, live, items };
    const before = structuredClone(input);
    simulateRules(input);
    expect(input).toEqual(before);
  });

  it('the same set against itself changes nothing', () => {
    const result = simulateRules({ draft: live, live, items });
    expect(result.changed).toEqual([]);
    for (const v of Object.values(result.counts.byAction)) expect(v.live).toBe(v.draft);
  });

  it('counts a message with no action as none', () => {
    const result = simulateRules({ draft: [], live, items: items.slice(0, 3) });
    expect(result.counts.byAction['none']).toEqual({ live: 0, draft: 3 });
  });
});
