import { eq } from 'drizzle-orm';
import { conversations } from '../platform/db/schema';
import { audit } from '../access/audit';
import { pickAssistant } from './assignment';
import { addNotifyJob } from '../outreach/notify-queue';
import { defineJob } from '../platform/jobs/registry';
import { applyAutomation, pendingWork } from './people-only';

/**
 * A warning before an SLA is due, and escalation at the breach: the conversation moves up,
 * goes to another available assistant (or back to its queue), and managers are told.
 */
export function slaJob() {
  return defineJob({
    queue: 'sla',
    worker: { concurrency: 4 },
    async exec(deps, job) {
      const { conversationId, kind, dueAt } = job.data;
      const now = deps.clock.now();
      await deps.db.transaction(async (tx) => {
        const [c] = await tx.select().from(conversations).where(eq(conversations.id, conversationId)).for('update');
        if (!c || c.status === 'resolved') return;
        if (kind !== 'resolution') {
          // answered in time (nothing awaits a reply), or the clock moved since this row was made
          if (c.slaDueAt?.toISOString() !== dueAt) return;
          if ((await pendingWork(tx, conversationId)).awaiting.length === 0) return;
        }
        if (kind === 'warning') {
          await addNotifyJob(tx, { practiceId: c.practiceId, conversationId, purpose: 'sla_warning', target: c.assigneeId ? 'assignee' : 'managers', dedupeKey: `notify:sla_warning:${conversationId}:${dueAt}`, now, dueAt: new Date(dueAt) });
          await audit(tx, 'system', null, { action: 'conversation.sla_warning', subjectType: 'conversation', subjectId: conversationId, practiceId: c.practiceId });
          return;
        }
        let assigneeId = c.assigneeId;
        if (kind === 'breach' && c.queueId) {
          assigneeId = await pickAssistant(tx, { practiceId: c.practiceId, queueId: c.queueId, exclude: c.assigneeId ? [c.assigneeId] : [] });
        }
        // moves it up and to someone else: through the one gate every automated change takes
        await applyAutomation(tx, conversationId, { priority: c.priority + 10, ...(kind === 'breach' ? { assigneeId } : {}) }, { by: 'sla', now });
        await addNotifyJob(tx, { practiceId: c.practiceId, conversationId, purpose: 'sla_breach', target: 'managers', dedupeKey: `notify:sla_${kind}:${conversationId}:${dueAt}`, now, dueAt: new Date(dueAt) });
        await audit(tx, 'system', null, {
          action: kind === 'breach' ? 'conversation.sla_breach' : 'conversation.resolution_overdue',
          subjectType: 'conversation',
          subjectId: conversationId,
          practiceId: c.practiceId,
          detail: { from: c.assigneeId, to: kind === 'breach' ? assigneeId : c.assigneeId },
        });
      });
      deps.relay.nudge();
    },
  });
}
