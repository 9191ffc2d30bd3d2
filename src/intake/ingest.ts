import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/client';
import type { ContactKind } from '../platform/db/schema';
import type { InboundMessage } from '../../channels/types';
import { stripNul } from '../platform/text';
import { AppError } from '../platform/errors';
import type { Principal } from '../access/principal';
import { auditActions, type AuditAction } from '../access/audit';
import type { BlobStore } from '../platform/blobs/blob-store';
import { messages } from '../platform/db/schema';
import { normaliseContentType } from '../platform/blobs/media-types';

export interface StoredBlob {
  blobKey: string;
  sha256: string;
  size: number;
}

/**
 * Puts the bytes an email or portal message carried into the blob store before the message
 * is stored, so Postgres never holds them. The key is derived from the practice, the
 * provider's id, the position and the bytes' hash: a provider retry writes the same key (one
 * blob, and the ingest finds the message already stored), and a second message reusing a
 * provider id with other bytes can never overwrite the first one's file. If a write fails
 * the webhook fails before anything is stored, and the provider's retry starts again.
 * A message already stored (a retry) is not written again.
 */
export async function storeInlineAttachments(
  db: Db,
  blobs: BlobStore | undefined,
  practiceId: string,
  message: InboundMessage,
): Promise<(StoredBlob | null)[]> {
  if (!message.attachments.some((a) => a.content)) return message.attachments.map(() => null);
  // the edge has no blob store: the provider retries, and the Node deployment (or S3) must take attachments
  if (!blobs) throw new AppError('unavailable', 'this deployment cannot store attachments (no blob store); send this webhook to the Node deployment');
  const [seen] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.practiceId, practiceId), eq(messages.channel, message.channel), eq(messages.providerId, message.providerId)))
    .limit(1);
  const origin = createHash('sha256').update(`${message.channel}\0${message.providerId}`).digest('hex');
  return Promise.all(
    message.attachments.map(async (a, i) => {
      if (!a.content) return null;
      const sha256 = createHash('sha256').update(a.content).digest('hex');
      const blobKey = `${practiceId}/in/${createHash('sha256').update(`${origin}\0${i}\0${sha256}`).digest('hex').slice(0, 40)}`;
      if (!seen) await blobs.put(blobKey, a.content, { contentType: normaliseContentType(a.contentType) });
      return { blobKey, sha256, size: a.content.byteLength };
    }),
  );
}

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
  audit?: { principal: Principal; action: AuditAction };
  /** where each inline attachment's bytes were put (by storeInlineAttachments), by index */
  storedAttachments?: (StoredBlob | null)[];
  /** where inline attachment bytes go; needed when the message carries any */
  blobs?: BlobStore;
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

/**
 * The one argument of sb_ingest_inbound (migrations/functions/sb_ingest_inbound.sql): every
 * field the function reads, by name. Checked here, so a field the SQL expects and the code
 * forgot fails in a test rather than storing a half message.
 */
