// Routing-rule evaluation: a practice's ordered rules plus DESIGN.md's safety rules, applied
// to one message, give a plan of actions. Pure: no clock (the context carries `now`), no I/O,
// inputs never mutated, and it never throws on a bad rule (safety must still apply when a
// stored rule is broken), so a rule that cannot run simply does not match and says why in
// `warnings`.
//
// How rules combine: rules run in order; disabled rules are skipped; a rule matches when
// all (or any, with match: 'any') of its conditions hold, and a rule without conditions
// always matches. For single-valued outcomes (reply, queue, assistant, priority, each SLA
// figure, snooze) the first matching rule that sets one wins, so put specific rules above
// general ones; tags and notifications add up. A `stop` action ends evaluation after its
// rule.
//
// Safety, after the rules, and no rule can change it (each override is listed in
// `safety.applied`, each rule action it removed in `safety.overridden`):
// - Only a patient's inbound message gets actions. A message written by automation or the
//   system (or any outbound message) gets an empty plan: automation never answers itself.
// - emergency: reply `emergency` (911 / 988, in the patient's language at render time),
//   queue `urgent` at TOP_PRIORITY, the on-call contact notified by SMS.
// - urgent: reply `urgent_ack` instead of any rule reply (also when no rule would have
//   replied, so the patient hears that a nurse will call today), queue `urgent` at
//   TOP_PRIORITY, on-call notified only outside business hours.
// - For both, rule actions that would delay or hide the conversation (assistant, SLA,
//   priority, snooze) are removed: the urgent queue's own assignment and SLA apply.
// - needsHuman (and every urgent or emergency message): never resolved by automation; any
//   resolve is dropped. A reply is allowed (it is an acknowledgement or an answer that still
//   leaves the conversation open for a person).
// - Never two automatic replies in a row. The conversation fields describe it *before*
//   this message, and a reply is refused when
//     (a) `conversation.lastAutoReplyAt` >= `message.createdAt`: an automatic reply has gone
//         out since this message arrived, so no patient message separates the two (a burst
//         of patient messages gets one automatic reply; re-running the rules after a triage
//         correction or a retried job does not reply twice), or
//     (b) `conversation.autoRepliesSinceStaffReply` >= MAX_AUTO_REPLIES_WITHOUT_STAFF: the
//         loop breaker for an autoresponder on the other side that writes like a patient.
//   The one exception is the emergency reply, which goes out under (a) and (b) unless the
//   reply already sent for this message was the emergency reply itself.
//   When a reply is refused, a rule's resolve is dropped too: an unanswered message stays open.

import type { Channel, TriageResult } from '../types.js';
import { ON_CALL, TOP_PRIORITY, type Action, type ActionType, type Condition, type Rule } from './schema.js';
import { compileSafeRegex, REGEX_INPUT_LIMIT } from './regex-safety.js';
import { foldAccents, keywordNeedle, keywordText, type KeywordNeedle } from './text.js';
import { nextLocalTime } from './time.js';

export const URGENT_QUEUE = 'urgent';
export const EMERGENCY_TEMPLATE = 'emergency';
export const URGENT_ACK_TEMPLATE = 'urgent_ack';
export const MAX_AUTO_REPLIES_WITHOUT_STAFF = 3;

export type AuthorType = 'patient' | 'user' | 'automation' | 'system';

export interface RoutingContext {
  triage: TriageResult;
  message: {
    channel: Channel;
    body: string;
    direction: 'inbound' | 'outbound';
    authorType: AuthorType;
    createdAt: Date | string;
  };
  /** the conversation as it stood before this message */
  conversation: {
    /** when the most recent automatic reply in the conversation went out */
    lastAutoReplyAt?: Date | string | null;
    /** the template of that reply */
    lastAutoReplyTemplate?: string | null;
    /** automatic replies since a person last replied in the conversation (0 when unknown) */
    autoRepliesSinceStaffReply?: number;
  };
  patient: { isNew: boolean; tags: readonly string[] };
  practice: { inBusinessHours: boolean; timeZone: string };
  fromOnCallLine: boolean;
  now: Date | string;
}

