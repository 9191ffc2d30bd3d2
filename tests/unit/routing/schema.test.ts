import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import {
  checkRegexSafety,
  defaultRuleSet,
  describeRuleErrors,
  parseRuleSet,
  referencedKeys,
  RuleSetSchema,
} from '../../../triage/routing/index.js';

function errorsOf(input: unknown): string[] {
  const result = RuleSetSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : describeRuleErrors(result.error);
}

const ok = { id: 'ok', name: 'Fine', actions: [{ type: 'stop' }] };

describe('rule set validation', () => {
  it('accepts a minimal rule and fills the defaults', () => {
    const parsed = parseRuleSet({ rules: [ok] });
    expect(parsed).toEqual({
      ok: true,
      ruleSet: { rules: [{ id: 'ok', name: 'Fine', enabled: true, match: 'all', conditions: [], actions: [{ type: 'stop' }] }] },
    });
  });

  it('names the field of each error with its dotted path', () => {
    const errors = errorsOf({
      rules: [
        ok,
        ok,
        {
          id: 'bad',
          name: 'Bad',
          conditions: [
            { type: 'intent', in: ['refill_request'] },
            { type: 'intent', in: ['refil'] },
            { type: 'regex', pattern: '(a+)+$' },
            { type: 'colour', in: ['red'] },
            { type: 'confidence', op: 'below', value: 2 },
          ],
          actions: [
            { type: 'notify', channel: 'sms', to: '555-1234' },
            { type: 'notify', channel: 'email', to: 'nurse@' },
            { type: 'snooze', minutes: 30, untilLocalTime: '08:00' },
            { type: 'set_priority', priority: 100 },
            { type: 'assign_queue', queue: 'Front Desk' },
            { type: 'assign_assistant', assistant: 'bob' },
            { type: 'launch' },
          ],
        },
      ],
    });
    const byPath = Object.fromEntries(errors.map((e) => [e.slice(0, e.indexOf(': ')), e.slice(e.indexOf(': ') + 2)]));
    expect(Object.keys(byPath)).toEqual([
      'rules.2.conditions.1.in.0',
      'rules.2.conditions.2.pattern',
      'rules.2.conditions.3.type',
      'rules.2.conditions.4.value',
      'rules.2.actions.0.to',
      'rules.2.actions.1.to',
      'rules.2.actions.2.minutes',
      'rules.2.actions.3.priority',
      'rules.2.actions.4.queue',
      'rules.2.actions.5.assistant',
      'rules.2.actions.6.type',
    ]);
    expect(byPath['rules.2.conditions.2.pattern']).toMatch(/nested quantifier/);
    expect(byPath['rules.2.conditions.3.type']).toMatch(/^unknown type; expected one of intent, urgency, channel/);
    expect(byPath['rules.2.actions.0.to']).toMatch(/E\.164/);
    expect(byPath['rules.2.actions.3.priority']).toMatch(/kept for emergencies/);
  });

  it('refuses duplicate rule ids, duplicate single actions and bad keywords at their fields', () => {
    expect(errorsOf({ rules: [ok, { ...ok, name: 'Again' }] })).toEqual(['rules.1.id: duplicate rule id "ok"']);
    expect(
      errorsOf({ rules: [{ id: 'r', name: 'R', actions: [{ type: 'assign_queue', queue: 'a' }, { type: 'assign_queue', queue: 'b' }] }] }),
    ).toEqual(['rules.0.actions.1.type: only one assign_queue action per rule']);
    expect(
      errorsOf({ rules: [{ id: 'r', name: 'R', conditions: [{ type: 'keywords', any: ['fine', '!!!', 'mid*dle'] }], actions: [{ type: 'stop' }] }] }),
    ).toEqual([
      'rules.0.conditions.0.any.1: a keyword needs at least one letter or digit',
      'rules.0.conditions.0.any.2: "*" is only allowed at the end (prefix match)',
    ]);
    expect(errorsOf({ rules: [{ id: 'r', name: 'R', actions: [] }] })[0]).toMatch(/^rules\.0\.actions: /);
    expect(errorsOf({ rules: [{ id: 'r', name: 'R', actions: [{ type: 'set_sla' }] }] })).toEqual([
      'rules.0.actions.0.firstResponseMinutes: set firstResponseMinutes, resolutionMinutes or both',
    ]);
  });

  it('reports errors as path/message pairs for a 400 body', () => {
    const parsed = parseRuleSet({ rules: [{ id: 'x', name: 'X', conditions: [{ type: 'regex', pattern: '(' }], actions: [{ type: 'stop' }] }] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors).toHaveLength(1);
      expect(parsed.errors[0]!.path).toBe('rules.0.conditions.0.pattern');
      expect(parsed.errors[0]!.message).toMatch(/not a valid regular expression/);
    }
  });

  it('the default rule set validates and names its queues and templates', () => {
    const set = defaultRuleSet();
    const parsed = RuleSetSchema.safeParse(set);
    expect(parsed.success ? [] : describeRuleErrors(parsed.error)).toEqual([]);
    expect(parsed.data).toEqual(set);
    const keys = referencedKeys(set.rules);
    expect(keys.queues.sort()).toEqual(['billing', 'clinical', 'general', 'insurance', 'records', 'refills', 'scheduling']);
    expect(keys.templates.sort()).toEqual(['address', 'fax', 'hours', 'portal_signup']);
  });

  it('renders in the OpenAPI document as named components', () => {
    const app = new OpenAPIHono();
    app.openapi(
      createRoute({
        method: 'put',
        path: '/api/v1/rules',
        request: { body: { content: { 'application/json': { schema: RuleSetSchema } } } },
        responses: { 200: { description: 'saved', content: { 'application/json': { schema: RuleSetSchema } } } },
      }),
      (c) => c.json(c.req.valid('json'), 200),
    );
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    const schemas = doc.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['RoutingRuleSet', 'RoutingRule', 'RoutingCondition', 'RoutingAction', 'RoutingRegexCondition']));
  });
});

