import { and, eq, gt, inArray } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { appointments, contactPoints, messages, practices, queues, reminders } from '../../platform/db/schema';
import { detectOptOut } from '../../../triage/opt-out';
import type { TriageResult } from '../../../triage/types';
import { applyAutomation } from '../../inbox/people-only';
import { settleAnswered } from '../../inbox/settle';
import { mayContact } from '../../outreach/outreach-policy';
import { startSla } from '../../inbox/sla';
import { pickAssistant } from '../../inbox/assignment';
import { matchSmsKeyword, type SmsKeywordMatch } from '../../../channels/sms/keywords';
import { shouldApplyStatus, type SmsStatusUpdate } from '../../../channels/sms/status';
import type { InboundMessage } from '../../../channels/types';
import { recordConsent } from '../../outreach/consent';
import { renderForPractice } from '../../outreach/templates';
import { ingestAtAddress, ingestInbound, type IngestResult } from '../ingest';
import { practiceByAddress } from '../../practices/practices';
import { reflectOnReminder } from '../../outreach/reminder-delivery';

type Practice = typeof practices.$inferSelect;

export interface ReceivedSms extends IngestResult {
  keyword: SmsKeywordMatch | null;
  /** text to answer in the webhook's TwiML, already stored as an outbound message */
  reply: string | null;
}

/**
 * An inbound text to a number: the practice that owns it, then receiveSms. A plain text (no
 * keyword, no request to stop: nearly all of them) finds its practice and is stored in one
 * round trip; the others look the practice up first, since their consent and replies need it.
 * Null when no active practice owns the number: nothing is stored.
 */
export async function receiveSmsAt(
  db: Database,
  message: InboundMessage,
  opts: { receivedAt: Date; requestId: string | null },
): Promise<(ReceivedSms & { practiceId: string }) | null> {
  if (!matchSmsKeyword(message.body) && !detectOptOut(message.body)) {
    const stored = await ingestAtAddress(db, message, { addressKind: 'phone', receivedAt: opts.receivedAt, requestId: opts.requestId });
    return stored && { ...stored, keyword: null, reply: null };
  }
  const practice = await practiceByAddress(db, 'phone', message.to);
  if (!practice) return null;
  return { ...(await receiveSms(db, message, { ...opts, practice })), practiceId: practice.id };
}

/**
 * An inbound text: stored with its triage job in one round trip. A keyword (STOP, START, HELP,
 * and the opt-out words of triage/opt-out.ts such as BAJA or CANCELAR: the whole message is the
 * word) is stored too but skips triage; a request to stop in words ("please stop texting me") is
 * stored and triaged (the rest of it may need a person). Either way an opt-out revokes consent
 * in the same transaction, in the ledger with the message that asked, once: a contact that had
 * already opted out gets no second confirmation. The contact point belongs to the practice, so
 * a STOP to one of its numbers stops texts from all of them.
 */
