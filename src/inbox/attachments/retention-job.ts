import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/client';
import { messageAttachments } from '../../platform/db/schema';
import type { BlobStore } from '../../platform/blobs/blob-store';
import { defaultRetention } from '../../platform/db/practice-settings';
import { rowsOf } from '../../platform/jobs/outbox';
import { audit } from '../../access/audit';
import { defineJob } from '../../platform/jobs/registry';
import { continueRetention, scheduleRetention } from './retention-queue';

/** An upload staff never sent is cleared after this long. */
export const UNSENT_UPLOAD_TTL_MS = 24 * 3600_000;
const BATCH = 200;

/**
 * The daily purge: recordings and attachments older than their practice's retention
 * (DESIGN: recordings 1 year, attachments 7 years unless the practice sets its own) are
 * deleted from the blob store and marked `purged`, each one audited with its patient.
 * Uploads never sent are discarded after a day. Driven by the clock through the outbox, so
 * tests move a fake clock and nothing depends on Redis remembering a repeat.
 */
export function retentionJob() {
  return defineJob({
    queue: 'retention',
    worker: { concurrency: 1 },
    attempts: 5,
    backoffMs: 60_000,
    async exec(deps, job) {
      const now = deps.clock.now();
      const { done, more } = await purgeExpiredMedia(deps.db, deps.blobs, now);
      if (done > 0) deps.log.info({ purged: done }, 'media past retention purged');
      if (more) await continueRetention(deps.db, now);
      if (job.data.kind === 'daily') await scheduleRetention(deps.db, now);
    },
  });
}

interface Due {
  id: string;
  practice_id: string;
  patient_id: string;
  conversation_id: string;
  blob_key: string | null;
  kind: string;
  unsent: boolean;
}

export async function purgeExpiredMedia(db: Database, blobs: BlobStore, now: Date): Promise<{ done: number; more: boolean }> {
  const at = now.toISOString();
  const rows = rowsOf<Due>(
    await db.execute(sql`
      select a.id, a.practice_id, c.patient_id, a.conversation_id, a.blob_key, a.kind, (a.message_id is null) as unsent
        from message_attachments a
        join practices p on p.id = a.practice_id
        join conversations c on c.id = a.conversation_id
       where a.status = 'stored'
         and (
           (a.message_id is null and a.created_at < ${at}::timestamptz - make_interval(secs => ${UNSENT_UPLOAD_TTL_MS / 1000}))
           or (a.message_id is not null and a.created_at < ${at}::timestamptz - make_interval(days =>
                 case when a.kind = 'recording'
                      then coalesce((p.settings -> 'mediaRetention' ->> 'recordingsDays')::int, ${defaultRetention.recordingsDays})
                      else coalesce((p.settings -> 'mediaRetention' ->> 'attachmentsDays')::int, ${defaultRetention.attachmentsDays}) end))
         )
       order by a.created_at
       limit ${BATCH}`),
  );
  for (const r of rows) {
    // the file first: a row marked purged never leaves bytes behind; a crash in between is redone next run
    if (r.blob_key) await blobs.delete(r.blob_key);
    await db.transaction(async (tx) => {
      await tx
        .update(messageAttachments)
        .set({ status: r.unsent ? 'discarded' : 'purged', blobKey: null, purgedAt: now, error: r.unsent ? 'never_sent' : 'retention' })
        .where(eq(messageAttachments.id, r.id));
      if (!r.unsent) {
        await audit(tx, 'system', null, {
          action: 'attachment.purge',
          subjectType: 'attachment',
          subjectId: r.id,
          practiceId: r.practice_id,
          patientId: r.patient_id,
          detail: { kind: r.kind, conversationId: r.conversation_id, reason: 'retention' },
        });
      }
    });
  }
  return { done: rows.length, more: rows.length === BATCH };
}
