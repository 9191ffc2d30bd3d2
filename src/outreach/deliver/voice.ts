import { SendError } from '../../../channels/sms/sender';
import { createSimulatedVoiceCaller, createTwilioVoiceCaller, type VoiceCaller } from '../../../channels/voice/caller';
import type { Env } from '../../platform/env';
import { DeliveryError, type Deliverer, type DeliveryContext } from './types';

/** The number a call goes from: the practice's first voice number, else its first number. */
export function callingNumber(ctx: DeliveryContext): string | null {
  const phones = ctx.practiceAddresses.filter((a) => a.kind === 'phone');
  return phones.find((a) => a.voice)?.value ?? phones[0]?.value ?? null;
}

/**
 * A voice message is an outbound call whose TwiML the call fetches from us: only reminder
 * calls exist, so the URL names the reminder (an id, never the words).
 */
export function voiceDeliverer(env: Env, caller?: VoiceCaller): Deliverer {
  const client =
    caller ??
    (env.SEND_MODE === 'live' && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
      ? createTwilioVoiceCaller({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN })
      : createSimulatedVoiceCaller());
  return {
    rateKey: (ctx) => callingNumber(ctx),
    async deliver(ctx) {
      const reminderId = ctx.message.meta.reminderId;
      if (typeof reminderId !== 'string') throw new DeliveryError('permanent', 'only reminder calls can be placed', 'not_a_reminder');
      const from = callingNumber(ctx);
      if (!from) throw new DeliveryError('permanent', 'the practice has no number to call from', 'no_sender');
      const base = env.PUBLIC_BASE_URL.replace(/\/$/, '');
      try {
        const result = await client.call({
          from,
          to: ctx.contactPoint.value,
          url: `${base}/webhooks/twilio/voice/reminder?reminderId=${encodeURIComponent(reminderId)}`,
          statusCallback: `${base}/webhooks/twilio/voice/reminder/status?reminderId=${encodeURIComponent(reminderId)}`,
          idempotencyKey: ctx.message.idempotencyKey ?? ctx.message.id,
        });
        return { providerId: result.providerId, status: client.mode === 'simulated' ? 'simulated' : 'queued', from };
      } catch (err) {
        if (err instanceof SendError) throw new DeliveryError(err.kind === 'opted_out' ? 'permanent' : err.kind, err.message, err.code !== undefined ? String(err.code) : null);
        throw err;
      }
    },
  };
}
