import type { Db } from '../db/client';
import { auditEvents } from '../db/schema';
import type { Principal } from '../auth/principal';

export interface AuditEntry {
  action: string;
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
