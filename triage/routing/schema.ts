// A practice's routing rules: an ordered list, validated here when an office manager saves
// it, so every error names the field (`rules.2.conditions.0.pattern: ...`).
// `z` comes from @hono/zod-openapi (zod 4 with `.openapi()`), so the API document is
// generated from the same schemas that validate.

import { z } from '@hono/zod-openapi';
import { channels, intents, urgencies } from '../types.js';
import { checkRegexSafety, REGEX_MAX_LENGTH } from './regex-safety.js';
import { keywordNeedle } from './text.js';

export const languages = ['en', 'es'] as const;
export const entityKinds = ['dates', 'medications', 'pharmacy', 'dateOfBirth', 'callbackNumber'] as const;
export type EntityKind = (typeof entityKinds)[number];

/** Priority runs 0 (default) to TOP_PRIORITY, higher first; the top is kept for safety. */
export const TOP_PRIORITY = 100;
export const MAX_RULE_PRIORITY = TOP_PRIORITY - 1;
export const MAX_RULES = 200;
/** the notification target that means "the practice's on-call contact" */
export const ON_CALL = 'on_call';

const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MINUTES_IN_30_DAYS = 60 * 24 * 30;

const key = (what: string) =>
  z.string().regex(KEY, `${what} must be 1-64 lower-case letters, digits, "-" or "_"`);
const not = z
  .boolean()
  .optional()
  .openapi({ description: 'true inverts the condition (e.g. intent NOT in the set)' });

// ---- conditions -------------------------------------------------------------------------

const IntentCondition = z
  .object({ type: z.literal('intent'), in: z.array(z.enum(intents)).min(1), not })
  .openapi('RoutingIntentCondition', { description: "the triage intent is one of `in`" });

const UrgencyCondition = z
  .object({ type: z.literal('urgency'), in: z.array(z.enum(urgencies)).min(1), not })
  .openapi('RoutingUrgencyCondition');

const ChannelCondition = z
  .object({ type: z.literal('channel'), in: z.array(z.enum(channels)).min(1), not })
  .openapi('RoutingChannelCondition');

const LanguageCondition = z
  .object({ type: z.literal('language'), in: z.array(z.enum(languages)).min(1), not })
  .openapi('RoutingLanguageCondition');

const ConfidenceCondition = z
  .object({
    type: z.literal('confidence'),
    op: z.enum(['below', 'above']).openapi({ description: 'strictly below or strictly above `value`' }),
    value: z.number().min(0).max(1),
    not,
  })
  .openapi('RoutingConfidenceCondition');

const KeywordsCondition = z
  .object({
    type: z.literal('keywords'),
    any: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(100)
          .refine((p) => keywordNeedle(p) !== null, 'a keyword needs at least one letter or digit')
          .refine((p) => !p.slice(0, -1).includes('*'), '"*" is only allowed at the end (prefix match)'),
      )
      .min(1)
      .max(100),
    not,
  })
  .openapi('RoutingKeywordsCondition', {
    description:
      'the body contains any of the words or phrases, whole words only, ignoring case and accents; a trailing * matches a prefix ("registr*")',
    example: { type: 'keywords', any: ['hours', 'what time', 'horario*'] },
  });

const RegexCondition = z
  .object({
    type: z.literal('regex'),
    pattern: z
      .string()
      .min(1)
      .max(REGEX_MAX_LENGTH)
      .superRefine((pattern, ctx) => {
        const verdict = checkRegexSafety(pattern);
        if (!verdict.ok) ctx.addIssue({ code: 'custom', message: verdict.reason });
      }),
    not,
  })
  .openapi('RoutingRegexCondition', {
    description:
      'a regular expression on the body, case- and accent-insensitive, over its first 2,000 characters; ' +
      'refused when it could backtrack catastrophically (nested quantifiers, ambiguous repetition, ' +
      'backreferences, lookarounds)',
  });

const EntityCondition = z
  .object({ type: z.literal('entity'), entity: z.enum(entityKinds), not })
  .openapi('RoutingEntityCondition', { description: 'triage found this entity in the message' });

const BusinessHoursCondition = z
  .object({
    type: z.literal('business_hours'),
    within: z.boolean().openapi({ description: 'true: within business hours; false: outside them' }),
    not,
  })
  .openapi('RoutingBusinessHoursCondition');

const PatientNewCondition = z
  .object({ type: z.literal('patient_new'), value: z.boolean(), not })
  .openapi('RoutingPatientNewCondition');

