import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { TriageCorrectionSchema, correctTriage } from './triage-corrections';

export function messageRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/messages/{id}/triage',
      tags: ['conversations'],
      summary: "Correct a message's triage (intent, urgency, needsHuman); kept as training data",
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: TriageCorrectionSchema } }, required: true } },
      responses: {
        200: json(z.object({ messageId: z.uuid(), triage: z.record(z.string(), z.unknown()) }), 'Corrected'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const result = await correctTriage(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json(result, 200);
    },
  );
}
