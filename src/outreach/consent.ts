import { z } from '@hono/zod-openapi';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { consentEvents, contactPoints, patients, type ConsentPurpose } from '../platform/db/schema';
import { canSeePractice, type Principal } from '../access/principal';
import { audit } from '../access/audit';
import { AppError, forbidden, notFound } from '../platform/errors';
import { consentByChannel } from './outreach-policy';

export interface ConsentChange {
  practiceId: string;
  contactPointId: string;
  purpose: ConsentPurpose;
  state: 'granted' | 'revoked';
  /** where it came from: sms_keyword, twilio_error_21610, sendgrid_unsubscribe, api, import, console */
  source: string;
  detail?: string | null;
  messageId?: string | null;
  actor?: Principal | null;
  /** when it happened (the injected clock's time); default: the database's now */
  at?: Date;
}

/**
 * Appends to the consent ledger and updates the contact point's current state in the same
 * transaction. A phone contact belongs to the practice, so a STOP to any of its numbers
 * revokes texts from all of them.
 */
export async function recordConsent(db: Db, change: ConsentChange): Promise<void> {
  await db.insert(consentEvents).values({
    practiceId: change.practiceId,
    contactPointId: change.contactPointId,
    purpose: change.purpose,
    state: change.state,
    source: change.source,
    detail: change.detail ?? null,
    messageId: change.messageId ?? null,
    actorUserId: change.actor?.userId ?? null,
    actorTokenId: change.actor?.tokenId ?? null,
    ...(change.at ? { createdAt: change.at } : {}),
  });
  if (change.purpose === 'sms') {
    await db.update(contactPoints).set({ smsConsent: change.state }).where(eq(contactPoints.id, change.contactPointId));
  } else if (change.purpose === 'email') {
    await db.update(contactPoints).set({ emailConsent: change.state }).where(eq(contactPoints.id, change.contactPointId));
  } else if (change.purpose === 'voice') {
    await db.update(contactPoints).set({ voiceConsent: change.state }).where(eq(contactPoints.id, change.contactPointId));
  }
}

export const StaffConsentSchema = z
  .object({
    channel: z.enum(['sms', 'email', 'voice']).openapi({ description: 'texts, email, or calls' }),
    state: z.enum(['granted', 'revoked']),
    source: z.enum(['phone', 'in_person', 'written', 'other']).openapi({ description: 'how the patient said it' }),
    note: z.string().trim().max(500).optional().openapi({ description: 'kept in the consent ledger' }),
  })
  .openapi('StaffConsent');

export const ConsentStateSchema = z
  .object({
    patientId: z.uuid(),
    sms: z.enum(['granted', 'revoked', 'unknown', 'no_contact']),
    email: z.enum(['granted', 'revoked', 'unknown', 'no_contact']),
    voice: z.enum(['granted', 'revoked', 'unknown', 'no_contact']),
    warning: z.string().nullable(),
    ledger: z.array(
      z.object({
        contact: z.string(),
        channel: z.enum(['sms', 'email', 'voice']),
        state: z.enum(['granted', 'revoked']),
        source: z.string(),
        detail: z.string().nullable(),
        messageId: z.uuid().nullable(),
        at: z.string(),
      }),
    ),
  })
  .openapi('ConsentState');

async function patientFor(db: Db, who: Principal, patientId: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const [p] = await db.select({ id: patients.id, practiceId: patients.practiceId }).from(patients).where(eq(patients.id, patientId));
  if (!p || !canSeePractice(who, p.practiceId)) throw notFound('patient');
  return p;
}

async function stateOf(db: Db, patientId: string, warning: string | null): Promise<z.infer<typeof ConsentStateSchema>> {
  const points = await db.select().from(contactPoints).where(eq(contactPoints.patientId, patientId));
  const ledger = points.length
    ? await db
        .select()
        .from(consentEvents)
        .where(inArray(consentEvents.contactPointId, points.map((p) => p.id)))
        .orderBy(desc(consentEvents.id))
        .limit(50)
    : [];
  return {
    patientId,
    ...consentByChannel(points),
    warning,
    ledger: ledger.map((e) => ({
      contact: points.find((p) => p.id === e.contactPointId)!.value,
      channel: e.purpose,
      state: e.state,
      source: e.source,
      detail: e.detail,
      messageId: e.messageId,
      at: e.createdAt.toISOString(),
    })),
  };
}

/**
 * A person records what a patient said by phone, in person or in writing: an opt-out or an
 * opt-in for texts, email or calls, on every contact of that kind (a STOP covers every number
 * of the practice; "don't text me" on the phone covers every number of theirs). Audited.
 */