const PatientTagCondition = z
  .object({ type: z.literal('patient_tag'), tag: z.string().trim().min(1).max(40), not })
  .openapi('RoutingPatientTagCondition', { description: 'the patient carries this tag (case-insensitive)' });

const OnCallLineCondition = z
  .object({ type: z.literal('on_call_line'), value: z.boolean(), not })
  .openapi('RoutingOnCallLineCondition', { description: 'the message came in on the practice on-call line' });

export const ConditionSchema = z
  .discriminatedUnion('type', [
    IntentCondition,
    UrgencyCondition,
    ChannelCondition,
    LanguageCondition,
    ConfidenceCondition,
    KeywordsCondition,
    RegexCondition,
    EntityCondition,
    BusinessHoursCondition,
    PatientNewCondition,
    PatientTagCondition,
    OnCallLineCondition,
  ])
  .openapi('RoutingCondition');

// ---- actions ----------------------------------------------------------------------------

const AssignQueueAction = z
  .object({ type: z.literal('assign_queue'), queue: key('queue') })
  .openapi('RoutingAssignQueueAction');

const AssignAssistantAction = z
  .object({
    type: z.literal('assign_assistant'),
    assistant: z
      .string()
      .trim()
      .max(254)
      .refine((v) => UUID.test(v) || EMAIL.test(v), 'assistant must be a user id (uuid) or an email address'),
  })
  .openapi('RoutingAssignAssistantAction');

const ReplyTemplateAction = z
  .object({
    type: z.literal('reply_template'),
    template: key('template').openapi({ description: 'template purpose, e.g. hours; language and channel are picked at send time' }),
  })
  .openapi('RoutingReplyTemplateAction');

const AddTagAction = z
  .object({ type: z.literal('add_tag'), tag: z.string().trim().min(1).max(40) })
  .openapi('RoutingAddTagAction');

const SetPriorityAction = z
  .object({
    type: z.literal('set_priority'),
    priority: z
      .number()
      .int()
      .min(0)
      .max(MAX_RULE_PRIORITY, `priority is at most ${MAX_RULE_PRIORITY}; ${TOP_PRIORITY} is kept for emergencies and urgent messages`),
  })
  .openapi('RoutingSetPriorityAction', { description: 'higher is handled first' });

const minutes = z.number().int().min(1).max(MINUTES_IN_30_DAYS);
const SetSlaAction = z
  .object({
    type: z.literal('set_sla'),
    firstResponseMinutes: minutes.optional(),
    resolutionMinutes: minutes.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.firstResponseMinutes === undefined && a.resolutionMinutes === undefined) {
      ctx.addIssue({ code: 'custom', path: ['firstResponseMinutes'], message: 'set firstResponseMinutes, resolutionMinutes or both' });
    }
    if (a.firstResponseMinutes !== undefined && a.resolutionMinutes !== undefined && a.resolutionMinutes < a.firstResponseMinutes) {
      ctx.addIssue({ code: 'custom', path: ['resolutionMinutes'], message: 'resolution cannot come before the first response' });
    }
  })
  .openapi('RoutingSetSlaAction');

const SnoozeAction = z
  .object({
    type: z.literal('snooze'),
    minutes: minutes.optional().openapi({ description: 'snooze for this long' }),
    untilLocalTime: z
      .string()
      .regex(LOCAL_TIME, 'untilLocalTime is HH:MM on a 24-hour clock')
      .optional()
      .openapi({ description: "snooze until the next HH:MM in the practice's time zone", example: '08:00' }),
  })
  .superRefine((a, ctx) => {
    if ((a.minutes === undefined) === (a.untilLocalTime === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['minutes'], message: 'set exactly one of minutes or untilLocalTime' });
    }
  })
  .openapi('RoutingSnoozeAction');

const ResolveAction = z
  .object({ type: z.literal('resolve') })
  .openapi('RoutingResolveAction', {
    description: 'close the conversation; meant for pure acknowledgements ("thanks!"), and never applied to a message that needs a human',
  });

const NotifyAction = z
  .object({
    type: z.literal('notify'),
    channel: z.enum(['sms', 'email']),
    to: z.string().trim().openapi({ description: `an E.164 number (sms), an email address (email), or "${ON_CALL}"` }),
  })
  .superRefine((a, ctx) => {
    if (a.to === ON_CALL) return;
    if (a.channel === 'sms' && !E164.test(a.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `to must be an E.164 number like +15551234567, or "${ON_CALL}"` });
    }
    if (a.channel === 'email' && !EMAIL.test(a.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `to must be an email address, or "${ON_CALL}"` });
    }
  })
  .openapi('RoutingNotifyAction');

