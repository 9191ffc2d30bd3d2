import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import {
  AssistantSchema,
  QueueSchema,
  UpdateAssistantSchema,
  UpdateQueueSchema,
  listAssistants,
  listQueues,
  updateAssistant,
  updateQueue,
} from './queues';

export function queueRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/queues',
      tags: ['queues'],
      summary: 'Queues the caller may see, with open and unassigned counts, SLAs and playbooks',
      security: bearer,
      request: { query: z.object({ practiceId: z.uuid().optional() }) },
      responses: { 200: json(listOf(QueueSchema), 'Queues'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json({ data: await listQueues(c.get('deps').db, requireStaff(c), c.req.valid('query').practiceId), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/queues/{id}',
      tags: ['queues'],
      summary: 'Set a queue’s name, SLAs (per urgency, business hours or not) and playbook (managers)',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateQueueSchema } }, required: true } },
      responses: { 200: json(QueueSchema, 'Updated'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await updateQueue(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/assistants',
      tags: ['queues'],
      summary: 'Assistants of the caller’s practices: presence, capacity, skills, queues, open load',
      security: bearer,
      responses: { 200: json(listOf(AssistantSchema), 'Assistants'), 401: errors[401] },
    }),
    async (c) => c.json({ data: await listAssistants(c.get('deps').db, requireStaff(c)), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/assistants/{id}',
      tags: ['queues'],
      summary: 'Set presence (an assistant for themselves), capacity, skills and queues (managers)',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateAssistantSchema } }, required: true } },
      responses: { 200: json(AssistantSchema, 'Updated'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await updateAssistant(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200),
  );
}
