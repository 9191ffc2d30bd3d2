import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import { AppointmentSchema, CreateAppointmentSchema, ListAppointmentsQuery, UpdateAppointmentSchema } from './appointment-schemas';
import {
  cancelAppointment,
  getAppointment,
  listAppointments,
  putAppointment,
  updateAppointment,
} from './appointments';

const access =
  'Managers and admins of the practice create and change appointments; assistants of the practice may read them. A practice or appointment the caller cannot see answers 404. Audited.';

export function appointmentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/appointments',
      tags: ['appointments'],
      summary: 'Create an appointment, or update the practice’s appointment with the same externalId',
      description: `The patient is matched by phone or email, else by first and last name and date of birth, else created. \`smsConsent\` true or false goes to the consent ledger (source \`api\`); true never overrides a STOP the patient sent. 201 when created, with the planned reminders; 200 when an appointment with this \`externalId\` existed (unchanged data writes nothing; a new \`startsAt\` re-plans the reminders). ${access}`,
      security: bearer,
      request: { body: { content: { 'application/json': { schema: CreateAppointmentSchema } }, required: true } },
      responses: {
        201: json(AppointmentSchema, 'Created, with its planned reminders'),
        200: json(AppointmentSchema, 'Updated (or unchanged)'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await putAppointment(deps.db, requireStaff(c), c.req.valid('json'), deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return r.outcome === 'created' ? c.json(r.appointment, 201) : c.json(r.appointment, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/appointments',
      tags: ['appointments'],
      summary: 'Appointments of the practices the caller may see, by start time',
      description: `Filter by practice, start time range [from, to) and status; pages with \`cursor\`. ${access}`,
      security: bearer,
      request: { query: ListAppointmentsQuery },
      responses: { 200: json(listOf(AppointmentSchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await listAppointments(c.get('deps').db, requireStaff(c), c.req.valid('query'), c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/appointments/{id}',
      tags: ['appointments'],
      summary: 'An appointment: status (booked, confirmed, cancelled, checked_in, no_show), patient, reminders with their state',
      description: access,
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(AppointmentSchema, 'The appointment'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getAppointment(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/appointments/{id}',
      tags: ['appointments'],
      summary: 'Reschedule or change an appointment, or mark it confirmed, checked_in or no_show',
      description: `A new \`startsAt\` re-plans the reminders. A cancelled appointment answers 409 (book it again with POST). ${access}`,
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateAppointmentSchema } }, required: true } },
      responses: { 200: json(AppointmentSchema, 'Updated'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await updateAppointment(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json(r, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/appointments/{id}/cancel',
      tags: ['appointments'],
      summary: 'Cancel an appointment; its reminders that have not gone out are called off',
      description: `Cancelling twice is harmless. ${access}`,
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(AppointmentSchema, 'Cancelled'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await cancelAppointment(deps.db, requireStaff(c), c.req.valid('param').id, deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json(r, 200);
    },
  );
}