export type SafetyCode =
  | 'automation_authored'
  | 'not_from_patient'
  | 'emergency_reply'
  | 'emergency_reply_already_sent'
  | 'emergency_urgent_queue'
  | 'emergency_on_call'
  | 'urgent_ack'
  | 'urgent_queue'
  | 'urgent_on_call'
  | 'needs_human_not_resolved'
  | 'auto_reply_in_a_row_refused'
  | 'auto_reply_limit_reached';

export interface Notification {
  channel: 'sms' | 'email';
  /** an E.164 number, an email address, or "on_call" */
  to: string;
  reason: 'rule' | 'emergency' | 'urgent';
}

export interface PlanSla {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
}

type PlannedBody =
  | { type: 'reply_template'; template: string }
  | { type: 'notify'; channel: 'sms' | 'email'; to: string; reason: Notification['reason'] }
  | { type: 'assign_queue'; queue: string }
  | { type: 'assign_assistant'; assistant: string }
  | { type: 'set_priority'; priority: number }
  | { type: 'set_sla'; firstResponseMinutes: number | null; resolutionMinutes: number | null }
  | { type: 'add_tag'; tag: string }
  | { type: 'snooze'; until: string }
  | { type: 'resolve' };

/** One thing to do; `ruleId` null means a safety rule put it there (named in `safety`). */
export type PlannedAction = PlannedBody & { ruleId: string | null; safety: SafetyCode | null };

export interface OverriddenAction {
  ruleId: string;
  type: ActionType;
  by: SafetyCode;
}

export interface RoutingPlan {
  matchedRuleIds: string[];
  /** every action to carry out, in order: reply, notifications, queue, assistant, priority, SLA, tags, snooze, resolve */
  actions: PlannedAction[];
  replyTemplate: string | null;
  queue: string | null;
  assignee: string | null;
  tags: string[];
  priority: number | null;
  sla: PlanSla | null;
  /** ISO 8601 (UTC) */
  snoozeUntil: string | null;
  resolve: boolean;
  notifications: Notification[];
  safety: { applied: SafetyCode[]; overridden: OverriddenAction[] };
  /** rules that could not run as written (a refused regex, an unknown time zone) */
  warnings: string[];
}

// ---- compiling --------------------------------------------------------------------------

type CompiledCondition =
  | { type: 'keywords'; not: boolean; needles: KeywordNeedle[] }
  | { type: 'regex'; not: boolean; regex: RegExp | null; pattern: string }
  | (Exclude<Condition, { type: 'keywords' | 'regex' }> & { not?: boolean });

interface CompiledRule {
  id: string;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: CompiledCondition[];
  actions: readonly Action[];
}

const COMPILED: unique symbol = Symbol('compiled routing rules');

/** Rules prepared once for many evaluations (keywords normalised, regexes built). */
export interface CompiledRules {
  readonly [COMPILED]: true;
  readonly rules: readonly CompiledRule[];
}

/** Compile once when evaluating many messages against the same rules (simulation does). */
export function compileRules(rules: readonly Rule[]): CompiledRules {
  return {
    [COMPILED]: true,
    rules: rules.map((rule) => ({
      id: rule.id,
      enabled: rule.enabled !== false,
      match: rule.match === 'any' ? 'any' : 'all',
      conditions: (rule.conditions ?? []).map(compileCondition),
      actions: rule.actions ?? [],
    })),
  };
}

function compileCondition(condition: Condition): CompiledCondition {
  if (condition.type === 'keywords') {
    const needles = condition.any.map(keywordNeedle).filter((n): n is KeywordNeedle => n !== null);
    return { type: 'keywords', not: condition.not === true, needles };
  }
  if (condition.type === 'regex') {
    return { type: 'regex', not: condition.not === true, regex: compileSafeRegex(condition.pattern), pattern: condition.pattern };
  }
  return condition;
}

function isCompiled(rules: readonly Rule[] | CompiledRules): rules is CompiledRules {
  return (rules as CompiledRules)[COMPILED] === true;
}

// ---- evaluating -------------------------------------------------------------------------

interface Facts {
  context: RoutingContext;
  keywordText(): string;
  regexText(): string;
  warnings: string[];
}

function facts(context: RoutingContext, warnings: string[]): Facts {
  let kw: string | undefined;
  let rx: string | undefined;
  return {
    context,
    warnings,
    keywordText: () => (kw ??= keywordText(context.message.body)),
    regexText: () => (rx ??= foldAccents(context.message.body.slice(0, REGEX_INPUT_LIMIT))),
  };
}

