import { deliverPortalWebhook } from '../../../channels/portal/webhook';
import { portalReply } from '../portal-reply';
import { DeliveryError, type Deliverer } from './types';

/**
 * A reply to a portal conversation goes to the practice's portal by a signed webhook
 * (HMAC-SHA256 with its secret); the send job retries a retryable failure with backoff.
 * Without a webhook URL the reply waits to be fetched with GET /api/v1/portal/messages.
 */
export function portalDeliverer(fetchImpl?: typeof globalThis.fetch): Deliverer {
  return {
    rateKey: () => null,
    async deliver(ctx) {
      const { practice, message, conversation, contactPoint } = ctx;
      if (!practice.portalWebhookUrl) return { providerId: null, status: 'queued', from: null };
      if (!practice.portalWebhookSecret) {
        throw new DeliveryError('permanent', 'the practice has a portal webhook URL but no secret to sign with', 'no_webhook_secret');
      }
      const result = await deliverPortalWebhook({
        url: practice.portalWebhookUrl,
        secret: practice.portalWebhookSecret,
        payload: { type: 'portal.reply', data: portalReply(message, conversation.portalThreadId, contactPoint.value, ctx.attachments, ctx.env.PUBLIC_BASE_URL) },
        deliveryId: message.id,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      });
      if (!result.ok) throw new DeliveryError(result.kind, result.message, result.status === null ? 'portal_unreachable' : `portal_${result.status}`);
      return { providerId: `portal:${message.id}`, status: 'delivered', from: null };
    },
  };
}