export async function receiveSms(
  db: Database,
  message: InboundMessage,
  opts: { practice: Practice; receivedAt: Date; requestId: string | null },
): Promise<ReceivedSms> {
  const keyword = matchSmsKeyword(message.body);
  const optOut = keyword ? null : detectOptOut(message.body);
  const ingestOpts = { practiceId: opts.practice.id, receivedAt: opts.receivedAt, requestId: opts.requestId };
  if (!keyword && !optOut) {
    return { ...(await ingestInbound(db, message, ingestOpts)), keyword: null, reply: null };
  }
  // an opt-out word the channel's list does not know (BAJA, CANCELAR...) counts as a STOP
  const asKeyword: SmsKeywordMatch | null = keyword ?? (optOut?.kind === 'keyword' ? { kind: 'stop', word: message.body.trim().toUpperCase().slice(0, 40), language: optOut.language } : null);
  const stops = asKeyword?.kind === 'stop' || optOut !== null;
  const language = asKeyword?.language ?? optOut?.language ?? 'en';

  return db.transaction(async (tx) => {
    const meta = {
      ...message.meta,
      ...(asKeyword ? { keyword: asKeyword.kind, keywordWord: asKeyword.word } : {}),
      ...(stops ? { optOut: { kind: optOut?.kind ?? 'keyword', language } } : {}),
    };
    // a keyword is only the word: no triage; words asking to stop may say more, and are triaged
    const stored = await ingestInbound(tx, { ...message, meta }, { ...ingestOpts, triage: !asKeyword });
    if (stored.duplicate) return { ...stored, keyword: asKeyword, reply: null };
    const [cp] = await tx.select().from(contactPoints).where(eq(contactPoints.id, stored.contactPointId));
    let reply: string | null = null;
    if (stops) {
      const purposes = optOut?.kind === 'phrase' ? purposesAskedFor(message.body) : (['sms'] as const);
      let smsChanged = false;
      for (const purpose of purposes) {
        const current = purpose === 'sms' ? cp!.smsConsent : purpose === 'voice' ? cp!.voiceConsent : null;
        if (current === 'revoked') continue;
        if (purpose === 'email') {
          // "stop emailing me" by text: the patient's email addresses
          const emails = await tx.select().from(contactPoints).where(and(eq(contactPoints.patientId, stored.patientId), eq(contactPoints.kind, 'email')));
          for (const e of emails.filter((x) => x.emailConsent !== 'revoked')) {
            await recordConsent(tx, { practiceId: opts.practice.id, contactPointId: e.id, purpose: 'email', state: 'revoked', source: 'sms_free_text', detail: null, messageId: stored.messageId, at: opts.receivedAt });
          }
          continue;
        }
        await recordConsent(tx, {
          practiceId: opts.practice.id,
          contactPointId: stored.contactPointId,
          purpose,
          state: 'revoked',
          source: optOut?.kind === 'phrase' ? 'sms_free_text' : 'sms_keyword',
          detail: asKeyword?.word ?? null,
          messageId: stored.messageId,
          at: opts.receivedAt,
        });
        if (purpose === 'sms') smsChanged = true;
      }
      // confirmed once; Twilio's Advanced Opt-Out confirms its own English keywords (and drops ours)
      const twilioConfirms = keyword?.kind === 'stop' && keyword.language === 'en';
      if (smsChanged && !twilioConfirms) reply = await keywordReply(tx, { kind: 'stop', word: asKeyword?.word ?? 'STOP', language }, opts.practice.id, message.to);
      // CANCEL or CANCELAR alone just after a reminder may have meant the appointment: a person asks
      if (asKeyword && /^(CANCEL|CANCELAR)$/.test(asKeyword.word.replace(/[^A-Z]/g, ''))) {
        await askAboutAppointment(tx, { patientId: stored.patientId, conversationId: stored.conversationId, messageId: stored.messageId, practiceId: opts.practice.id, language, now: opts.receivedAt });
      } else if (asKeyword) {
        // the word was answered: nothing else awaiting, the conversation closes (the gate keeps what a person must handle)
        await settleAnswered(tx, { conversationId: stored.conversationId, messageId: stored.messageId, now: opts.receivedAt, by: 'rules' });
      }
    } else if (asKeyword?.kind === 'start') {
      await recordConsent(tx, {
        practiceId: opts.practice.id,
        contactPointId: stored.contactPointId,
        purpose: 'sms',
        state: 'granted',
        source: 'sms_keyword',
        detail: asKeyword.word,
        messageId: stored.messageId,
        at: opts.receivedAt,
      });
      await settleAnswered(tx, { conversationId: stored.conversationId, messageId: stored.messageId, now: opts.receivedAt, by: 'rules' });
    } else if (asKeyword?.kind === 'help') {
      reply = await keywordReply(tx, asKeyword, opts.practice.id, message.to);
      await settleAnswered(tx, { conversationId: stored.conversationId, messageId: stored.messageId, now: opts.receivedAt, by: 'rules' });
    }
    if (reply) {
      // the outreach policy has the last word here too (it lets compliance answers through at any hour)
      const [now] = await tx.select().from(contactPoints).where(eq(contactPoints.id, stored.contactPointId));
      const template = asKeyword?.kind === 'help' ? 'help' : 'opt_out_confirm';
      const verdict = mayContact({ channel: 'sms', purpose: 'auto_reply', by: 'automation', contact: now ?? null, template, now: opts.receivedAt, timeZone: opts.practice.timeZone });
      if (!verdict.ok || verdict.notBefore) reply = null;
    }
    if (reply) {
      // answered inside the webhook's TwiML (Twilio sends it): kept in the conversation as sent
      await tx.insert(messages).values({
        practiceId: opts.practice.id,
        conversationId: stored.conversationId,
        direction: 'outbound',
        kind: 'message',
        channel: 'sms',
        contactPointId: stored.contactPointId,
        fromAddress: message.to,
        toAddress: message.from.value,
        body: reply,
        status: 'sent',
        authorType: 'automation',
        purpose: 'auto_reply',
        meta: { kind: 'keyword_reply', keyword: asKeyword?.kind ?? 'stop', via: 'twiml', template: asKeyword?.kind === 'help' ? 'help' : 'opt_out_confirm' },
        sentAt: opts.receivedAt,
        createdAt: new Date(opts.receivedAt.getTime() + 1),
      });
    }
    return { ...stored, keyword: asKeyword, reply };
  });
}

/** What a request in words asks to stop: texts always (it came by text), calls and email when it names them. */
function purposesAskedFor(text: string): ('sms' | 'voice' | 'email')[] {
  const t = text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const out: ('sms' | 'voice' | 'email')[] = ['sms'];
  if (/\b(call|calls|calling|phone calls?|robocalls?|llam\w*)\b/.test(t)) out.push('voice');
  if (/\b(e-?mails?|e-?mailing|correos?)\b/.test(t)) out.push('email');
  return out;
}

