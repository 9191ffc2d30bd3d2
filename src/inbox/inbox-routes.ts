import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import { InboxPageSchema, InboxQuery, listInbox } from './inbox-list';
import {
  CannedAnswerSchema,
  CannedQuery,
  ChecklistItemSchema,
  ConversationContextSchema,
  cannedAnswers,
  getConversationContext,
  setChecklistItem,
} from './conversation-context';

/** The reads and small writes the console's inbox needs beside the conversation API. */
export function inboxRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/inbox',
      tags: ['conversations'],
      summary: 'The inbox: emergencies, then urgent, then SLA due, then longest waiting; with the patient’s words, red flags, SLA and assignee',
      description:
        'The same visibility as `/api/v1/conversations` (practices, and queues for assistants). Search `q` finds message text, the patient’s name, a phone number in any format, or an email address. One audit row per page.',
      security: bearer,
      request: { query: InboxQuery },
      responses: { 200: json(InboxPageSchema, 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await listInbox(deps.db, requireStaff(c), c.req.valid('query'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations/{id}/context',
      tags: ['conversations'],
      summary: 'Beside a conversation: the patient panel (contact points and consent, upcoming appointments, other conversations), assignee, checklist ticks, voicemail facts, reply channels',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ConversationContextSchema, 'The context'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await getConversationContext(deps.db, requireStaff(c), c.req.valid('param').id, deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/conversations/{id}/checklist/{key}',
      tags: ['conversations'],
      summary: 'Tick or untick an item of the queue’s playbook checklist for this conversation',
      security: bearer,
      request: {
        params: IdParam.extend({ key: z.string().regex(/^[a-z0-9_]+$/).max(40).openapi({ param: { name: 'key', in: 'path' } }) }),
        body: { content: { 'application/json': { schema: ChecklistItemSchema } }, required: true },
      },
      responses: {
        200: json(z.object({ key: z.string(), checked: z.boolean(), checkedAt: z.string().nullable() }), 'Saved'),
        400: errors[400],
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const { id, key } = c.req.valid('param');
      return c.json(await setChecklistItem(deps.db, requireStaff(c), id, key, c.req.valid('json').checked, deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations/{id}/canned-answers',
      tags: ['conversations'],
      summary: 'The practice’s templates as canned answers for this conversation, every variable filled for this patient',
      description: 'Templates needing a value this conversation lacks (a medication, offered slots) are left out.',
      security: bearer,
      request: { params: IdParam, query: CannedQuery },
      responses: { 200: json(listOf(CannedAnswerSchema), 'Answers'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await cannedAnswers(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('query'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
