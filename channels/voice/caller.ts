import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { toSendError } from '../sms/sender';

export interface CallRequest {
  /** the practice's voice number (E.164) */
  from: string;
  /** the patient's number, E.164 */
  to: string;
  /** public URL Twilio fetches the call's TwiML from */
  url?: string;
  /** or the call's TwiML itself (a call placed from the inbox carries its first words) */
  twiml?: string;
  /** public URL of the call's status callback */
  statusCallback?: string;
  /** stable per outbound message: a simulated call's id derives from it */
  idempotencyKey: string;
}

/** The outbound call port: Twilio's `calls.create`, or simulated (SEND_MODE=simulate). */
export interface VoiceCaller {
  readonly mode: 'live' | 'simulated';
  call(request: CallRequest): Promise<{ providerId: string; status: string }>;
}

export function createTwilioVoiceCaller(options: { accountSid: string; authToken: string; timeoutMs?: number }): VoiceCaller {
  const client = twilio(options.accountSid, options.authToken, { autoRetry: false, timeout: options.timeoutMs ?? 10_000 });
  return {
    mode: 'live',
    async call(request) {
      try {
        const call = await client.calls.create({
          to: request.to,
          from: request.from,
          ...(request.twiml ? { twiml: request.twiml } : { url: request.url, method: 'POST' }),
          ...(request.statusCallback ? { statusCallback: request.statusCallback, statusCallbackMethod: 'POST' } : {}),
        });
        return { providerId: call.sid, status: call.status };
      } catch (error) {
        // the same sorting as texts: 5xx and no answer retry, a bad number is permanent
        throw toSendError(error);
      }
    },
  };
}

export function createSimulatedVoiceCaller(): VoiceCaller {
  return {
    mode: 'simulated',
    async call(request) {
      const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 32);
      return { providerId: `SIMCA${digest}`, status: 'simulated' };
    },
  };
}
