import { SendError, createSimulatedSmsSender, createTwilioSmsSender, type SmsSender } from '../../../channels/sms/sender';
import type { Env } from '../../platform/env';
import { DeliveryError, type Deliverer, type DeliveryContext } from './types';
import { signedMediaUrl } from '../../access/media-urls';

/**
 * The number a text goes from: the one the message names (meta.from), the one the patient
 * wrote to, else one of the practice's SMS numbers chosen by the patient (a sticky sender: the
 * same patient always hears from the same number, and a practice with many numbers sends
 * first-time texts from all of them, at all their paces, not from its first number alone).
 */
export function sendingNumber(ctx: DeliveryContext): string | null {
  const sms = ctx.practiceAddresses.filter((a) => a.kind === 'phone' && a.sms).map((a) => a.value);
  // a missed-call text-back goes from the number the patient called
  const asked = ctx.message.meta.from;
  if (typeof asked === 'string' && sms.includes(asked)) return asked;
  if (ctx.lastPracticeAddress && sms.includes(ctx.lastPracticeAddress)) return ctx.lastPracticeAddress;
  if (sms.length <= 1) return sms[0] ?? null;
  return sms.sort()[stickyIndex(ctx.patient.id, sms.length)]!;
}

/** A stable index in [0, n) for an id (FNV-1a): the same patient, the same number, on every send and process. */
function stickyIndex(id: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

export function smsDeliverer(env: Env, sender?: SmsSender): Deliverer {
  const client =
    sender ??
    (env.SEND_MODE === 'live' && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
      ? createTwilioSmsSender({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN })
      : createSimulatedSmsSender());
  return {
    rateKey: (ctx) => sendingNumber(ctx),
    async deliver(ctx) {
      const from = sendingNumber(ctx);
      if (!from) throw new DeliveryError('permanent', 'the practice has no SMS number to send from', 'no_sender');
      try {
        const result = await client.send({
          from,
          to: ctx.contactPoint.value,
          body: ctx.message.body,
          statusCallback: `${env.PUBLIC_BASE_URL}/webhooks/twilio/sms/status`,
          idempotencyKey: ctx.message.idempotencyKey ?? ctx.message.id,
          // an MMS: Twilio fetches each image from a signed, expiring link on our origin
          ...(ctx.attachments.length ? { mediaUrls: ctx.attachments.map((a) => signedMediaUrl(env, a.id, ctx.now)) } : {}),
        });
        return {
          providerId: result.providerId,
          status: client.mode === 'simulated' ? 'simulated' : result.status === 'sent' ? 'sent' : 'queued',
          from,
        };
      } catch (err) {
        if (err instanceof SendError) {
          throw new DeliveryError(err.kind, err.message, err.code !== undefined ? String(err.code) : null);
        }
        throw err;
      }
    },
  };
}
