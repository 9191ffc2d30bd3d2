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
import { applyEhrConnection, connectionView, EhrConnectionInputSchema, EhrConnectionSchema, findConnection, planEhrConnection } from '../scheduling/ehr/connection';

/** PATCH also takes the practice's EHR connection (`ehr`); absent leaves it as it is, null removes it. */
const PatchPracticeSchema = UpdatePracticeSchema.extend({ ehr: EhrConnectionInputSchema.nullable().optional() }).openapi('PatchPractice');
const PatchedPracticeSchema = PracticeSchema.extend({ ehr: EhrConnectionSchema.nullable() }).openapi('PatchedPractice');

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
      summary: 'Change a practice (admins): name, slug, time zone, hours, numbers, addresses, on-call, portal webhook, EHR connection',
      description:
        '`ehr` sets the practice’s EHR (FHIR R4) connection: base URL, sign-in (bearer token or OAuth2 client credentials), sync interval and write-back. Secrets are stored encrypted (EHR_SECRET_KEY; without it a secret cannot be saved: 409) and never returned. An absent `ehr` leaves the connection as it is; `null` removes it. The answer carries the connection without its secret.',
      security: bearer,
      request: {
        params: PracticeParam,
        body: { content: { 'application/json': { schema: PatchPracticeSchema } }, required: true },
      },
      responses: {
        200: json(PatchedPracticeSchema, 'Updated'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    }),
    async (c) => {
      const who = requireStaff(c);
      const deps = c.get('deps');
      const { ehr, ...fields } = c.req.valid('json');
      const idOrSlug = c.req.valid('param').id;
      // everything about the connection that can refuse it is checked before the practice changes
      const plan = ehr === undefined ? null : await planEhrConnection(deps.db, who, (await getPractice(deps.db, who, idOrSlug)).id, ehr, deps.env.EHR_SECRET_KEY);
      // the body as sent, not as parsed: a schema default must not turn "only ehr" into a change of other fields
      const sent = Object.keys((await c.req.json()) as object).filter((k) => k !== 'ehr');
      const practice =
        plan && sent.length === 0 ? await getPractice(deps.db, who, idOrSlug) : await updatePractice(deps.db, who, idOrSlug, fields, c.get('requestId'));
      let connection;
      if (plan) {
        connection = await applyEhrConnection(deps.db, who, practice.id, plan, deps.clock.now(), c.get('requestId'));
        deps.relay.nudge();
      } else {
        const row = await findConnection(deps.db, practice.id);
        connection = row ? connectionView(row) : null;
      }
      return c.json({ ...practice, ehr: connection }, 200);
    },
  );
}
