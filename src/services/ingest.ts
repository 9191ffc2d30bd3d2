import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../jobs/outbox';
import type { ContactKind } from '../db/schema';
import type { InboundMessage } from '../../channels/types';
import type { Principal } from '../auth/principal';

export interface IngestOptions {
  practiceId: string;
  receivedAt: Date;
  requestId?: string | null;
  /** a conversation found by threading (email headers, portal thread) */
  conversationId?: string | null;
  /** what the channel knows of a new patient (portal) */
  patient?: { firstName?: string | null; lastName?: string | null; dateOfBirth?: string | null; portalId?: string | null; language?: 'en' | 'es' };
  /** false for messages that need no triage (a missed call with no words) */
  triage?: boolean;
  /** a resolved conversation is reopened by a new message within this many days; older ones start anew */
  reopenDays?: number;
  /** the portal's thread id: a new one opens a new conversation */
  portalThreadId?: string | null;
  /** other contacts the sender gave (a portal message's phone and email): they find and join the patient */
  extraContacts?: { kind: ContactKind; value: string }[];
  /** the token that posted it (portal): audited in the same statement */
  audit?: { principal: Principal; action: string };
}

export interface IngestResult {
  messageId: string;
  conversationId: string;
  patientId: string;
  contactPointId: string;
  /** the provider sent this message before: nothing was written */
  duplicate: boolean;
  newPatient: boolean;
}

const contactKindOf = (m: InboundMessage): ContactKind => m.from.kind;

/**
 * Stores an inbound message in one round trip to Postgres (sb_ingest_inbound, kept in the
 * migrations): patient, contact point, conversation, message, attachments, triage outbox row.
 */
export async function ingestInbound(db: Db, message: InboundMessage, opts: IngestOptions): Promise<IngestResult> {
  const attachments = message.attachments.map((a) => ({
    name: a.name,
    contentType: a.contentType,
    size: a.size ?? a.content?.byteLength ?? null,
    url: a.url ?? null,
    content: a.content ? Buffer.from(a.content).toString('base64') : null,
  }));
  const jobPayload = opts.triage === false ? null : JSON.stringify({ requestId: opts.requestId ?? null });
  // In-Reply-To first, then References newest first: the nearest message we know wins
  const threading = message.threading;
  const refs = [threading?.inReplyTo, ...[...(threading?.references ?? [])].reverse()].filter((r): r is string => Boolean(r));
  const threadRefs = refs.length ? [...new Set(refs)] : null;
  const auditEntry = opts.audit
    ? JSON.stringify({
        actorType: opts.audit.principal.kind,
        actorUserId: opts.audit.principal.userId,
        actorTokenId: opts.audit.principal.tokenId,
        action: opts.audit.action,
        requestId: opts.requestId ?? null,
      })
    : null;
  const result = await db.execute(sql`select * from sb_ingest_inbound(
    ${opts.practiceId}::uuid, ${contactKindOf(message)}, ${message.from.value}, ${message.channel}, ${message.providerId},
    ${message.from.value}, ${message.to}, ${message.subject ?? null}, ${message.body}, ${message.originalBody ?? null},
    ${JSON.stringify(message.meta ?? {})}::jsonb, ${JSON.stringify(attachments)}::jsonb, ${opts.receivedAt.toISOString()}::timestamptz,
    ${opts.conversationId ?? null}::uuid, ${JSON.stringify(opts.patient ?? {})}::jsonb, ${jobPayload}::jsonb, ${opts.reopenDays ?? 7}::integer,
    array(select jsonb_array_elements_text(${JSON.stringify(threadRefs ?? [])}::jsonb)), ${threading?.replyToken ?? null}::text, ${opts.portalThreadId ?? null}::text,
    ${opts.extraContacts?.length ? JSON.stringify(opts.extraContacts) : null}::jsonb, ${auditEntry}::jsonb)`);
  const [row] = rowsOf<{
    message_id: string;
    conversation_id: string;
    patient_id: string;
    contact_point_id: string;
    duplicate: boolean;
    new_patient: boolean;
  }>(result);
  if (!row) throw new Error('sb_ingest_inbound returned no row');
  return {
    messageId: row.message_id,
    conversationId: row.conversation_id,
    patientId: row.patient_id,
    contactPointId: row.contact_point_id,
    duplicate: row.duplicate,
    newPatient: row.new_patient,
  };
}
