// Dry run: what each stored message would get under a draft rule set against the live one.
// Pure: the service loads the messages and their contexts, nothing is sent or changed here.

import type { Rule } from './schema.js';
import { compileRules, evaluateRules, type RoutingContext, type RoutingPlan } from './evaluate.js';

export interface SimulationItem {
  /** the stored message's id */
  id: string;
  context: RoutingContext;
}

export interface SimulationInput {
  draft: readonly Rule[];
  live: readonly Rule[];
  items: readonly SimulationItem[];
}

export interface SimulationChange {
  id: string;
  live: RoutingPlan;
  draft: RoutingPlan;
  /** one line per outcome that differs, e.g. "queue: general → scheduling" */
  differences: string[];
}

export interface SimulationResult {
  total: number;
  counts: {
    /**
     * How many messages get each outcome under each set. Keys: `reply:<template>`,
     * `queue:<key>`, `assign:<assistant>`, `priority:<n>`, `sla`, `tag:<tag>`, `snooze`,
     * `resolve`, `notify:<channel>:<to>`, and `none` for a message that gets no action.
     */
    byAction: Record<string, { live: number; draft: number }>;
  };
  /** the messages whose outcome differs, in input order */
  changed: SimulationChange[];
}

export function simulateRules({ draft, live, items }: SimulationInput): SimulationResult {
  const draftRules = compileRules(draft);
  const liveRules = compileRules(live);
  const byAction: Record<string, { live: number; draft: number }> = {};
  const count = (plan: RoutingPlan, side: 'live' | 'draft') => {
    for (const key of outcomeKeys(plan)) (byAction[key] ??= { live: 0, draft: 0 })[side]++;
  };
  const changed: SimulationChange[] = [];
  for (const item of items) {
    const livePlan = evaluateRules(liveRules, item.context);
    const draftPlan = evaluateRules(draftRules, item.context);
    count(livePlan, 'live');
    count(draftPlan, 'draft');
    const differences = diffPlans(livePlan, draftPlan);
    if (differences.length) changed.push({ id: item.id, live: livePlan, draft: draftPlan, differences });
  }
  return { total: items.length, counts: { byAction }, changed };
}

/** The count keys one plan contributes to (each at most once). */
export function outcomeKeys(plan: RoutingPlan): string[] {
  const keys: string[] = [];
  if (plan.replyTemplate) keys.push(`reply:${plan.replyTemplate}`);
  if (plan.queue) keys.push(`queue:${plan.queue}`);
  if (plan.assignee) keys.push(`assign:${plan.assignee}`);
  if (plan.priority !== null) keys.push(`priority:${plan.priority}`);
  if (plan.sla) keys.push('sla');
  for (const tag of plan.tags) keys.push(`tag:${tag}`);
  if (plan.snoozeUntil) keys.push('snooze');
  if (plan.resolve) keys.push('resolve');
  for (const n of plan.notifications) keys.push(`notify:${n.channel}:${n.to}`);
  if (keys.length === 0) keys.push('none');
  return keys;
}

const show = (v: unknown): string => (v === null || v === undefined || v === false ? 'none' : v === true ? 'yes' : String(v));

/** Human-readable differences in outcome (which rules matched is not an outcome). */
export function diffPlans(live: RoutingPlan, draft: RoutingPlan): string[] {
  const out: string[] = [];
  const field = (name: string, a: unknown, b: unknown) => {
    if (show(a) !== show(b)) out.push(`${name}: ${show(a)} → ${show(b)}`);
  };
  field('reply', live.replyTemplate, draft.replyTemplate);
  field('queue', live.queue, draft.queue);
  field('assignee', live.assignee, draft.assignee);
  field('priority', live.priority, draft.priority);
  field('first response SLA (min)', live.sla?.firstResponseMinutes, draft.sla?.firstResponseMinutes);
  field('resolution SLA (min)', live.sla?.resolutionMinutes, draft.sla?.resolutionMinutes);
  field('snooze until', live.snoozeUntil, draft.snoozeUntil);
  field('resolve', live.resolve, draft.resolve);
  const added = draft.tags.filter((t) => !live.tags.includes(t));
  const removed = live.tags.filter((t) => !draft.tags.includes(t));
  if (added.length || removed.length) out.push(`tags: ${[...added.map((t) => `+${t}`), ...removed.map((t) => `-${t}`)].join(' ')}`);
  const notifyKey = (p: RoutingPlan) => p.notifications.map((n) => `${n.channel}:${n.to}`).sort().join(', ');
  field('notify', notifyKey(live) || null, notifyKey(draft) || null);
  return out;
}