export const IngestRecordSchema = z.strictObject({
  practiceId: z.uuid(),
  contactKind: z.enum(['phone', 'email', 'portal']),
  contactValue: z.string().min(1),
  channel: z.enum(['sms', 'voice', 'email', 'portal']),
  providerId: z.string().min(1),
  from: z.string(),
  to: z.string(),
  subject: z.string().nullable(),
  body: z.string(),
  originalBody: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()),
  /** bytes never travel here: they are in the blob store (blobKey), or the media job fetches `url` */
  attachments: z.array(
    z.strictObject({
      name: z.string().nullable(),
      contentType: z.string(),
      size: z.number().int().nonnegative().max(2_147_483_647).nullable(),
      kind: z.enum(['attachment', 'recording']),
      url: z.string().nullable(),
      blobKey: z.string().nullable(),
      sha256: z.string().nullable(),
    }),
  ),
  /** follows the work into the media jobs */
  requestId: z.string().nullable(),
  receivedAt: z.iso.datetime({ offset: true }),
  conversationId: z.uuid().nullable(),
  patient: z.strictObject({
    firstName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    dateOfBirth: z.string().nullable().optional(),
    portalId: z.string().nullable().optional(),
    language: z.enum(['en', 'es']).optional(),
  }),
  /** the triage job's payload (the message id is added in SQL); null: no triage */
  jobPayload: z.strictObject({ requestId: z.string().nullable() }).nullable(),
  reopenDays: z.number().int().min(0).max(3650),
  /** email threading: In-Reply-To first, then References newest first */
  threadRefs: z.array(z.string()),
  replyToken: z.string().nullable(),
  portalThreadId: z.string().nullable(),
  extraContacts: z.array(z.strictObject({ kind: z.enum(['phone', 'email', 'portal']), value: z.string().min(1) })),
  audit: z
    .strictObject({
      actorType: z.string(),
      actorUserId: z.string().nullable(),
      actorTokenId: z.string().nullable(),
      action: z.enum(auditActions),
      requestId: z.string().nullable(),
    })
    .nullable(),
});
export type IngestRecord = z.infer<typeof IngestRecordSchema>;

/** The record sb_ingest_inbound takes, for one message. */
export function ingestRecord(message: InboundMessage, opts: IngestOptions): IngestRecord {
  const threading = message.threading;
  const refs = [threading?.inReplyTo, ...[...(threading?.references ?? [])].reverse()].filter((r): r is string => Boolean(r));
  // the one door every inbound message passes: Postgres text and jsonb cannot hold a NUL
  return IngestRecordSchema.parse(stripNul({
    practiceId: opts.practiceId,
    contactKind: message.from.kind,
    contactValue: message.from.value,
    channel: message.channel,
    providerId: message.providerId,
    from: message.from.value,
    to: message.to,
    subject: message.subject ?? null,
    body: message.body,
    originalBody: message.originalBody ?? null,
    meta: message.meta ?? {},
    attachments: message.attachments.map((a, i) => {
      const stored = opts.storedAttachments?.[i] ?? null;
      if (a.content && !stored) throw new Error('attachment bytes must be put in the blob store before ingest');
      return {
        name: a.name,
        contentType: normaliseContentType(a.contentType),
        size: stored?.size ?? a.size ?? null,
        kind: message.channel === 'voice' && /^audio\//i.test(a.contentType) ? ('recording' as const) : ('attachment' as const),
        url: stored ? null : (a.url ?? null),
        blobKey: stored?.blobKey ?? null,
        sha256: stored?.sha256 ?? null,
      };
    }),
    requestId: opts.requestId ?? null,
    receivedAt: opts.receivedAt.toISOString(),
    conversationId: opts.conversationId ?? null,
    patient: opts.patient ?? {},
    jobPayload: opts.triage === false ? null : { requestId: opts.requestId ?? null },
    reopenDays: opts.reopenDays ?? 7,
    threadRefs: [...new Set(refs)],
    replyToken: threading?.replyToken ?? null,
    portalThreadId: opts.portalThreadId ?? null,
    extraContacts: opts.extraContacts ?? [],
    audit: opts.audit
      ? {
          actorType: opts.audit.principal.kind,
          actorUserId: opts.audit.principal.userId,
          actorTokenId: opts.audit.principal.tokenId,
          action: opts.audit.action,
          requestId: opts.requestId ?? null,
        }
      : null,
  }));
}

/**
 * sb_ingest_inbound as a prepared statement, one per database handle (a transaction gets its
 * own). Unprepared, postgres.js asks the server to describe a statement's parameters before
 * it binds them: two round trips, and a parse and plan, per message.
 */
