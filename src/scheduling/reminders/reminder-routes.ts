import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../http/context';
import { requireStaff } from '../../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../../http/openapi';
import { ReminderCadenceSchema } from './reminders';
import { getReminderCadence, setReminderCadence } from './reminder-cadence';
import { AddWaitlistEntrySchema, WaitlistEntrySchema, addWaitlistEntry, listWaitlist } from '../waitlist/waitlist';
import { AppointmentMetricsQuery, AppointmentMetricsSchema, appointmentMetrics } from '../appointment-metrics';

/** Reminder cadence, the waitlist and the appointment figures. */
export function reminderRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices/{id}/reminder-cadence',
      tags: ['reminders'],
      summary: "The practice's reminder cadence: steps (channel, minutes before) by default and per appointment type",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ReminderCadenceSchema, 'The cadence'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getReminderCadence(c.get('deps').db, requireStaff(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/practices/{id}/reminder-cadence',
      tags: ['reminders'],
      summary: 'Set the reminder cadence (managers and admins); applies to appointments planned or moved from now on',
      description:
        'Each step is `{ channel: sms|email|voice, minutesBefore }`. The patient\'s preferred channel adapts a step at planning time (texts become calls for a patient who prefers calls); a step the patient cannot receive is recorded as skipped with its reason.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: ReminderCadenceSchema } }, required: true } },
      responses: { 200: json(ReminderCadenceSchema, 'Stored'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await setReminderCadence(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/waitlist',
      tags: ['waitlist'],
      summary: 'Put a patient on the waitlist for a provider and/or appointment type',
      description:
        'When an appointment of that provider/type is cancelled, waitlisted patients are offered the slot by text in priority order (higher first, then oldest), 3 at a time; the first to answer C gets it, the others are told it is taken; offers expire after 2 hours (or an hour before the slot) and the next patients are offered.',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: AddWaitlistEntrySchema } }, required: true } },
      responses: { 201: json(WaitlistEntrySchema, 'On the list'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await addWaitlistEntry(deps.db, requireStaff(c), c.req.valid('json'), deps.clock.now(), c.get('requestId')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/waitlist',
      tags: ['waitlist'],
      summary: 'Waitlisted patients (waiting or holding an offer), by priority',
      security: bearer,
      request: { query: z.object({ practiceId: z.uuid({ error: 'practiceId must be an id (uuid)' }).optional() }) },
      responses: { 200: json(listOf(WaitlistEntrySchema), 'The list'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json(await listWaitlist(c.get('deps').db, requireStaff(c), c.req.valid('query').practiceId, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/metrics/appointments',
      tags: ['metrics'],
      summary: 'Reminder and appointment figures per practice (default: the last 30 days of every practice you may see)',
      security: bearer,
      request: { query: AppointmentMetricsQuery },
      responses: { 200: json(listOf(AppointmentMetricsSchema), 'Figures per practice'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await appointmentMetrics(deps.db, requireStaff(c), c.req.valid('query'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
