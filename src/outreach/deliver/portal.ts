import { deliverPortalWebhook } from '../../../channels/portal/webhook';
import { PrivateAddressError, publicOnlyFetch } from '../../../channels/portal/address-guard';
import type { Env } from '../../platform/env';
import { portalReply } from '../portal-reply';
import { DeliveryError, type Deliverer } from './types';

/**
 * A reply to a portal conversation goes to the practice's portal by a signed webhook
 * (HMAC-SHA256 with its secret); the send job retries a retryable failure with backoff.
 * Without a webhook URL the reply waits to be fetched with GET /api/v1/portal/messages.
 */
export function portalDeliverer(env: Pick<Env, 'SEND_MODE' | 'PORTAL_WEBHOOK_ALLOW_PRIVATE'>, fetchImpl?: typeof globalThis.fetch): Deliverer {
  // the URL is typed by a practice's admin: it never reaches loopback or private addresses
  // (our own services, cloud metadata) unless PORTAL_WEBHOOK_ALLOW_PRIVATE says so
  const post = fetchImpl ?? (env.PORTAL_WEBHOOK_ALLOW_PRIVATE ? globalThis.fetch : publicOnlyFetch);
  return {
    rateKey: () => null,
    async deliver(ctx) {
      const { practice, message, conversation, contactPoint } = ctx;
      if (!practice.portalWebhookUrl) return { providerId: null, status: 'queued', from: null };
      // simulate mode posts nothing anywhere; the reply is still fetched with GET /api/v1/portal/messages
      if (env.SEND_MODE === 'simulate') return { providerId: null, status: 'simulated', from: null };
      if (!practice.portalWebhookSecret) {
        throw new DeliveryError('permanent', 'the practice has a portal webhook URL but no secret to sign with', 'no_webhook_secret');
      }
      const result = await deliverPortalWebhook({
        url: practice.portalWebhookUrl,
        secret: practice.portalWebhookSecret,
        payload: { type: 'portal.reply', data: portalReply(message, conversation.portalThreadId, contactPoint.value, ctx.attachments, ctx.env.PUBLIC_BASE_URL) },
        deliveryId: message.id,
        fetch: post,
      });
      // the refusal surfaces as an unreachable portal, named by its error class
      if (!result.ok && result.message.includes(`(${PrivateAddressError.name}:`)) {
        throw new DeliveryError('permanent', 'the portal webhook URL points at a private or loopback address (PORTAL_WEBHOOK_ALLOW_PRIVATE is off)', 'portal_private_address');
      }
      if (!result.ok) throw new DeliveryError(result.kind, result.message, result.status === null ? 'portal_unreachable' : `portal_${result.status}`);
      return { providerId: `portal:${message.id}`, status: 'delivered', from: null };
    },
  };
}

