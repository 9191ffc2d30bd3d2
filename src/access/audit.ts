import { createHash } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
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
  'appointment.ehr_retry',
  'appointment.ehr_write_back',
  'appointment.import',
  'appointment.list',
  'appointment.read',
  'appointment.update',
  'assistant.update',
  'consent.list',
  'consent.record',
  'attachment.provider_fetch',
  'attachment.purge',
  'attachment.read',
  'attachment.upload',
  'audit.list',
  'call.ended',
  'call.place',
  'call.recording',
  'conversation.assign',
  'conversation.assigned_from_queue',
  'conversation.automation_held',
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
  'ehr.sync',
  'message.triage_correct',
  'metrics.appointments.read',
  'metrics.inbox.read',
  'notification.sent',
  'patient.consent',
  'patient.contact_add',
  'patient.contact_remove',
  'patient.erase',
  'patient.export',
  'patient.merge',
  'patient.read',
  'patient.search',
  'patient.unmerge',
  'patient.update',
  'practice.media_settings.update',
  'portal.message.receive',
  'portal.reply.list',
  'practice.create',
  'practice.ehr.update',
  'practice.reminder_cadence.update',
  'practice.update',
  'qa.review',
  'qa.sample',
  'queue.archive',
  'queue.create',
  'queue.unarchive',
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
  'unrouted.dismiss',
  'unrouted.list',
  'unrouted.read',
  'unrouted.route',
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
  )
    // every automated step writes one: prepared (one round trip instead of two)
    .prepare('sb_audit')
    .execute();
}

/** How long a repeated read of the same thing by the same caller counts as the one already logged. */
export const AUDIT_REPEAT_WINDOW_MS = 15 * 60_000;

/**
 * An audit entry written once per caller and `key` within the window: a player fetching an
 * audio file in ranges, or a console polling the same page of a list, makes one entry, not
 * one per request, so the log stays readable. Returns whether it wrote.
 */
export async function auditOnce(db: Db, actor: Principal | 'system', requestId: string | null, entry: AuditEntry, key: string, windowMs = AUDIT_REPEAT_WINDOW_MS): Promise<boolean> {
  const since = sql`now() - make_interval(secs => ${windowMs / 1000})`;
  const who =
    actor === 'system'
      ? eq(auditEvents.actorType, 'system')
      : actor.tokenId
        ? eq(auditEvents.actorTokenId, actor.tokenId)
        : actor.userId
          ? eq(auditEvents.actorUserId, actor.userId)
          : sql`false`;
  const [seen] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        // a subject narrows the look-up to its index (a file's reads); a list page has none
        entry.subjectId ? and(eq(auditEvents.subjectType, entry.subjectType), eq(auditEvents.subjectId, entry.subjectId)) : undefined,
        who,
        eq(auditEvents.action, entry.action),
        gt(auditEvents.createdAt, since),
        sql`${auditEvents.detail} ->> 'repeatKey' = ${key}`,
      ),
    )
    .limit(1);
  if (seen) return false;
  await audit(db, actor, requestId, { ...entry, detail: { ...entry.detail, repeatKey: key } });
  return true;
}

/**
 * One entry for a page of a list view, naming what it showed (ids only): written again only
 * when the page shows something else, or after the window. `patientIds` lets the audit API
 * find the page by patient.
 */
export async function auditListPage(
  db: Db,
  actor: Principal,
  requestId: string | null,
  page: { action: AuditAction; subjectType: string; practiceId?: string | null; rows: { id: string; patientId?: string | null; practiceId?: string | null }[] },
): Promise<void> {
  if (page.rows.length === 0) return;
  const ids = page.rows.map((r) => r.id);
  const patientIds = [...new Set(page.rows.map((r) => r.patientId).filter((p): p is string => Boolean(p)))];
  const practiceIds = [...new Set(page.rows.map((r) => r.practiceId).filter((p): p is string => Boolean(p)))];
  const key = createHash('sha256').update(`${page.action}\0${ids.join(',')}`).digest('hex').slice(0, 32);
  await auditOnce(
    db,
    actor,
    requestId,
    {
      action: page.action,
      subjectType: page.subjectType,
      practiceId: page.practiceId ?? (practiceIds.length === 1 ? practiceIds[0] : null),
      patientId: patientIds.length === 1 ? patientIds[0] : null,
      detail: { ids, patientIds, ...(practiceIds.length > 1 ? { practiceIds } : {}), count: ids.length },
    },
    key,
  );
}
