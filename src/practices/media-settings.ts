import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { practices } from '../platform/db/schema';
import { defaultRetention, type PracticeSettings } from '../platform/db/practice-settings';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';

export const MediaSettingsSchema = z
  .object({
    recordingsRetentionDays: z.number().int().min(1).max(36_500).openapi({ description: 'days a call or voicemail recording is kept (default 365)' }),
    attachmentsRetentionDays: z.number().int().min(1).max(36_500).openapi({ description: 'days an image or file is kept (default 2557, 7 years)' }),
    recordCalls: z.boolean().openapi({ description: 'record calls placed from the inbox (default false); the patient hears a notice first' }),
  })
  .openapi('MediaSettings');
export type MediaSettings = z.infer<typeof MediaSettingsSchema>;
export const UpdateMediaSettingsSchema = MediaSettingsSchema.partial().openapi('UpdateMediaSettings');

export function mediaSettingsOf(settings: PracticeSettings): MediaSettings {
  return {
    recordingsRetentionDays: settings.mediaRetention?.recordingsDays ?? defaultRetention.recordingsDays,
    attachmentsRetentionDays: settings.mediaRetention?.attachmentsDays ?? defaultRetention.attachmentsDays,
    recordCalls: settings.recordCalls ?? false,
  };
}

export async function getMediaSettings(db: Database, who: Principal, practiceId: string): Promise<MediaSettings> {
  if (who.role === 'portal' || !canSeePractice(who, practiceId)) throw notFound('practice');
  const [row] = await db.select({ settings: practices.settings }).from(practices).where(eq(practices.id, practiceId));
  if (!row) throw notFound('practice');
  return mediaSettingsOf(row.settings);
}

/** Managers set how long media are kept and whether calls are recorded; the change is audited with before and after. */
export async function setMediaSettings(db: Database, who: Principal, practiceId: string, input: z.input<typeof UpdateMediaSettingsSchema>, now: Date, requestId: string | null): Promise<MediaSettings> {
  if (who.role === 'portal' || !canSeePractice(who, practiceId)) throw notFound('practice');
  if (!isManagerOf(who, practiceId)) throw forbidden('only a manager or admin of the practice sets media retention and call recording');
  const data = UpdateMediaSettingsSchema.parse(input);
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ settings: practices.settings }).from(practices).where(eq(practices.id, practiceId)).for('update');
    if (!row) throw notFound('practice');
    const before = mediaSettingsOf(row.settings);
    const after = { ...before, ...data };
    await tx
      .update(practices)
      .set({
        settings: {
          ...row.settings,
          mediaRetention: { recordingsDays: after.recordingsRetentionDays, attachmentsDays: after.attachmentsRetentionDays },
          recordCalls: after.recordCalls,
        },
        updatedAt: now,
      })
      .where(eq(practices.id, practiceId));
    await audit(tx, who, requestId, { action: 'practice.media_settings.update', subjectType: 'practice', subjectId: practiceId, practiceId, detail: { before, after } });
    return after;
  });
}
