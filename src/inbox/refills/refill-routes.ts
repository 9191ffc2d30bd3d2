import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../http/context';
import { requireStaff } from '../../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../../http/openapi';
import { ListRefillsQuery, RefillDecisionResultSchema, RefillDecisionSchema, RefillSchema, decideRefill, listRefills } from './refills';

export function refillRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/refills',
      tags: ['refills'],
      summary: 'Refill requests taken from patient messages (medication, strength, pharmacy, status), newest first',
      security: bearer,
      request: { query: ListRefillsQuery },
      responses: { 200: json(listOf(RefillSchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json(await listRefills(c.get('deps').db, requireStaff(c), c.req.valid('query'), c.get('requestId')), 200),
  );

  for (const decision of ['approved', 'denied'] as const) {
    const verb = decision === 'approved' ? 'approve' : 'deny';
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/v1/refills/{id}/${verb}`,
        tags: ['refills'],
        summary: `${decision === 'approved' ? 'Approve' : 'Deny'} a refill request and tell the patient by template (managers and admins)`,
        description: `Only a manager or admin of the practice decides (the clinician's role); assistants get 403. The patient gets the practice's \`refill_${decision}\` template in the conversation (a voice conversation by text). The note stays internal. A request already decided is a 409.`,
        security: bearer,
        request: { params: IdParam, body: { content: { 'application/json': { schema: RefillDecisionSchema } }, required: false } },
        responses: { 200: json(RefillDecisionResultSchema, 'Decided'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
      }),
      async (c) => {
        const deps = c.get('deps');
        const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
        const r = await decideRefill(deps.db, requireStaff(c), c.req.valid('param').id, decision, body ?? {}, deps.clock.now(), c.get('requestId'));
        deps.relay.nudge();
        return c.json(r, 200);
      },
    );
  }
}
