import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import {
  ArchiveQueueSchema,
  AssistantSchema,
  CreateQueueSchema,
  QueueSchema,
  archiveQueue,
  createQueue,
  unarchiveQueue,
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
      request: { query: z.object({ practiceId: z.uuid().optional(), includeArchived: z.enum(['true', 'false']).optional() }) },
      responses: { 200: json(listOf(QueueSchema), 'Queues'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ data: await listQueues(c.get('deps').db, requireStaff(c), q.practiceId, { includeArchived: q.includeArchived === 'true' }), nextCursor: null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/queues',
      tags: ['queues'],
      summary: 'Create a queue with its SLAs and playbook (managers)',
      description: 'Route to it by adding a rule with `assign_queue` and its key; grant assistants with PATCH /api/v1/assistants/{id}.',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: CreateQueueSchema } }, required: true } },
      responses: { 201: json(QueueSchema, 'Created'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => c.json(await createQueue(c.get('deps').db, requireStaff(c), c.req.valid('json'), c.get('requestId')), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/queues/{id}/archive',
      tags: ['queues'],
      summary: 'Archive a queue (managers): it takes no new work; its open conversations move to `moveTo`',
      description: 'Refused for the urgent queue and while the live rules route to it.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: ArchiveQueueSchema } }, required: false } },
      responses: { 200: json(QueueSchema, 'Archived'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const body = (c.req.header('content-type') ?? '').includes('json') ? c.req.valid('json') : {};
      return c.json(await archiveQueue(deps.db, requireStaff(c), c.req.valid('param').id, body ?? {}, deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/queues/{id}/unarchive',
      tags: ['queues'],
      summary: 'Bring an archived queue back (managers)',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(QueueSchema, 'Back'), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await unarchiveQueue(deps.db, requireStaff(c), c.req.valid('param').id, deps.clock.now(), c.get('requestId')), 200);
    },
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
