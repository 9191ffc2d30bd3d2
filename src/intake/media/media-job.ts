import { createHash } from 'node:crypto';
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { messageAttachments, messages, practices, type AttachmentStatus } from '../../platform/db/schema';
import { defineJob, type JobDeps } from '../../platform/jobs/registry';
import { addJob } from '../../platform/jobs/catalog';
import { isAcceptedInboundType, normaliseContentType } from '../../platform/blobs/media-types';
import { fetchMedia, MediaFetchError, twilioMediaRules, type MediaFetchRules } from '../../../channels/media';
import type { Database } from '../../platform/db/client';
import { attachmentBlobKey, type BlobStore } from '../../platform/blobs/blob-store';
import type { Logger } from '../../platform/logger';

/** MMS media: Twilio takes at most 5 MB per message; a little room for what carriers pass on. */
export const MMS_FETCH_MAX_BYTES = 10 * 1024 * 1024;
/** A recording: an hour of MP3 at Twilio's bitrate is about 15 MB. */
export const RECORDING_FETCH_MAX_BYTES = 40 * 1024 * 1024;
export const PORTAL_FETCH_MAX_BYTES = 25 * 1024 * 1024;

/**
 * Fetches a provider's media into the blob store, out of the webhook's request: a Twilio MMS
 * image or recording (from api.twilio.com with the account's credentials), or a portal link
 * (from the practice's own portal host). In simulate mode nothing is fetched: the attachment
 * is marked `skipped` with the reason, and the message still shows it exists.
 */
export function mediaJob(fetchImpl?: typeof globalThis.fetch) {
  return defineJob({
    queue: 'media',
    worker: { concurrency: 4 },
    attempts: 6,
    backoffMs: 10_000,
    async exec(deps, job) {
      const { attachmentId } = job.data;
      const [row] = await deps.db
        .select({ a: messageAttachments, practice: practices, channel: messages.channel })
        .from(messageAttachments)
        .innerJoin(practices, eq(practices.id, messageAttachments.practiceId))
        .innerJoin(messages, eq(messages.id, messageAttachments.messageId))
        .where(eq(messageAttachments.id, attachmentId));
      if (!row || row.a.status !== 'pending' || !row.a.url) return;
      const { a, practice, channel } = row;
      const done = (status: AttachmentStatus, set: Partial<typeof messageAttachments.$inferInsert> = {}) =>
        deps.db
          .update(messageAttachments)
          .set({ status, ...set })
          .where(and(eq(messageAttachments.id, a.id), eq(messageAttachments.status, 'pending')));

      const rules = rulesFor(deps, a, practice, channel);
      if ('skip' in rules) {
        await done(rules.status, { error: rules.skip });
        deps.log.info({ attachmentId, reason: rules.skip }, 'media not fetched');
        return;
      }
      try {
        const media = await fetchMedia(a.url!, rules, fetchImpl ? { fetch: fetchImpl } : {});
        const contentType = normaliseContentType(media.contentType);
        const blobKey = attachmentBlobKey(a.practiceId, a.id);
        await deps.blobs.put(blobKey, media.bytes, { contentType });
        await done('stored', {
          blobKey,
          sha256: createHash('sha256').update(media.bytes).digest('hex'),
          size: media.bytes.byteLength,
          contentType,
          error: null,
          storedAt: deps.clock.now(),
        });
      } catch (err) {
        if (err instanceof MediaFetchError && (err.kind === 'permanent' || job.finalAttempt)) {
          await done('failed', { error: err.code });
          deps.log.warn({ attachmentId, code: err.code }, 'media could not be fetched');
          return;
        }
        if (job.finalAttempt) await done('failed', { error: 'store_failed' });
        throw err;
      }
    },
  });
}

type SkipOrRules = { skip: string; status: 'skipped' | 'failed' } | MediaFetchRules;

