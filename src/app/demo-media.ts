import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { messageAttachments, messages, recordings } from '../platform/db/schema';
import { attachmentBlobKey, type BlobStore } from '../platform/blobs/blob-store';

/*
 * The demo's media, so the conversation view has something to play and show: each seeded
 * voicemail gets its recording (a short generated tone, not a voice) and its transcript, and a
 * few patients who wrote about a new insurance card send a photo of it. The bytes go to the
 * blob store like any received file and are served by /api/v1/attachments/{id}.
 */

/** A few seconds of a soft, wavering tone: 8 kHz, 8-bit mono WAV. */
export function demoRecording(seconds = 3): Uint8Array {
  const rate = 8000;
  const n = rate * seconds;
  const out = Buffer.alloc(44 + n);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + n, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate, 28);
  out.writeUInt16LE(1, 32);
  out.writeUInt16LE(8, 34);
  out.write('data', 36);
  out.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const envelope = Math.min(1, t * 4, (seconds - t) * 4) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
    const v = envelope * 0.25 * Math.sin(2 * Math.PI * (190 + 30 * Math.sin(2 * Math.PI * 0.7 * t)) * t);
    out[44 + i] = Math.round(128 + 127 * v);
  }
  return out;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A photo of an insurance card, as a patient's phone would send it (drawn: a card on a table). */
export function demoCardPhoto(width = 320, height = 200): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const card = x > 20 && x < width - 20 && y > 20 && y < height - 20;
      const band = card && y < 62;
      const line = card && !band && (y - 90) % 22 < 6 && y > 84 && x > 40 && x < 40 + ((y * 7) % 140) + 100;
      const [r, g, b] = band ? [29, 78, 216] : line ? [90, 100, 120] : card ? [245, 247, 250] : [150 + ((x + y) % 7), 120, 95];
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export async function addDemoMedia(db: Database, blobs: BlobStore, practiceId: string) {
  const voicemails = await db
    .select({ id: messages.id, conversationId: messages.conversationId, body: messages.body, meta: messages.meta, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.practiceId, practiceId), sql`${messages.meta}->>'kind' = 'voicemail'`));
  const cards = await db
    .select({ id: messages.id, conversationId: messages.conversationId, channel: messages.channel, createdAt: messages.createdAt })
    .from(messages)
    .where(and(eq(messages.practiceId, practiceId), eq(messages.direction, 'inbound'), inArray(messages.channel, ['sms', 'email']), sql`${messages.body} like '%new card%'`))
    .limit(4);
  const recording = demoRecording();
  const photo = demoCardPhoto();
  const attachments: (typeof messageAttachments.$inferInsert)[] = [];
  const recordingRows: (typeof recordings.$inferInsert)[] = [];
  for (const v of voicemails) {
    const id = randomUUID();
    const blobKey = attachmentBlobKey(practiceId, id);
    await blobs.put(blobKey, recording, { contentType: 'audio/wav' });
    attachments.push({ id, practiceId, conversationId: v.conversationId, messageId: v.id, kind: 'recording', status: 'stored', name: 'voicemail.wav', contentType: 'audio/wav', size: recording.length, blobKey, storedAt: v.createdAt, createdAt: v.createdAt });
    const duration = (v.meta as { durationSeconds?: number } | null)?.durationSeconds ?? null;
    recordingRows.push({ recordingSid: `demo-RE${v.id}`, url: `demo:${id}`, durationSeconds: duration, transcriptionStatus: 'completed', transcript: v.body, messageId: v.id, createdAt: v.createdAt });
  }
  for (const m of cards) {
    const id = randomUUID();
    const blobKey = attachmentBlobKey(practiceId, id);
    await blobs.put(blobKey, photo, { contentType: 'image/png' });
    attachments.push({ id, practiceId, conversationId: m.conversationId, messageId: m.id, kind: 'attachment', status: 'stored', name: 'insurance-card.png', contentType: 'image/png', size: photo.length, blobKey, storedAt: m.createdAt, createdAt: m.createdAt });
  }
  if (attachments.length) await db.insert(messageAttachments).values(attachments);
  if (recordingRows.length) await db.insert(recordings).values(recordingRows);
}
