import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import {
  DismissUnroutedSchema,
  ListUnroutedQuery,
  RouteUnroutedSchema,
  UnroutedSchema,
  dismissUnrouted,
  getUnrouted,
  listUnrouted,
  routeUnrouted,
} from './unrouted';

const admins = 'Admins who see every practice only; every read is audited.';

/** The unrouted holding area: texts, calls and emails to addresses no practice owns. */
export function unroutedRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/unrouted',
      tags: ['unrouted'],
      summary: 'Messages and calls to a number or address no practice owns, held instead of dropped (newest first)',
      description: admins,
      security: bearer,
      request: { query: ListUnroutedQuery },
      responses: { 200: json(listOf(UnroutedSchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json(await listUnrouted(c.get('deps').db, requireStaff(c), c.req.valid('query'), c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/unrouted/{id}',
      tags: ['unrouted'],
      summary: 'One held message',
      description: admins,
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(UnroutedSchema, 'The held message'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getUnrouted(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/unrouted/{id}/route',
      tags: ['unrouted'],
      summary: 'Land a held message in the practice it was meant for (triaged and routed like any message; a call shows as a missed call)',
      description: admins,
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: RouteUnroutedSchema } }, required: true } },
      responses: { 200: json(UnroutedSchema, 'Routed'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await routeUnrouted(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json(r, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/unrouted/{id}/dismiss',
      tags: ['unrouted'],
      summary: 'Dismiss a held message that belongs to no practice (spam, a test), with a note',
      description: admins,
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: DismissUnroutedSchema } }, required: true } },
      responses: { 200: json(UnroutedSchema, 'Dismissed'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await dismissUnrouted(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
