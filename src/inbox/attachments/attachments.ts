import { randomUUID, createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { conversations, messageAttachments, messages, patients, type AttachmentStatus } from '../../platform/db/schema';
import { canSeeQueue, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { audit, auditOnce } from '../../access/audit';
import { attachmentBlobKey, type BlobStore } from '../../platform/blobs/blob-store';
import { bytesContradict, isInlineSafe, MMS_MAX_BYTES, MMS_MAX_FILES, mmsTypes, normaliseContentType, uploadTypes, UPLOAD_MAX_BYTES } from '../../platform/blobs/media-types';

export const AttachmentSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    contentType: z.string(),
    size: z.number().nullable(),
    kind: z.enum(['attachment', 'recording']),
    status: z
      .enum(['stored', 'pending', 'inline', 'skipped', 'failed', 'purged', 'erased', 'discarded'])
      .openapi({ description: 'stored: downloadable at url; pending: being fetched from the provider; skipped: not fetched (simulate mode); failed, purged (retention), erased' }),
    url: z.string().nullable().openapi({ description: 'on our own origin (`/api/v1/attachments/{id}`), authorised like the conversation; null until stored' }),
    note: z.string().nullable().openapi({ description: 'why it is not stored (simulate_mode, not_found, too_large, retention...)' }),
  })
  .openapi('Attachment');
export type AttachmentView = z.infer<typeof AttachmentSchema>;

export const attachmentPath = (id: string) => `/api/v1/attachments/${id}`;

/** What a message view shows of an attachment: our URL, never the provider's. */
export function attachmentView(a: typeof messageAttachments.$inferSelect): AttachmentView {
  return {
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    kind: a.kind,
    status: a.status,
    url: a.status === 'stored' ? attachmentPath(a.id) : null,
    note: a.status === 'stored' ? null : (a.error ?? (a.status === 'purged' ? 'retention' : null)),
  };
}

export async function attachmentsOf(db: Db, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db.select().from(messageAttachments).where(inArray(messageAttachments.messageId, messageIds));
}

// ---- reading --------------------------------------------------------------------------

export interface ServedMedia {
  status: 200 | 206;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array>;
}

/**
 * `Range: bytes=a-b | a- | -n` (one range; an audio player asks for these). Several ranges
 * or an unreadable header are ignored and the whole file is served, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const unavailable: Record<Exclude<AttachmentStatus, 'stored'>, () => AppError> = {
  pending: () => new AppError('conflict', 'this file is still being fetched from the provider; try again shortly'),
  inline: () => new AppError('conflict', 'this file is being moved to storage; try again shortly'),
  skipped: () => notFound('stored file (it was not fetched: simulate mode)'),
  failed: () => notFound('stored file (the provider would not give it)'),
  discarded: () => notFound('attachment'),
  purged: () => new AppError('gone', 'this file was deleted under the practice\'s retention policy'),
  erased: () => new AppError('gone', 'this file was erased with the patient\'s record'),
};

function contentDisposition(type: string, name: string | null): string {
  const safe = (name ?? 'file').replace(/[\r\n"\\/]/g, '_').slice(0, 200) || 'file';
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_');
  return `${isInlineSafe(type) ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safe)}`;
}

/** Streams a stored file with the headers that keep it from acting as a page of our origin. */
export async function serveBlob(blobs: BlobStore, a: typeof messageAttachments.$inferSelect, rangeHeader: string | undefined): Promise<ServedMedia> {
  if (a.status !== 'stored' || !a.blobKey) throw unavailable[a.status === 'stored' ? 'failed' : a.status]();
  const size = a.size ?? 0;
  const range = parseRange(rangeHeader, size);
  if (range === 'unsatisfiable') throw new AppError('range_not_satisfiable', `the range is outside the file (bytes */${size})`, { size });
  const found = await blobs.get(a.blobKey, range ?? undefined);
  if (!found) throw notFound('stored file');
  const type = isInlineSafe(a.contentType) ? a.contentType : 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'content-length': String(found.length),
    'accept-ranges': 'bytes',
    'content-disposition': contentDisposition(a.contentType, a.name),
    'cache-control': 'private, no-store',
    // a file someone sent is never a page of ours: no scripts, no frames, no plugins
    'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
    'x-content-type-options': 'nosniff',
  };
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
  return { status: range ? 206 : 200, headers, body: found.body };
}

/**
 * `GET /api/v1/attachments/{id}` for staff: visible exactly when its conversation is; read
 * audited once per person and file within the repeat window (a player's range requests are
 * one listen). A portal token reads the files of replies to its own practice's portal
 * conversations (the portal shows them to the patient).
 */
export async function readAttachment(db: Database, blobs: BlobStore, who: Principal, id: string, rangeHeader: string | undefined, requestId: string | null): Promise<ServedMedia> {
  const row = await db.transaction(async (tx) => {
    const [r] = await tx
      .select({ a: messageAttachments, c: conversations, direction: messages.direction, kind: messages.kind })
      .from(messageAttachments)
      .innerJoin(conversations, eq(conversations.id, messageAttachments.conversationId))
      .leftJoin(messages, eq(messages.id, messageAttachments.messageId))
      .where(eq(messageAttachments.id, id));
    if (!r) throw notFound('attachment');
    if (who.role === 'portal') {
      const own = who.practiceIds !== 'all' && who.practiceIds.includes(r.c.practiceId);
      if (!own || r.c.channel !== 'portal' || r.direction !== 'outbound' || r.kind !== 'message') throw notFound('attachment');
    } else if (!canSeeQueue(who, r.c.practiceId, r.c.queueId, r.c.assigneeId)) {
      throw notFound('attachment');
    }
    // an upload not yet sent is seen only by the person who uploaded it
    if (!r.a.messageId && !uploadedBy(r.a, who)) throw notFound('attachment');
    await auditOnce(tx, who, requestId, { action: 'attachment.read', subjectType: 'attachment', subjectId: id, practiceId: r.c.practiceId, patientId: r.c.patientId, detail: { conversationId: r.c.id } }, id);
    return r.a;
  });
  return serveBlob(blobs, row, rangeHeader);
}

