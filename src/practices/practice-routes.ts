import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json, listOf } from '../http/openapi';
import {
  CreatePracticeSchema,
  PracticeSchema,
  UpdatePracticeSchema,
  createPractice,
  getPractice,
  listPractices,
  updatePractice,
} from './practices';

const PracticeParam = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, description: 'id or slug' }),
});

export function practiceRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices',
      tags: ['practices'],
      summary: 'Practices the caller may see',
      security: bearer,
      responses: { 200: json(listOf(PracticeSchema), 'Practices'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json({ data: await listPractices(c.get('deps').db, who), nextCursor: null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices/{id}',
      tags: ['practices'],
      summary: 'One practice',
      security: bearer,
      request: { params: PracticeParam },
      responses: { 200: json(PracticeSchema, 'The practice'), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await getPractice(c.get('deps').db, who, c.req.valid('param').id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/practices',
      tags: ['practices'],
      summary: 'Create a practice (admins)',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: CreatePracticeSchema } }, required: true } },
      responses: {
        201: json(PracticeSchema, 'Created'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        409: errors[409],
      },
    }),
    async (c) => {
      const who = requireStaff(c);
      const practice = await createPractice(c.get('deps').db, who, c.req.valid('json'), c.get('requestId'));
      return c.json(practice, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/practices/{id}',
      tags: ['practices'],
      summary: 'Change a practice (admins): name, slug, time zone, hours, numbers, addresses, on-call, portal webhook',
      security: bearer,
      request: {
        params: PracticeParam,
        body: { content: { 'application/json': { schema: UpdatePracticeSchema } }, required: true },
      },
      responses: {
        200: json(PracticeSchema, 'Updated'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    }),
    async (c) => {
      const who = requireStaff(c);
      const practice = await updatePractice(c.get('deps').db, who, c.req.valid('param').id, c.req.valid('json'), c.get('requestId'));
      return c.json(practice, 200);
    },
  );
}
