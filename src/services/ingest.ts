import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rowsOf } from '../jobs/outbox';
import type { ContactKind } from '../db/schema';
import type { InboundMessage } from '../../channels/types';

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
  const result = await db.execute(sql`select * from sb_ingest_inbound(
    ${opts.practiceId}::uuid, ${contactKindOf(message)}, ${message.from.value}, ${message.channel}, ${message.providerId},
    ${message.from.value}, ${message.to}, ${message.subject ?? null}, ${message.body}, ${message.originalBody ?? null},
    ${JSON.stringify(message.meta ?? {})}::jsonb, ${JSON.stringify(attachments)}::jsonb, ${opts.receivedAt.toISOString()}::timestamptz,
    ${opts.conversationId ?? null}::uuid, ${JSON.stringify(opts.patient ?? {})}::jsonb, ${jobPayload}::jsonb, ${opts.reopenDays ?? 7}::integer)`);
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