function present(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') return value.trim().length > 0;
  return value !== undefined && value !== null;
}

function holds(condition: CompiledCondition, f: Facts, ruleId: string): boolean {
  const { triage, patient, practice } = f.context;
  let result: boolean;
  switch (condition.type) {
    case 'intent':
      result = condition.in.includes(triage.intent);
      break;
    case 'urgency':
      result = condition.in.includes(triage.urgency);
      break;
    case 'channel':
      result = condition.in.includes(f.context.message.channel);
      break;
    case 'language':
      result = condition.in.includes(triage.language);
      break;
    case 'confidence':
      result = condition.op === 'below' ? triage.confidence < condition.value : triage.confidence > condition.value;
      break;
    case 'keywords': {
      const text = f.keywordText();
      result = condition.needles.some((n) => text.includes(n.needle));
      break;
    }
    case 'regex':
      if (!condition.regex) {
        f.warnings.push(`rule ${ruleId}: regex ${JSON.stringify(condition.pattern)} is not safe to run; the condition never holds`);
        return false; // not even when negated: a rule that cannot be read does not fire
      }
      result = condition.regex.test(f.regexText());
      break;
    case 'entity':
      result = present(triage.entities?.[condition.entity]);
      break;
    case 'business_hours':
      result = practice.inBusinessHours === condition.within;
      break;
    case 'patient_new':
      result = patient.isNew === condition.value;
      break;
    case 'patient_tag': {
      const wanted = condition.tag.toLowerCase();
      result = patient.tags.some((t) => t.toLowerCase() === wanted);
      break;
    }
    case 'on_call_line':
      result = f.context.fromOnCallLine === condition.value;
      break;
    default:
      f.warnings.push(`rule ${ruleId}: unknown condition type ${JSON.stringify((condition as { type: unknown }).type)}`);
      return false;
  }
  return condition.not ? !result : result;
}

function matches(rule: CompiledRule, f: Facts): boolean {
  if (rule.conditions.length === 0) return true;
  return rule.match === 'any'
    ? rule.conditions.some((c) => holds(c, f, rule.id))
    : rule.conditions.every((c) => holds(c, f, rule.id));
}

interface Sourced<T> {
  value: T;
  ruleId: string | null;
  safety: SafetyCode | null;
}

interface Draft {
  reply: Sourced<string> | null;
  queue: Sourced<string> | null;
  assignee: Sourced<string> | null;
  priority: Sourced<number> | null;
  firstResponse: Sourced<number> | null;
  resolution: Sourced<number> | null;
  snooze: Sourced<string> | null;
  resolve: Sourced<true> | null;
  tags: Sourced<string>[];
  notifications: Sourced<Notification>[];
}

const fromRule = <T>(value: T, ruleId: string): Sourced<T> => ({ value, ruleId, safety: null });
const fromSafety = <T>(value: T, safety: SafetyCode): Sourced<T> => ({ value, ruleId: null, safety });

function toTime(value: Date | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = (value instanceof Date ? value : new Date(value)).getTime();
  return Number.isNaN(t) ? null : t;
}

function emptyPlan(applied: SafetyCode[]): RoutingPlan {
  return {
    matchedRuleIds: [],
    actions: [],
    replyTemplate: null,
    queue: null,
    assignee: null,
    tags: [],
    priority: null,
    sla: null,
    snoozeUntil: null,
    resolve: false,
    notifications: [],
    safety: { applied, overridden: [] },
    warnings: [],
  };
}

/** The plan for one message under a practice's rules (raw, as validated, or compiled). */
export function evaluateRules(rules: readonly Rule[] | CompiledRules, context: RoutingContext): RoutingPlan {
  const { message } = context;
  if (message.authorType === 'automation' || message.authorType === 'system') return emptyPlan(['automation_authored']);
  if (message.direction !== 'inbound' || message.authorType !== 'patient') return emptyPlan(['not_from_patient']);

  const compiled = isCompiled(rules) ? rules : compileRules(rules);
  const warnings: string[] = [];
  const f = facts(context, warnings);
  const draft: Draft = {
    reply: null,
    queue: null,
    assignee: null,
    priority: null,
    firstResponse: null,
    resolution: null,
    snooze: null,
    resolve: null,
    tags: [],
    notifications: [],
  };
  const matchedRuleIds: string[] = [];

  for (const rule of compiled.rules) {
    if (!rule.enabled || !matches(rule, f)) continue;
    matchedRuleIds.push(rule.id);
    if (applyRuleActions(rule, draft, context, warnings)) break;
  }

  const safety = applySafety(draft, context);
  return { matchedRuleIds, ...finish(draft), safety, warnings };
}

