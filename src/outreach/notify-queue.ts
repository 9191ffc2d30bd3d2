import type { Db } from '../platform/db/client';
import { addJob } from '../platform/jobs/catalog';

/** Staff notices: the on-call contact, a conversation's assignee, or the practice's managers. */
export type NotifyPurpose = 'oncall_emergency' | 'sla_warning' | 'sla_breach' | 'staff_notice';
/** on_call, the assignee, the practice's managers, or a staff number/address a rule names */
export type NotifyTarget = 'on_call' | 'assignee' | 'managers' | 'address';

/** Written in the transaction that decided it; job data is ids and words from a fixed list. */
export async function addNotifyJob(
  db: Db,
  n: {
    practiceId: string;
    conversationId: string;
    purpose: NotifyPurpose;
    target: NotifyTarget;
    dedupeKey: string;
    now: Date;
    dueAt?: Date | null;
    /** for target 'address': a staff member's number or email (never a patient's) */
    address?: { channel: 'sms' | 'email'; to: string };
  },
) {
  await addJob(
    db,
    'notify',
    {
      practiceId: n.practiceId,
      conversationId: n.conversationId,
      purpose: n.purpose,
      target: n.target,
      dueAt: n.dueAt?.toISOString() ?? null,
      channel: n.address?.channel ?? null,
      to: n.address?.to ?? null,
    },
    { runAt: n.now, dedupeKey: n.dedupeKey },
  );
}