const ingestStatements = new WeakMap<object, ReturnType<typeof prepareIngest>>();
function prepareIngest(db: Db) {
  return db
    .select({
      messageId: sql<string>`message_id`,
      conversationId: sql<string>`conversation_id`,
      patientId: sql<string>`patient_id`,
      contactPointId: sql<string>`contact_point_id`,
      duplicate: sql<boolean>`duplicate`,
      newPatient: sql<boolean>`new_patient`,
    })
    .from(sql`sb_ingest_inbound(${sql.placeholder('record')}::jsonb)`)
    .prepare('sb_ingest_inbound');
}

/** the prepared sb_ingest_inbound of this database handle (tests make it fail once through it) */
export function ingestStatement(db: Db) {
  let stmt = ingestStatements.get(db);
  if (!stmt) ingestStatements.set(db, (stmt = prepareIngest(db)));
  return stmt;
}

/**
 * Stores an inbound message in one round trip to Postgres (sb_ingest_inbound): patient,
 * contact point, conversation, message, attachments, triage outbox row.
 */
export async function ingestInbound(db: Db, message: InboundMessage, opts: IngestOptions): Promise<IngestResult> {
  const stored = opts.storedAttachments ?? (await storeInlineAttachments(db, opts.blobs, opts.practiceId, message));
  const record = ingestRecord(message, { ...opts, storedAttachments: stored });
  const [row] = await ingestStatement(db).execute({ record: JSON.stringify(record) });
  if (!row) throw new Error('sb_ingest_inbound returned no row');
  return row;
}

/**
 * The same statement preceded by the practice's lookup: the active practice that owns the
 * address the message was sent to (a practice's number or email), then the ingest, in one
 * round trip instead of two. No owner: nothing is stored and the answer is null (the caller
 * holds the message as unrouted). The materialized CTE keeps the function from running for
 * an address whose practice is not active, whatever order the planner would join in.
 */
const ingestAtStatements = new WeakMap<object, ReturnType<typeof prepareIngestAt>>();
function prepareIngestAt(db: Db) {
  return db
    .select({
      practiceId: sql<string>`owner.practice_id`,
      messageId: sql<string>`i.message_id`,
      conversationId: sql<string>`i.conversation_id`,
      patientId: sql<string>`i.patient_id`,
      contactPointId: sql<string>`i.contact_point_id`,
      duplicate: sql<boolean>`i.duplicate`,
      newPatient: sql<boolean>`i.new_patient`,
    })
    .from(
      sql`(with owner as materialized (
             select a.practice_id from practice_addresses a join practices p on p.id = a.practice_id
              where a.kind = ${sql.placeholder('kind')} and a.value = ${sql.placeholder('value')} and p.active
              limit 1)
           select * from owner) owner
          cross join lateral sb_ingest_inbound(jsonb_set(${sql.placeholder('record')}::jsonb, '{practiceId}', to_jsonb(owner.practice_id))) i`,
    )
    .prepare('sb_ingest_inbound_at');
}

/** the prepared one-round-trip ingest of this database handle (tests make it fail through it) */
export function ingestAtStatement(db: Db) {
  let stmt = ingestAtStatements.get(db);
  if (!stmt) ingestAtStatements.set(db, (stmt = prepareIngestAt(db)));
  return stmt;
}

/** what the record carries until the statement puts the owner's id in */
const ownerResolvedInSql = '00000000-0000-0000-0000-000000000000';

export async function ingestAtAddress(
  db: Db,
  message: InboundMessage,
  opts: Omit<IngestOptions, 'practiceId' | 'storedAttachments' | 'blobs'> & { addressKind: 'phone' | 'email' },
): Promise<(IngestResult & { practiceId: string }) | null> {
  // bytes go to the blob store under the practice's key first: such messages look the practice up on their own
  if (message.attachments.some((a) => a.content)) throw new Error('ingestAtAddress takes no inline attachment bytes');
  const { addressKind, ...rest } = opts;
  const record = ingestRecord(message, { ...rest, practiceId: ownerResolvedInSql });
  const [row] = await ingestAtStatement(db).execute({ kind: addressKind, value: message.to, record: JSON.stringify(record) });
  return row ?? null;
}
