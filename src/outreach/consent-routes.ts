import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { ConsentStateSchema, StaffConsentSchema, consentOf, recordStaffConsent } from './consent';

/** A patient's consent per channel, and what staff record of it (an opt-out or opt-in given by phone or in person). */
export function consentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/patients/{id}/consent',
      tags: ['patients'],
      summary: "A patient's consent for texts, email and calls, with the ledger (newest first, 50)",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ConsentStateSchema, 'Consent'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await consentOf(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/consent',
      tags: ['patients'],
      summary: 'Record an opt-out or opt-in the patient gave by phone, in person or in writing (every contact of that kind; audited)',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: StaffConsentSchema } }, required: true } },
      responses: {
        200: json(ConsentStateSchema, 'Recorded'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        422: { description: 'The patient has no contact of that kind', content: { 'application/json': { schema: errors[400].content['application/json'].schema } } },
      },
    }),
    async (c) => c.json(await recordStaffConsent(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), c.get('deps').clock.now(), c.get('requestId')), 200),
  );
}
