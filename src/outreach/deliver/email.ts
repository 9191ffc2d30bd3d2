import { outboundMessageId, replyAddress, threadHeaders } from '../../../channels/email/compose';
import { EmailSendError, createSendGridSender, createSimulatedEmailSender, type EmailSender } from '../../../channels/email/sender';
import { textToHtml } from '../../../templates/index';
import type { Env } from '../../platform/env';
import { DeliveryError, type Deliverer, type DeliveryContext } from './types';
import { readBlob } from '../../platform/blobs/blob-store';

/** The address an email goes from: the one the patient wrote to, else the practice's first inbound address. */
export function sendingAddress(ctx: DeliveryContext): string | null {
  const emails = ctx.practiceAddresses.filter((a) => a.kind === 'email').map((a) => a.value);
  if (ctx.lastPracticeAddress && emails.includes(ctx.lastPracticeAddress)) return ctx.lastPracticeAddress;
  return emails[0] ?? null;
}

/** Live through SendGrid only with SEND_MODE=live and a SENDGRID_API_KEY; otherwise simulated (stored as `simulated`). */
export function createEmailSender(env: Env): EmailSender {
  return env.SEND_MODE === 'live' && env.SENDGRID_API_KEY ? createSendGridSender({ apiKey: env.SENDGRID_API_KEY }) : createSimulatedEmailSender();
}

export function emailDeliverer(env: Env, sender: EmailSender = createEmailSender(env)): Deliverer {
  return {
    rateKey: () => null,
    async deliver(ctx) {
      const { message, conversation, practice } = ctx;
      const from = sendingAddress(ctx);
      if (!from) throw new DeliveryError('permanent', 'the practice has no email address to send from', 'no_sender');
      const domain = from.slice(from.lastIndexOf('@') + 1);
      if (!conversation.replyToken) throw new DeliveryError('permanent', 'the conversation has no reply token', 'no_reply_token');
      const meta = message.meta;
      const subject = replySubject(message.subject, conversation.subject, practice.name);
      const attachments = await Promise.all(
        ctx.attachments.map(async (a) => {
          const bytes = a.blobKey ? await readBlob(ctx.blobs, a.blobKey) : null;
          if (!bytes) throw new DeliveryError('permanent', 'an attachment of this email is no longer stored', 'attachment_missing');
          return { filename: a.name ?? 'file', type: a.contentType, content: Buffer.from(bytes).toString('base64') };
        }),
      );
      try {
        const result = await sender.send({
          from: { email: from, name: practice.name },
          replyTo: replyAddress(conversation.replyToken, domain),
          to: ctx.contactPoint.value,
          subject,
          text: message.body,
          html: meta.html ?? textToHtml(message.body),
          headers: {
            ...threadHeaders(meta.thread?.inReplyTo ?? null, meta.thread?.references ?? []),
            'Message-ID': outboundMessageId(message.id, domain),
          },
          idempotencyKey: message.idempotencyKey ?? message.id,
          customArgs: { outboundId: message.id },
          ...(attachments.length ? { attachments } : {}),
        });
        return { providerId: result.providerId, status: result.status, from };
      } catch (err) {
        if (err instanceof EmailSendError) {
          throw new DeliveryError(err.kind, err.message, err.status === null ? 'sendgrid_unreachable' : `sendgrid_${err.status}`);
        }
        throw err;
      }
    },
  };
}

/**
 * The conversation's own subject goes out as "Re: <subject>", so mail clients that also match
 * subjects (Gmail) keep it in the patient's thread; another subject (a template's) is kept.
 */
function replySubject(subject: string | null, conversationSubject: string | null, practiceName: string): string {
  const base = (subject ?? conversationSubject)?.trim();
  if (!base) return `A message from ${practiceName}`;
  const bare = (s: string) => s.replace(replyPrefixes, '').trim();
  const ofThread = conversationSubject !== null && bare(base).toLowerCase() === bare(conversationSubject).toLowerCase();
  if (!ofThread || /^re\s*:/i.test(base)) return base;
  return `Re: ${bare(base)}`;
}

const replyPrefixes = /^(\s*(re|aw|sv|fw|fwd)\s*:\s*)+/i;