/**
 * CANCEL (and CANCELAR) alone is an opt-out (Twilio blocks the number on it), but right after an
 * appointment reminder the patient may have meant the appointment. The opt-out stands; the
 * conversation goes to the scheduling queue marked for a person, with a due time, so someone
 * calls to ask instead of the appointment silently staying booked.
 */
async function askAboutAppointment(
  tx: Db,
  input: { patientId: string; conversationId: string; messageId: string; practiceId: string; language: 'en' | 'es'; now: Date },
): Promise<void> {
  const weekAgo = new Date(input.now.getTime() - 7 * 86_400_000);
  const [recent] = await tx
    .select({ id: reminders.id })
    .from(reminders)
    .innerJoin(appointments, eq(appointments.id, reminders.appointmentId))
    .where(
      and(
        eq(reminders.patientId, input.patientId),
        gt(reminders.sentAt, weekAgo),
        gt(appointments.startsAt, input.now),
        inArray(appointments.status, ['booked', 'confirmed']),
      ),
    )
    .limit(1);
  if (!recent) {
    await settleAnswered(tx, { conversationId: input.conversationId, messageId: input.messageId, now: input.now, by: 'rules' });
    return;
  }
  const triage: TriageResult = { intent: 'appointment_cancel', urgency: 'routine', confidence: 0.5, language: input.language, entities: {}, redFlags: [], needsHuman: true };
  await tx.update(messages).set({ triage }).where(eq(messages.id, input.messageId));
  const [queue] = await tx.select({ id: queues.id }).from(queues).where(and(eq(queues.practiceId, input.practiceId), eq(queues.key, 'scheduling')));
  await applyAutomation(
    tx,
    input.conversationId,
    { status: 'open', intent: 'appointment_cancel', ...(queue ? { queueId: queue.id } : {}) },
    { by: 'rules', now: input.now, messageId: input.messageId, pickAssignee: (queueId) => pickAssistant(tx, { practiceId: input.practiceId, queueId, language: input.language }) },
  );
  await startSla(tx, input.conversationId, input.now);
}

/**
 * HELP is answered with the practice's name and phone. English STOP/START get no answer
 * from us: Twilio's Advanced Opt-Out confirms those itself (and drops our reply to a STOP).
 * Other opt-outs (Spanish words, requests in words) get our confirmation once. The words come
 * from the templates, so a practice's own version applies; the outreach policy lets these
 * compliance answers go even to the contact that just opted out.
 */
export async function keywordReply(db: Db, keyword: SmsKeywordMatch, practiceId: string, numberTexted: string): Promise<string | null> {
  const purpose = keyword.kind === 'help' ? 'help' : keyword.kind === 'stop' ? 'opt_out_confirm' : null;
  if (!purpose) return null;
  const rendered = await renderForPractice(db, { practiceId, purpose, language: keyword.language, channel: 'sms', numberTexted });
  return rendered.text.trim();
}

const twilioToStored: Record<SmsStatusUpdate['status'], typeof messages.$inferSelect.status> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
  read: 'delivered',
};

/**
 * A delivery status callback. Twilio does not promise their order, so a status only
 * replaces the stored one when it ranks higher (delivered before sent keeps delivered).
 * 21610 (the recipient opted out at Twilio) also records a revocation.
 */
export async function applySmsStatus(db: Database, update: SmsStatusUpdate, now: Date): Promise<{ found: boolean; applied: boolean }> {
  return db.transaction(async (tx) => {
    const [msg] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.channel, 'sms'), eq(messages.providerId, update.providerId)))
      .for('update');
    if (!msg) return { found: false, applied: false };
    const applied = shouldApplyStatus(msg.status, update.status);
    if (applied) {
      const status = twilioToStored[update.status];
      await tx
        .update(messages)
        .set({
          status,
          ...(update.errorCode !== null ? { errorCode: String(update.errorCode) } : {}),
          ...(status === 'delivered' && !msg.deliveredAt ? { deliveredAt: now } : {}),
          meta: { ...msg.meta, twilioStatus: update.status },
        })
        .where(eq(messages.id, msg.id));
      // a reminder's row follows its text (delivered, failed)
      await reflectOnReminder(tx, msg.id, now);
    }
    if (update.errorCode === 21610 && msg.contactPointId) {
      const [cp] = await tx.select().from(contactPoints).where(eq(contactPoints.id, msg.contactPointId));
      if (cp && cp.smsConsent !== 'revoked') {
        await recordConsent(tx, {
          practiceId: msg.practiceId,
          contactPointId: cp.id,
          purpose: 'sms',
          state: 'revoked',
          source: 'twilio_error_21610',
          detail: 'status callback',
          messageId: msg.id,
          at: now,
        });
      }
    }
    return { found: true, applied };
  });
}