/** Applies a matched rule's actions where no earlier rule set them; true on `stop`. */
function applyRuleActions(rule: CompiledRule, draft: Draft, context: RoutingContext, warnings: string[]): boolean {
  let stop = false;
  for (const action of rule.actions) {
    switch (action.type) {
      case 'reply_template':
        draft.reply ??= fromRule(action.template, rule.id);
        break;
      case 'assign_queue':
        draft.queue ??= fromRule(action.queue, rule.id);
        break;
      case 'assign_assistant':
        draft.assignee ??= fromRule(action.assistant, rule.id);
        break;
      case 'set_priority':
        draft.priority ??= fromRule(action.priority, rule.id);
        break;
      case 'set_sla':
        if (action.firstResponseMinutes !== undefined) draft.firstResponse ??= fromRule(action.firstResponseMinutes, rule.id);
        if (action.resolutionMinutes !== undefined) draft.resolution ??= fromRule(action.resolutionMinutes, rule.id);
        break;
      case 'snooze':
        if (!draft.snooze) {
          const until = snoozeUntil(action, context);
          if (until) draft.snooze = fromRule(until, rule.id);
          else warnings.push(`rule ${rule.id}: cannot compute the snooze time in time zone ${JSON.stringify(context.practice.timeZone)}`);
        }
        break;
      case 'resolve':
        draft.resolve ??= fromRule(true, rule.id);
        break;
      case 'add_tag':
        if (!draft.tags.some((t) => t.value === action.tag)) draft.tags.push(fromRule(action.tag, rule.id));
        break;
      case 'notify':
        addNotification(draft, fromRule({ channel: action.channel, to: action.to, reason: 'rule' }, rule.id));
        break;
      case 'stop':
        stop = true;
        break;
    }
  }
  return stop;
}

function snoozeUntil(action: Extract<Action, { type: 'snooze' }>, context: RoutingContext): string | null {
  const now = toTime(context.now);
  if (now === null) return null;
  if (action.minutes !== undefined) return new Date(now + action.minutes * 60_000).toISOString();
  if (action.untilLocalTime === undefined) return null;
  try {
    return nextLocalTime(new Date(now), action.untilLocalTime, context.practice.timeZone).toISOString();
  } catch {
    return null;
  }
}

function addNotification(draft: Draft, n: Sourced<Notification>): void {
  const same = draft.notifications.find((x) => x.value.channel === n.value.channel && x.value.to === n.value.to);
  if (!same) draft.notifications.push(n);
  else if (n.safety) draft.notifications[draft.notifications.indexOf(same)] = n; // the safety reason wins
}