function rulesFor(deps: JobDeps, a: typeof messageAttachments.$inferSelect, practice: typeof practices.$inferSelect, channel: string): SkipOrRules {
  const { env } = deps;
  // texts and calls come through Twilio: their media are fetched from Twilio's API host only
  if (channel === 'sms' || channel === 'voice') {
    // the same switch as sending: simulated means nothing goes to (or comes from) Twilio
    if (env.SEND_MODE === 'simulate') return { skip: 'simulate_mode', status: 'skipped' };
    if (!env.TWILIO_ACCOUNT_SID || !env.TWILIO_AUTH_TOKEN) return { skip: 'no_twilio_credentials', status: 'skipped' };
    return twilioMediaRules({
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      maxBytes: a.kind === 'recording' ? RECORDING_FETCH_MAX_BYTES : MMS_FETCH_MAX_BYTES,
      accept: a.kind === 'recording' ? (t) => t.startsWith('audio/') : isAcceptedInboundType,
    });
  }
  if (channel !== 'portal') return { skip: 'not_allowed', status: 'failed' };
  // a portal link: only from the practice's own portal (its sign-in or webhook host), never
  // any host a posted message names
  const hosts = [practice.portalUrl, practice.portalWebhookUrl]
    .map((u) => {
      try {
        return u ? new URL(u).hostname : null;
      } catch {
        return null;
      }
    })
    .filter((h): h is string => Boolean(h));
  if (hosts.length === 0) return { skip: 'host_not_allowed', status: 'failed' };
  if (env.SEND_MODE === 'simulate') return { skip: 'simulate_mode', status: 'skipped' };
  return { hosts, redirectHosts: hosts, maxBytes: PORTAL_FETCH_MAX_BYTES, accept: isAcceptedInboundType };
}

/**
 * The data step that moves attachments out of Postgres: bytes that older versions kept in
 * `message_attachments.content` go to the blob store, and provider links that were never
 * fetched get their media job. Runs at every start after the migrations (and with
 * `cli migrate`); resumable, and a no-op once everything has moved.
 */
export async function moveInlineAttachments(db: Database, blobs: BlobStore, log: Logger, now: Date): Promise<{ moved: number; queued: number }> {
  let moved = 0;
  for (;;) {
    const batch = await db
      .select({ id: messageAttachments.id, practiceId: messageAttachments.practiceId, content: messageAttachments.content, contentType: messageAttachments.contentType })
      .from(messageAttachments)
      .where(and(eq(messageAttachments.status, 'inline'), isNotNull(messageAttachments.content)))
      .limit(50);
    if (batch.length === 0) break;
    for (const r of batch) {
      const bytes = new Uint8Array(Buffer.from(r.content!, 'base64'));
      const blobKey = attachmentBlobKey(r.practiceId, r.id);
      await blobs.put(blobKey, bytes, { contentType: normaliseContentType(r.contentType) });
      await db
        .update(messageAttachments)
        .set({ status: 'stored', blobKey, content: null, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), storedAt: now })
        .where(eq(messageAttachments.id, r.id));
      moved++;
    }
  }
  // an 'inline' row without bytes has nothing to move
  await db.update(messageAttachments).set({ status: 'failed', error: 'no_content' }).where(and(eq(messageAttachments.status, 'inline'), isNull(messageAttachments.content)));
  const pending = await db
    .select({ id: messageAttachments.id })
    .from(messageAttachments)
    .where(
      and(
        eq(messageAttachments.status, 'pending'),
        isNotNull(messageAttachments.url),
        sql`not exists (select 1 from outbox o where o.dedupe_key = 'media:' || ${messageAttachments.id})`,
      ),
    );
  for (const p of pending) await addJob(db, 'media', { attachmentId: p.id, requestId: null }, { runAt: now, dedupeKey: `media:${p.id}` });
  if (moved > 0 || pending.length > 0) log.info({ moved, queued: pending.length }, 'moved inline attachments to the blob store');
  return { moved, queued: pending.length };
}