const uploadedBy = (a: typeof messageAttachments.$inferSelect, who: Principal) =>
  who.userId ? a.uploadedById === who.userId : who.tokenId !== null && a.uploadedByTokenId === who.tokenId;

// ---- uploads --------------------------------------------------------------------------

export interface UploadedFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/**
 * A file staff will send with a reply: stored now (so the reply stays a small JSON request),
 * attached when the reply names it. Types are an allow-list and images must be what they
 * claim; an upload never sent is discarded after a day by the retention job.
 */
export async function uploadAttachment(db: Database, blobs: BlobStore, who: Principal, conversationId: string, file: UploadedFile, now: Date, requestId: string | null) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const [c] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
  if (!c || !canSeeQueue(who, c.practiceId, c.queueId, c.assigneeId)) throw notFound('conversation');
  const [p] = await db.select({ erasedAt: patients.erasedAt }).from(patients).where(eq(patients.id, c.patientId));
  if (p?.erasedAt) throw new AppError('conflict', 'this patient\'s record was erased');
  const type = normaliseContentType(file.type);
  if (!uploadTypes.has(type)) throw new AppError('unsupported_media_type', `file: ${type} files cannot be attached; send an image, a PDF, a text or an Office document`);
  if (file.bytes.byteLength === 0) throw new AppError('validation_failed', 'file: the file is empty');
  if (file.bytes.byteLength > UPLOAD_MAX_BYTES) throw new AppError('payload_too_large', `file: at most ${UPLOAD_MAX_BYTES} bytes`);
  if (bytesContradict(type, file.bytes)) throw new AppError('unsupported_media_type', `file: the file is not a ${type} file`);
  const id = randomUUID();
  const blobKey = attachmentBlobKey(c.practiceId, id);
  // bytes first: a row never points at a file that is not there
  await blobs.put(blobKey, file.bytes, { contentType: type });
  const name = file.name.replace(/^.*[\\/]/, '').replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, 200) || 'file';
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(messageAttachments)
      .values({
        id,
        practiceId: c.practiceId,
        conversationId: c.id,
        messageId: null,
        kind: 'attachment',
        status: 'stored',
        name,
        contentType: type,
        size: file.bytes.byteLength,
        blobKey,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        uploadedById: who.userId,
        uploadedByTokenId: who.userId ? null : who.tokenId,
        storedAt: now,
        createdAt: now,
      })
      .returning();
    await audit(tx, who, requestId, { action: 'attachment.upload', subjectType: 'attachment', subjectId: id, practiceId: c.practiceId, patientId: c.patientId, detail: { conversationId: c.id, contentType: type, size: file.bytes.byteLength } });
    return attachmentView(row!);
  });
}

/**
 * The uploads a reply names, checked and claimed for its message in the reply's
 * transaction: each must be a stored upload of this conversation by this person, not sent
 * before.
 */
export async function claimUploads(tx: Db, who: Principal, conversationId: string, ids: string[], messageId: string) {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const rows = await tx
    .select()
    .from(messageAttachments)
    .where(and(inArray(messageAttachments.id, unique), eq(messageAttachments.conversationId, conversationId), isNull(messageAttachments.messageId), eq(messageAttachments.status, 'stored')))
    .for('update');
  const mine = rows.filter((r) => uploadedBy(r, who));
  if (mine.length !== unique.length) throw new AppError('validation_failed', 'attachmentIds: each must be a file you uploaded to this conversation and not sent yet');
  await tx.update(messageAttachments).set({ messageId }).where(inArray(messageAttachments.id, unique));
  return mine;
}

/** The uploads a reply names, before it is written (to check them against the channel). */
export async function pendingUploads(tx: Db, conversationId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(messageAttachments)
    .where(and(inArray(messageAttachments.id, [...new Set(ids)]), eq(messageAttachments.conversationId, conversationId), isNull(messageAttachments.messageId)));
}

/** Whether the files can go out on a channel: MMS takes a few images, email a total size. */
export function assertSendable(channel: string, files: (typeof messageAttachments.$inferSelect)[]) {
  const total = files.reduce((s, f) => s + (f.size ?? 0), 0);
  if (channel === 'sms') {
    const bad = files.find((f) => !mmsTypes.has(f.contentType));
    if (bad) throw new AppError('unprocessable', `attachmentIds: a text can carry JPEG, PNG or GIF images only (${bad.contentType} is not); send it by email or the portal`);
    if (files.length > MMS_MAX_FILES || total > MMS_MAX_BYTES) throw new AppError('unprocessable', `attachmentIds: a text carries at most ${MMS_MAX_FILES} images and ${MMS_MAX_BYTES / 1024 / 1024} MB in all`);
  } else if (channel === 'email') {
    if (total > UPLOAD_MAX_BYTES) throw new AppError('unprocessable', `attachmentIds: an email carries at most ${UPLOAD_MAX_BYTES / 1024 / 1024} MB of attachments`);
  } else if (channel !== 'portal' && files.length > 0) {
    throw new AppError('unprocessable', `attachmentIds: ${channel} messages cannot carry files`);
  }
}
