import { and, eq } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { contactPoints, messages, practices } from '../../platform/db/schema';
import { matchSmsKeyword, type SmsKeywordMatch } from '../../../channels/sms/keywords';
import { shouldApplyStatus, type SmsStatusUpdate } from '../../../channels/sms/status';
import type { InboundMessage } from '../../../channels/types';
import { recordConsent } from '../../outreach/consent';
import { renderForPractice } from '../../outreach/templates';
import { ingestInbound, type IngestResult } from '../ingest';
import { reflectOnReminder } from '../../outreach/reminder-delivery';

type Practice = typeof practices.$inferSelect;

export interface ReceivedSms extends IngestResult {
  keyword: SmsKeywordMatch | null;
  /** text to answer in the webhook's TwiML, already stored as an outbound message */
  reply: string | null;
}

/**
 * An inbound text: stored with its triage job in one round trip; an opt-out/opt-in keyword
 * (the whole message is the word) is stored too but skips triage, and changes consent in
 * the same transaction. The contact point belongs to the practice, so a STOP to one of its
 * numbers stops texts from all of them.
 */
export async function receiveSms(
  db: Database,
  message: InboundMessage,
  opts: { practice: Practice; receivedAt: Date; requestId: string | null },
): Promise<ReceivedSms> {
  const keyword = matchSmsKeyword(message.body);
  const ingestOpts = { practiceId: opts.practice.id, receivedAt: opts.receivedAt, requestId: opts.requestId };
  if (!keyword) {
    return { ...(await ingestInbound(db, message, ingestOpts)), keyword: null, reply: null };
  }

  return db.transaction(async (tx) => {
    const stored = await ingestInbound(tx, { ...message, meta: { ...message.meta, keyword: keyword.kind, keywordWord: keyword.word } }, { ...ingestOpts, triage: false });
    if (stored.duplicate) return { ...stored, keyword, reply: null };
    if (keyword.kind === 'stop' || keyword.kind === 'start') {
      await recordConsent(tx, {
        practiceId: opts.practice.id,
        contactPointId: stored.contactPointId,
        purpose: 'sms',
        state: keyword.kind === 'stop' ? 'revoked' : 'granted',
        source: 'sms_keyword',
        detail: keyword.word,
        messageId: stored.messageId,
      });
    }
    const reply = await keywordReply(tx, keyword, opts.practice.id, message.to);
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
        meta: { kind: 'keyword_reply', keyword: keyword.kind, via: 'twiml' },
        sentAt: opts.receivedAt,
        createdAt: new Date(opts.receivedAt.getTime() + 1),
      });
    }
    return { ...stored, keyword, reply };
  });
}

/**
 * HELP is answered with the practice's name and phone. English STOP/START get no answer
 * from us: Twilio's Advanced Opt-Out confirms those itself (and drops our reply to a STOP).
 * Twilio does not act on Spanish words, so PARAR/DETENER/ALTO get our confirmation. The
 * words come from the templates, so a practice's own version applies.
 */
export async function keywordReply(db: Db, keyword: SmsKeywordMatch, practiceId: string, numberTexted: string): Promise<string | null> {
  const purpose = keyword.kind === 'help' ? 'help' : keyword.kind === 'stop' && keyword.language === 'es' ? 'opt_out_confirm' : null;
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
        });
      }
    }
    return { found: true, applied };
  });
}