export async function recordStaffConsent(db: Database, who: Principal, patientId: string, input: z.input<typeof StaffConsentSchema>, now: Date, requestId: string | null) {
  const data = StaffConsentSchema.parse(input);
  return db.transaction(async (tx) => {
    const p = await patientFor(tx, who, patientId);
    const kind = data.channel === 'email' ? 'email' : 'phone';
    const points = await tx.select().from(contactPoints).where(and(eq(contactPoints.patientId, p.id), eq(contactPoints.kind, kind)));
    if (points.length === 0) throw new AppError('channel_unavailable', `the patient has no ${kind === 'email' ? 'email address' : 'phone number'} on record`);
    for (const cp of points) {
      await recordConsent(tx, {
        practiceId: p.practiceId,
        contactPointId: cp.id,
        purpose: data.channel,
        state: data.state,
        source: `staff_${data.source}`,
        detail: data.note ?? null,
        actor: who,
        at: now,
      });
    }
    // Twilio blocks a number that texted STOP (or another of its keywords) until it texts START
    const keywordStop =
      data.channel === 'sms' && data.state === 'granted'
        ? await tx
            .select({ id: consentEvents.id })
            .from(consentEvents)
            .where(and(inArray(consentEvents.contactPointId, points.map((x) => x.id)), eq(consentEvents.source, 'sms_keyword'), eq(consentEvents.state, 'revoked')))
            .limit(1)
        : [];
    await audit(tx, who, requestId, {
      action: 'consent.record',
      subjectType: 'patient',
      subjectId: p.id,
      practiceId: p.practiceId,
      patientId: p.id,
      detail: { channel: data.channel, state: data.state, source: data.source, contactPointIds: points.map((x) => x.id) },
    });
    return stateOf(
      tx,
      p.id,
      keywordStop.length > 0 ? 'this number texted STOP: the carrier keeps blocking texts to it until the patient texts START from it' : null,
    );
  });
}

export async function consentOf(db: Database, who: Principal, patientId: string, requestId: string | null) {
  return db.transaction(async (tx) => {
    const p = await patientFor(tx, who, patientId);
    await audit(tx, who, requestId, { action: 'consent.list', subjectType: 'patient', subjectId: p.id, practiceId: p.practiceId, patientId: p.id });
    return stateOf(tx, p.id, null);
  });
}

/**
 * What a request to stop, written in a portal message or said in a voicemail, asks to stop:
 * the channels it names (texts, calls, email); when it names none, the way we reach the patient
 * that the channel implies (a voicemail: calls; a portal message: texts and email, the
 * automated messages a portal user gets). Opt-out by any reasonable means (FCC 2024).
 */
export function purposesNamed(text: string, channel: 'portal' | 'voice'): ConsentPurpose[] {
  const t = text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const out: ConsentPurpose[] = [];
  if (/\b(texts?|texting|sms|text messages?|mensajes? de texto|textos?)\b/.test(t)) out.push('sms');
  if (/\b(call|calls|calling|phone calls?|robocalls?|llam\w*)\b/.test(t)) out.push('voice');
  if (/\b(e-?mails?|e-?mailing|correos?)\b/.test(t)) out.push('email');
  if (out.length > 0) return out;
  return channel === 'voice' ? ['voice'] : ['sms', 'email'];
}

/**
 * Revokes, for every contact point of the patient that the purposes reach (phones for texts and
 * calls, email addresses for email), in the ledger with the message that asked; a purpose
 * already revoked is left as it is, so a retried job records nothing twice. Answers what changed.
 */
export async function revokeAskedInWords(
  db: Db,
  input: { practiceId: string; patientId: string; messageId: string; purposes: ConsentPurpose[]; source: string; at: Date },
): Promise<{ purpose: ConsentPurpose; contactPointId: string }[]> {
  const points = await db.select().from(contactPoints).where(and(eq(contactPoints.patientId, input.patientId), eq(contactPoints.practiceId, input.practiceId)));
  const changed: { purpose: ConsentPurpose; contactPointId: string }[] = [];
  for (const purpose of input.purposes) {
    for (const p of points) {
      const reaches = purpose === 'email' ? p.kind === 'email' : p.kind === 'phone';
      const current = purpose === 'sms' ? p.smsConsent : purpose === 'email' ? p.emailConsent : p.voiceConsent;
      if (!reaches || current === 'revoked') continue;
      await recordConsent(db, { practiceId: input.practiceId, contactPointId: p.id, purpose, state: 'revoked', source: input.source, detail: null, messageId: input.messageId, at: input.at });
      changed.push({ purpose, contactPointId: p.id });
    }
  }
  return changed;
}
