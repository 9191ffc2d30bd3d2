import { and, eq } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { contactPoints, conversations, queues, users } from '../platform/db/schema';
import { addNotifyJob } from '../outreach/notify-queue';
import { addWakeJob } from '../inbox/timers-queue';
import { evaluateRules, type RoutingPlan } from '../../triage/routing/index';
import type { TemplatePurpose } from '../../templates/index';
import { renderForPractice } from '../outreach/templates';
import type { Channel } from '../../triage/types';
import { audit } from '../access/audit';
import { pickAssistant } from '../inbox/assignment';
import { contactKindFor, queueOutbound } from '../outreach/outbound';
import { startSla } from '../inbox/sla';
import { liveRules } from './rules';
import { contextFor, loadRoutable, type Loaded } from './routing-context';

/** The channel an automatic reply goes by: the message's own, texts for a call, if the patient can take it. */
async function replyChannel(db: Db, l: Loaded): Promise<Channel | null> {
  const channel: Channel = l.message.channel === 'voice' ? 'sms' : l.message.channel;
  const [cp] = await db
    .select()
    .from(contactPoints)
    .where(and(eq(contactPoints.patientId, l.patient.id), eq(contactPoints.kind, contactKindFor(channel))))
    .limit(1);
  if (!cp) return null;
  if (channel === 'sms' && (cp.smsConsent === 'revoked' || cp.canReceiveSms === false)) return null;
  if (channel === 'email' && (cp.emailConsent === 'revoked' || cp.undeliverable)) return null;
  return channel;
}

async function renderReply(db: Db, l: Loaded, purpose: string, channel: Channel) {
  return renderForPractice(db, {
    practiceId: l.practice.id,
    purpose: purpose as TemplatePurpose,
    // the patient's record, else the language they wrote in
    language: l.patient.language !== 'en' ? l.patient.language : l.message.triage?.language ?? 'en',
    channel: channel as 'sms' | 'email' | 'portal',
    timeZone: l.patient.timeZone ?? l.practice.timeZone,
    numberTexted: l.message.toAddress,
    vars: { patient: { firstName: l.patient.firstName ?? undefined } },
  });
}

/**
 * Runs the practice's rules on a triaged inbound message and carries out the plan: queue,
 * assignee (picked when the rules name none), tags, priority, SLA, snooze, resolve, the
 * automatic reply and staff notices. The safety rules inside evaluateRules come first.
 */
export async function routeMessage(db: Database, messageId: string, now: Date): Promise<RoutingPlan | null> {
  return db.transaction(async (tx) => {
    const l = await loadRoutable(tx, messageId);
    if (!l || !l.message.triage || l.message.direction !== 'inbound') return null;
    await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, l.conversation.id)).for('update');
    const { rules } = await liveRules(tx, l.practice.id);
    const plan = evaluateRules(rules, await contextFor(tx, l, now));
    const c = l.conversation;
    const set: Partial<typeof conversations.$inferInsert> = { updatedAt: now };
    let queueId = c.queueId;
    if (plan.queue) {
      const [q] = await tx.select().from(queues).where(and(eq(queues.practiceId, l.practice.id), eq(queues.key, plan.queue)));
      if (q) queueId = set.queueId = q.id;
    }
    if (plan.assignee) {
      const [u] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(plan.assignee.includes('@') ? eq(users.email, plan.assignee.toLowerCase()) : eq(users.id, plan.assignee), eq(users.active, true)));
      if (u) set.assigneeId = u.id;
    } else if (queueId && (queueId !== c.queueId || !c.assigneeId) && !plan.resolve) {
      // a conversation that changed queue goes to someone who works that queue
      set.assigneeId = await pickAssistant(tx, {
        practiceId: l.practice.id,
        queueId,
        language: l.message.triage.language,
        task: l.message.triage.intent,
      });
    }
    if (plan.tags.length) set.tags = [...new Set([...c.tags, ...plan.tags])];
    if (plan.priority !== null) set.priority = plan.priority;
    if (plan.snoozeUntil) {
      set.status = 'snoozed';
      set.snoozedUntil = new Date(plan.snoozeUntil);
    }
    if (plan.resolve) {
      set.status = 'resolved';
      set.resolvedAt = now;
    }
    await tx.update(conversations).set(set).where(eq(conversations.id, c.id));
    if (set.snoozedUntil) await addWakeJob(tx, c.id, set.snoozedUntil);

    if (!plan.resolve && (queueId !== c.queueId || plan.sla || !c.slaDueAt)) {
      await startSla(tx, c.id, now, plan.sla ? { firstResponseMinutes: plan.sla.firstResponseMinutes ?? undefined, resolutionMinutes: plan.sla.resolutionMinutes ?? undefined } : null);
    }

    let replyId: string | null = null;
    if (plan.replyTemplate) {
      const channel = await replyChannel(tx, l);
      if (channel) {
        const rendered = await renderReply(tx, l, plan.replyTemplate, channel);
        const r = await queueOutbound(tx, {
          practiceId: l.practice.id,
          conversationId: c.id,
          channel,
          body: rendered.text,
          subject: rendered.subject ?? null,
          html: rendered.html ?? null,
          purpose: 'auto_reply',
          authorType: 'automation',
          idempotencyKey: `auto:${messageId}:${plan.replyTemplate}`,
          meta: { template: plan.replyTemplate, inReplyTo: messageId },
          now,
        });
        replyId = r.messageId;
      }
    }

    for (const n of plan.notifications) {
      const onCall = n.to === 'on_call';
      await addNotifyJob(tx, {
        practiceId: l.practice.id,
        conversationId: c.id,
        // the emergency page for emergencies; a plain notice for urgent messages and rules
        purpose: onCall && n.reason === 'emergency' ? 'oncall_emergency' : 'staff_notice',
        target: onCall ? 'on_call' : 'address',
        address: onCall ? undefined : { channel: n.channel, to: n.to },
        dedupeKey: `notify:${messageId}:${n.channel}:${n.to}`,
        now,
      });
    }
    await audit(tx, 'system', null, {
      action: 'conversation.routed',
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: l.practice.id,
      patientId: l.patient.id,
      detail: {
        messageId,
        matchedRuleIds: plan.matchedRuleIds,
        safety: plan.safety.applied,
        overridden: plan.safety.overridden,
        queue: plan.queue,
        reply: plan.replyTemplate,
        replyMessageId: replyId,
        warnings: plan.warnings,
      },
    });
    return plan;
  });
}

