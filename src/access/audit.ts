import type { Db } from '../platform/db/client';
import { auditEvents } from '../platform/db/schema';
import type { Principal } from './principal';

/**
 * Every action the audit log records: reads and changes of patient data by a person or
 * token, and what automation did on their behalf. A new action is added here first.
 */
export const auditActions = [
  'appointment.cancel',
  'appointment.create',
  'appointment.list',
  'appointment.read',
  'appointment.update',
  'assistant.update',
  'conversation.assign',
  'conversation.checklist',
  'conversation.list',
  'conversation.note',
  'conversation.open',
  'conversation.pending',
  'conversation.read',
  'conversation.reopen',
  'conversation.reply',
  'conversation.resolution_overdue',
  'conversation.resolved',
  'conversation.returned_to_queue',
  'conversation.routed',
  'conversation.sla_breach',
  'conversation.sla_warning',
  'conversation.snoozed',
  'conversation.woke',
  'message.triage_correct',
  'metrics.appointments.read',
  'metrics.inbox.read',
  'notification.sent',
  'patient.merge',
  'patient.unmerge',
  'portal.message.receive',
  'portal.reply.list',
  'practice.create',
  'practice.reminder_cadence.update',
  'practice.update',
  'queue.update',
  'refill.approve',
  'refill.deny',
  'refill.list',
  'refill.record',
  'rules.save',
  'rules.simulate',
  'session.login',
  'template.reset',
  'template.update',
  'token.create',
  'token.revoke',
  'triage.corrections_export',
  'user.create',
  'user.deactivate',
  'user.password_reset',
  'user.reactivate',
  'user.update',
  'waitlist.add',
  'waitlist.list',
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
  action: AuditAction;
  subjectType: string;
  subjectId?: string | null;
  practiceId?: string | null;
  patientId?: string | null;
  /** ids and field names only, never the values of patient data */
  detail?: Record<string, unknown>;
}

/** Written inside the transaction of the read or change it records: a failed audit fails the request. */
export async function audit(db: Db, actor: Principal | 'system', requestId: string | null, entry: AuditEntry | AuditEntry[]) {
  const entries = Array.isArray(entry) ? entry : [entry];
  if (entries.length === 0) return;
  await db.insert(auditEvents).values(
    entries.map((e) => ({
      practiceId: e.practiceId ?? null,
      actorType: actor === 'system' ? ('system' as const) : actor.kind,
      actorUserId: actor === 'system' ? null : actor.userId,
      actorTokenId: actor === 'system' ? null : actor.tokenId,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId ?? null,
      patientId: e.patientId ?? null,
      requestId,
      detail: e.detail ?? null,
    })),
  );
}
