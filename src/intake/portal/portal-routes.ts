import { createRoute, z } from '@hono/zod-openapi';
import { portalMessageSchema } from '../../../channels/portal/message';
import { requirePrincipal } from '../../http/auth';
import type { App } from '../../http/context';
import { errors, json, listOf } from '../../http/openapi';
import { ListPortalRepliesQuery, PortalMessageResultSchema, listPortalReplies, receivePortalMessage } from './portal';
import { PortalReplySchema } from '../../outreach/portal-reply';

const portalBearer: Record<string, string[]>[] = [{ bearerAuth: [] }];

const PracticeQuery = z.object({
  practice: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: "Optional: the practice (id or slug) the portal means; must be the token's own" }),
});

/** The patient portal's side: a portal token (one practice, portal routes only) posts messages and fetches replies. */
export function portalRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/portal/messages',
      tags: ['portal'],
      summary: 'A message a patient wrote in the portal (idempotent on messageId)',
      description:
        'Needs a portal token (`tokens create --role portal --practice P`). Unknown fields are ignored. The same messageId again answers 200 with the stored id and stores nothing new. Replies go back by the signed webhook configured on the practice, and can be fetched with GET.',
      security: portalBearer,
      request: {
        query: PracticeQuery,
        body: { content: { 'application/json': { schema: portalMessageSchema } }, required: true },
      },
      responses: {
        201: json(PortalMessageResultSchema, 'Stored'),
        200: json(PortalMessageResultSchema, 'Stored before (a repeat of messageId)'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        413: errors[413],
      },
    }),
    async (c) => {
      const who = requirePrincipal(c);
      const { db, clock, relay } = c.get('deps');
      const result = await receivePortalMessage(db, who, c.req.valid('json'), {
        receivedAt: clock.now(),
        requestId: c.get('requestId'),
        practice: c.req.valid('query').practice,
        blobs: c.get('deps').blobs,
      });
      if (!result.duplicate) relay.nudge();
      const body = { id: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate };
      return result.duplicate ? c.json(body, 200) : c.json(body, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/portal/messages',
      tags: ['portal'],
      summary: "Replies to the practice's portal conversations, oldest first",
      security: portalBearer,
      request: { query: ListPortalRepliesQuery },
      responses: { 200: json(listOf(PortalReplySchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const who = requirePrincipal(c);
      return c.json(await listPortalReplies(c.get('deps').db, who, c.req.valid('query'), c.get('requestId')), 200);
    },
  );
}
