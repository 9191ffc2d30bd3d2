import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, messageAttachments } from '../../src/platform/db/schema';
import type { FakeClock } from '../../src/platform/clock';
import { attachmentBlobKey } from '../../src/platform/blobs/blob-store';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

const DAY = 86_400_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;
const clock = () => h.clock as FakeClock;

async function stored(p: PracticeView, kind: 'recording' | 'attachment', opts: { sent?: boolean } = {}) {
  const { conversation, message, patient } = await makeConversation(db(), p.id);
  const id = crypto.randomUUID();
  const blobKey = attachmentBlobKey(p.id, id);
  await h.runtime.deps.blobs.put(blobKey, new Uint8Array([1, 2, 3]), { contentType: kind === 'recording' ? 'audio/mpeg' : 'image/png' });
  await db()
    .insert(messageAttachments)
    .values({
      id,
      practiceId: p.id,
      conversationId: conversation.id,
      messageId: opts.sent === false ? null : message.id,
      kind,
      status: 'stored',
      contentType: kind === 'recording' ? 'audio/mpeg' : 'image/png',
      size: 3,
      blobKey,
      createdAt: clock().now(),
    });
  return { id, blobKey, patientId: patient.id };
}
const statusOf = async (id: string) => (await db().select().from(messageAttachments).where(eq(messageAttachments.id, id)))[0]!;

describe('media retention', () => {
  it('managers set it per practice (audited); assistants cannot', async () => {
    const p = await makePractice(db());
    const manager = await tokenFor(db(), 'manager', p.id);
    expect(await (await h.request('GET', `/api/v1/practices/${p.id}/media-settings`, { token: manager })).json()).toEqual({ recordingsRetentionDays: 365, attachmentsRetentionDays: 2557, recordCalls: false });
    const put = await h.request('PUT', `/api/v1/practices/${p.id}/media-settings`, { token: manager, body: { recordingsRetentionDays: 30 } });
    expect(await put.json()).toEqual({ recordingsRetentionDays: 30, attachmentsRetentionDays: 2557, recordCalls: false });
    const assistant = await tokenFor(db(), 'assistant', p.id);
    expect((await h.request('PUT', `/api/v1/practices/${p.id}/media-settings`, { token: assistant, body: { recordCalls: true } })).status).toBe(403);
    expect((await h.request('PUT', `/api/v1/practices/${p.id}/media-settings`, { token: manager, body: { recordingsRetentionDays: 0 } })).status).toBe(400);
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'practice.media_settings.update'), eq(auditEvents.practiceId, p.id)));
    expect(event!.detail).toMatchObject({ before: { recordingsRetentionDays: 365 }, after: { recordingsRetentionDays: 30 } });
  });

  it('the daily job purges what is past each practice\'s retention (defaults: recordings a year, attachments seven), deletes the files and audits each with its patient', async () => {
    clock().set('2026-01-05T14:00:00Z');
    const short = await makePractice(db());
    await h.request('PUT', `/api/v1/practices/${short.id}/media-settings`, { body: { recordingsRetentionDays: 30 } });
    const byDefault = await makePractice(db());
    const shortRecording = await stored(short, 'recording');
    const shortImage = await stored(short, 'attachment');
    const defaultRecording = await stored(byDefault, 'recording');
    const defaultImage = await stored(byDefault, 'attachment');
    const unsent = await stored(byDefault, 'attachment', { sent: false });

    clock().advance(31 * DAY);
    await h.drain();
    expect(await statusOf(shortRecording.id)).toMatchObject({ status: 'purged', blobKey: null, error: 'retention' });
    expect(await h.runtime.deps.blobs.has(shortRecording.blobKey)).toBe(false);
    expect((await statusOf(shortImage.id)).status).toBe('stored');
    expect((await statusOf(defaultRecording.id)).status).toBe('stored');
    // an upload never sent is cleared after a day, without a patient-data audit entry
    expect((await statusOf(unsent.id)).status).toBe('discarded');
    const purges = await db().select().from(auditEvents).where(eq(auditEvents.action, 'attachment.purge'));
    expect(purges.map((e) => [e.subjectId, e.patientId, e.actorType])).toEqual([[shortRecording.id, shortRecording.patientId, 'system']]);
    expect((await h.request('GET', `/api/v1/attachments/${shortRecording.id}`)).status).toBe(410);

    clock().advance(335 * DAY);
    await h.drain();
    expect((await statusOf(defaultRecording.id)).status).toBe('purged');
    expect((await statusOf(defaultImage.id)).status).toBe('stored');

    clock().set(new Date(Date.parse('2026-01-05T14:00:00Z') + 2558 * DAY));
    await h.drain();
    expect((await statusOf(defaultImage.id)).status).toBe('purged');
    expect((await statusOf(shortImage.id)).status).toBe('purged');
    expect(await h.runtime.deps.blobs.has(defaultImage.blobKey)).toBe(false);
  });
});