const StopAction = z
  .object({ type: z.literal('stop') })
  .openapi('RoutingStopAction', { description: 'evaluate no further rules' });

export const ActionSchema = z
  .discriminatedUnion('type', [
    AssignQueueAction,
    AssignAssistantAction,
    ReplyTemplateAction,
    AddTagAction,
    SetPriorityAction,
    SetSlaAction,
    SnoozeAction,
    ResolveAction,
    NotifyAction,
    StopAction,
  ])
  .openapi('RoutingAction');

/** actions a rule may carry once: two of them in one rule would contradict each other */
const ONCE_PER_RULE = new Set(['assign_queue', 'assign_assistant', 'reply_template', 'set_priority', 'set_sla', 'snooze', 'resolve', 'stop']);

// ---- rules ------------------------------------------------------------------------------

export const RuleSchema = z
  .object({
    id: z.string().regex(RULE_ID, 'id must be 1-64 letters, digits, ".", "-" or "_"'),
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().default(true),
    match: z.enum(['all', 'any']).default('all').openapi({ description: 'all conditions, or any one; a rule with no conditions always matches' }),
    conditions: z.array(ConditionSchema).max(20).default([]),
    actions: z.array(ActionSchema).min(1).max(20),
  })
  .superRefine((rule, ctx) => {
    const seen = new Set<string>();
    rule.actions.forEach((action, i) => {
      if (ONCE_PER_RULE.has(action.type) && seen.has(action.type)) {
        ctx.addIssue({ code: 'custom', path: ['actions', i, 'type'], message: `only one ${action.type} action per rule` });
      }
      seen.add(action.type);
    });
  })
  .openapi('RoutingRule');

export const RuleSetSchema = z
  .object({ rules: z.array(RuleSchema).max(MAX_RULES) })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  })
  .openapi('RoutingRuleSet', { description: 'a practice’s rules, evaluated in order' });

export type Condition = z.output<typeof ConditionSchema>;
export type Action = z.output<typeof ActionSchema>;
export type ActionType = Action['type'];
export type Rule = z.output<typeof RuleSchema>;
export type RuleSet = z.output<typeof RuleSetSchema>;
/** what a client may send: `enabled`, `match` and `conditions` have defaults */
export type RuleInput = z.input<typeof RuleSchema>;
export type RuleSetInput = z.input<typeof RuleSetSchema>;

// ---- errors -----------------------------------------------------------------------------

export interface RuleError {
  /** dotted path, e.g. rules.2.conditions.0.pattern */
  path: string;
  message: string;
}

/** One entry per problem, each naming its field. */
export function ruleErrors(error: z.ZodError): RuleError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issueMessage(issue),
  }));
}

/** `['rules.2.conditions.0.pattern: nested quantifier: ...', ...]` */
export function describeRuleErrors(error: z.ZodError): string[] {
  return ruleErrors(error).map((e) => `${e.path}: ${e.message}`);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // zod's text for an unknown discriminator quotes every option in TypeScript syntax
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return `unknown type; expected one of ${issue.options.join(', ')}`;
  }
  return issue.message;
}

export type ParsedRuleSet = { ok: true; ruleSet: RuleSet } | { ok: false; errors: RuleError[] };

/** Validates a rule set from a request body or the database. */
export function parseRuleSet(input: unknown): ParsedRuleSet {
  const result = RuleSetSchema.safeParse(input);
  return result.success ? { ok: true, ruleSet: result.data } : { ok: false, errors: ruleErrors(result.error) };
}

/** Queues, templates and assistants a rule set names, for the service to check they exist. */
export function referencedKeys(rules: readonly Rule[]): { queues: string[]; templates: string[]; assistants: string[] } {
  const queues = new Set<string>();
  const templates = new Set<string>();
  const assistants = new Set<string>();
  for (const rule of rules) {
    for (const action of rule.actions) {
      if (action.type === 'assign_queue') queues.add(action.queue);
      else if (action.type === 'reply_template') templates.add(action.template);
      else if (action.type === 'assign_assistant') assistants.add(action.assistant);
    }
  }
  return { queues: [...queues], templates: [...templates], assistants: [...assistants] };
}