describe('regex safety', () => {
  it.each([
    ['(a+)+$', /nested quantifier/],
    ['(a|ab)*c', /nested quantifier/],
    ['(.*a){5}', /nested quantifier/],
    ['a*a*b', /ambiguous repetition/],
    ['.*a.*b', /ambiguous repetition/],
    ['\\d+\\d+x', /ambiguous repetition/],
    ['a*(b*|c)a*x', /ambiguous repetition/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['(?=a)a', /lookahead and lookbehind/],
    ['(?<!a)b', /lookahead and lookbehind/],
    ['x'.repeat(201), /longer than 200/],
    ['[a-', /not a valid regular expression/],
  ])('refuses %s', (pattern, reason) => {
    const verdict = checkRegexSafety(pattern);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    'refill.*today',
    '\\b(cvs|walgreens)\\b.*\\bclosed\\b',
    '^\\W*(thanks|thank you|gracias)\\W*$',
    '\\d{3}-\\d{3}-\\d{4}',
    '\\d+-\\d+-\\d+',
    '\\w+\\s+\\w+',
    '(ab)+c',
    'direcci[oó]n',
    '\\p{L}+\\s+\\p{L}+',
  ])('accepts %s', (pattern) => {
    expect(checkRegexSafety(pattern).ok).toBe(true);
  });

  it('an accepted pattern runs fast on an adversarial 100,000-character body', async () => {
    const { evaluateRules } = await import('../../../triage/routing/index.js');
    const { context } = await import('./context.js');
    const rules = RuleSetSchema.parse({
      rules: [
        { id: 'a', name: 'A', conditions: [{ type: 'regex', pattern: '\\s*thanks[\\s.!]*$' }], actions: [{ type: 'add_tag', tag: 'a' }] },
        { id: 'b', name: 'B', conditions: [{ type: 'regex', pattern: '.*x' }], actions: [{ type: 'add_tag', tag: 'b' }] },
        { id: 'c', name: 'C', conditions: [{ type: 'regex', pattern: '(ab)+c' }], actions: [{ type: 'add_tag', tag: 'c' }] },
      ],
    }).rules;
    for (const body of [' '.repeat(100_000) + '!?', 'a'.repeat(100_000), 'ab'.repeat(50_000)]) {
      const started = performance.now();
      evaluateRules(rules, context({ message: { body } }));
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});
