import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json, listOf } from '../http/openapi';
import { FiguresQuery, QaFiguresSchema, ReviewSchema, SampleQuery, SampledReplySchema, qaFigures, reviewReply, sampleReplies } from './reply-reviews';

export function qaRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/qa/samples',
      tags: ['qa'],
      summary: "A sample of each staff member's replies to review (managers)",
      description: 'Unreviewed replies by default, `size` per person, drawn the same way for the same `seed`, each with the patient message it answered.',
      security: bearer,
      request: { query: SampleQuery },
      responses: { 200: json(listOf(SampledReplySchema).extend({ seed: z.string() }), 'The sample'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await sampleReplies(deps.db, requireStaff(c), c.req.valid('query'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/qa/reviews',
      tags: ['qa'],
      summary: 'Mark a staff reply good or needing coaching, with a note (managers); marking again replaces it',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: ReviewSchema } }, required: true } },
      responses: {
        200: json(z.object({ id: z.uuid(), messageId: z.uuid(), assistantId: z.uuid(), verdict: z.string(), note: z.string().nullable(), at: z.string() }), 'Marked'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await reviewReply(deps.db, requireStaff(c), c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/metrics/qa',
      tags: ['qa'],
      summary: 'Per staff member: replies, the share reviewed, and the share marked good or needing coaching (managers)',
      security: bearer,
      request: { query: FiguresQuery },
      responses: { 200: json(QaFiguresSchema, 'The figures'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await qaFigures(deps.db, requireStaff(c), c.req.valid('query'), deps.clock.now()), 200);
    },
  );
}