function applySafety(draft: Draft, context: RoutingContext): RoutingPlan['safety'] {
  const applied: SafetyCode[] = [];
  const overridden: OverriddenAction[] = [];
  const { triage, conversation, message } = context;
  const emergency = triage.urgency === 'emergency';
  const urgent = triage.urgency === 'urgent';

  type Slot = 'reply' | 'queue' | 'assignee' | 'priority' | 'firstResponse' | 'resolution' | 'snooze' | 'resolve';
  const drop = (key: Slot, type: ActionType, by: SafetyCode) => {
    const current = draft[key];
    if (current?.ruleId) overridden.push({ ruleId: current.ruleId, type, by });
    draft[key] = null;
  };

  if (emergency || urgent) {
    const replyCode: SafetyCode = emergency ? 'emergency_reply' : 'urgent_ack';
    const queueCode: SafetyCode = emergency ? 'emergency_urgent_queue' : 'urgent_queue';
    if (draft.reply?.ruleId) overridden.push({ ruleId: draft.reply.ruleId, type: 'reply_template', by: replyCode });
    draft.reply = fromSafety(emergency ? EMERGENCY_TEMPLATE : URGENT_ACK_TEMPLATE, replyCode);
    applied.push(replyCode);

    if (draft.queue?.ruleId && draft.queue.value !== URGENT_QUEUE) drop('queue', 'assign_queue', queueCode);
    draft.queue = fromSafety(URGENT_QUEUE, queueCode);
    drop('priority', 'set_priority', queueCode);
    draft.priority = fromSafety(TOP_PRIORITY, queueCode);
    drop('assignee', 'assign_assistant', queueCode);
    drop('firstResponse', 'set_sla', queueCode);
    drop('resolution', 'set_sla', queueCode);
    drop('snooze', 'snooze', queueCode);
    applied.push(queueCode);

    if (emergency || !context.practice.inBusinessHours) {
      const code: SafetyCode = emergency ? 'emergency_on_call' : 'urgent_on_call';
      addNotification(draft, fromSafety({ channel: 'sms', to: ON_CALL, reason: emergency ? 'emergency' : 'urgent' }, code));
      applied.push(code);
    }
  }

  if ((triage.needsHuman || emergency || urgent) && draft.resolve) {
    drop('resolve', 'resolve', 'needs_human_not_resolved');
    applied.push('needs_human_not_resolved');
  }

  if (draft.reply) {
    const createdAt = toTime(message.createdAt);
    const lastAuto = toTime(conversation.lastAutoReplyAt);
    const answeredSince = lastAuto !== null && createdAt !== null && lastAuto >= createdAt;
    const atLimit = (conversation.autoRepliesSinceStaffReply ?? 0) >= MAX_AUTO_REPLIES_WITHOUT_STAFF;
    let refused: SafetyCode | null = null;
    if (emergency) {
      if (answeredSince && conversation.lastAutoReplyTemplate === EMERGENCY_TEMPLATE) refused = 'emergency_reply_already_sent';
    } else if (answeredSince) refused = 'auto_reply_in_a_row_refused';
    else if (atLimit) refused = 'auto_reply_limit_reached';
    if (refused) {
      drop('reply', 'reply_template', refused);
      drop('resolve', 'resolve', refused);
      applied.push(refused);
    }
  }

  return { applied, overridden };
}

function finish(draft: Draft): Omit<RoutingPlan, 'matchedRuleIds' | 'safety' | 'warnings'> {
  const actions: PlannedAction[] = [];
  const src = (s: Sourced<unknown>) => ({ ruleId: s.ruleId, safety: s.safety });
  if (draft.reply) actions.push({ type: 'reply_template', template: draft.reply.value, ...src(draft.reply) });
  for (const n of draft.notifications) actions.push({ type: 'notify', ...n.value, ...src(n) });
  if (draft.queue) actions.push({ type: 'assign_queue', queue: draft.queue.value, ...src(draft.queue) });
  if (draft.assignee) actions.push({ type: 'assign_assistant', assistant: draft.assignee.value, ...src(draft.assignee) });
  if (draft.priority) actions.push({ type: 'set_priority', priority: draft.priority.value, ...src(draft.priority) });
  const sla: PlanSla | null =
    draft.firstResponse || draft.resolution
      ? { firstResponseMinutes: draft.firstResponse?.value ?? null, resolutionMinutes: draft.resolution?.value ?? null }
      : null;
  if (sla) actions.push({ type: 'set_sla', ...sla, ...src((draft.firstResponse ?? draft.resolution)!) });
  for (const t of draft.tags) actions.push({ type: 'add_tag', tag: t.value, ...src(t) });
  if (draft.snooze) actions.push({ type: 'snooze', until: draft.snooze.value, ...src(draft.snooze) });
  if (draft.resolve) actions.push({ type: 'resolve', ...src(draft.resolve) });
  return {
    actions,
    replyTemplate: draft.reply?.value ?? null,
    queue: draft.queue?.value ?? null,
    assignee: draft.assignee?.value ?? null,
    tags: draft.tags.map((t) => t.value),
    priority: draft.priority?.value ?? null,
    sla,
    snoozeUntil: draft.snooze?.value ?? null,
    resolve: draft.resolve !== null,
    notifications: draft.notifications.map((n) => ({ ...n.value })),
  };
}
