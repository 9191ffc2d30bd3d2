import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { MergePatientSchema, PatientMergeSchema, mergePatient, unmergePatient } from './patients';

export function patientRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/merge',
      tags: ['patients'],
      summary: 'Merge this patient into another (managers); undo with /unmerge',
      description:
        'Conversations, contact points, appointments, reminders, waitlist entries and calls move to `intoId`; this record stays, marked merged, so its contacts and portal id lead to the survivor. Audited.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: MergePatientSchema } }, required: true } },
      responses: { 200: json(PatientMergeSchema, 'The merge'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await mergePatient(c.get('deps').db, who, c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/unmerge',
      tags: ['patients'],
      summary: 'Undo the latest merge of this patient (managers)',
      description: 'What moved in the merge goes back; what reached the survivor since stays with it. Audited.',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(PatientMergeSchema, 'The undone merge'), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await unmergePatient(c.get('deps').db, who, c.req.valid('param').id, c.get('requestId')), 200);
    },
  );
}
