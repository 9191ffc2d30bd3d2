import { parseTwilioSms } from '../../../channels/sms/parse';
import { parseTwilioStatusCallback } from '../../../channels/sms/status';
import { emptyMessagingResponse, messagingReply } from '../../../channels/sms/twiml';
import { holdUnrouted } from '../unrouted';
import { applySmsStatus, receiveSmsAt } from './sms-inbound';
import type { App } from '../../http/context';
import { channelInputToAppError, twiml, verifiedTwilioParams } from '../../http/twilio-webhook';

/**
 * Twilio's SMS/MMS webhooks. Answers within milliseconds: the message and its triage job
 * are stored in one round trip, replies go out through the send job.
 *
 * A `To` number no active practice owns (not added yet, or removed) is not refused: Twilio
 * does not retry a 4xx, so the patient's text would be lost. It is kept in the unrouted
 * holding area for an admin to route or dismiss, and answered with empty TwiML.
 */
export function twilioSmsRoutes(app: App) {
  app.post('/webhooks/twilio/sms', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const now = deps.clock.now();
    let message;
    try {
      message = parseTwilioSms(params, now);
    } catch (err) {
      channelInputToAppError(err);
    }
    const result = await receiveSmsAt(deps.db, message, { receivedAt: now, requestId: c.get('requestId') });
    if (!result) {
      const held = await holdUnrouted(deps.db, message, now);
      deps.log.warn({ requestId: c.get('requestId'), messageSid: message.providerId, unroutedId: held.id }, 'sms to a number no practice owns: held');
      return twiml(c, emptyMessagingResponse());
    }
    if (!result.duplicate && !result.keyword) deps.relay.nudge();
    deps.log.info(
      { requestId: c.get('requestId'), messageId: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate, keyword: result.keyword?.kind },
      'sms received',
    );
    return twiml(c, result.reply ? messagingReply(result.reply) : emptyMessagingResponse());
  });

  app.post('/webhooks/twilio/sms/status', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    let update;
    try {
      update = parseTwilioStatusCallback(params);
    } catch (err) {
      channelInputToAppError(err);
    }
    const r = await applySmsStatus(deps.db, update, deps.clock.now());
    // an unknown MessageSid (sent by another system on this account) is acknowledged, not retried
    if (!r.found) deps.log.info({ requestId: c.get('requestId'), messageSid: update.providerId }, 'status callback for an unknown message');
    return c.body(null, 204);
  });
}
