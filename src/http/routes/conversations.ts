import { createRoute } from '@hono/zod-openapi';
import type { App } from '../context';
import { requireStaff } from '../auth';
import { bearer, errors, IdParam, json, listOf } from '../openapi';
import {
  ConversationSchema,
  ConversationSummarySchema,
  ListConversationsQuery,
  getConversation,
  listConversations,
} from '../../services/conversations';

export function conversationRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations',
      tags: ['conversations'],
      summary: 'Conversations the caller may see, newest activity first',
      security: bearer,
      request: { query: ListConversationsQuery },
      responses: { 200: json(listOf(ConversationSummarySchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await listConversations(c.get('deps').db, who, c.req.valid('query'), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations/{id}',
      tags: ['conversations'],
      summary: 'A conversation with its messages, triage, queue and assignee',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ConversationSchema, 'The conversation'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await getConversation(c.get('deps').db, who, c.req.valid('param').id, c.get('requestId')), 200);
    },
  );
}
