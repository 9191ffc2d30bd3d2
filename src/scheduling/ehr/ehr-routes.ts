import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../http/context';
import { requireStaff } from '../../http/auth';
import { bearer, errors, IdParam, json } from '../../http/openapi';
import { ImportRunSchema } from '../import-runs';
import { EhrStatusSchema, ehrPracticeFor, getEhrStatus } from './connection';
import { syncPractice } from './sync';
import { retryWriteBack } from './write-back';

const PracticeParam = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, description: 'id or slug' }),
});

const access = 'Managers and admins of the practice (assistants: 403; a practice the caller cannot see: 404).';

export function ehrRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices/{id}/ehr',
      tags: ['ehr'],
      summary: 'The practice’s EHR connection (never its secret), its last sync with counts and problems, a sync under way, write-backs not done',
      description: `What the Settings page shows. Set the connection with PATCH /api/v1/practices/{id} and \`ehr\`. ${access}`,
      security: bearer,
      request: { params: PracticeParam },
      responses: { 200: json(EhrStatusSchema, 'The connection and its state'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getEhrStatus(c.get('deps').db, requireStaff(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/practices/{id}/ehr/sync',
      tags: ['ehr'],
      summary: 'Sync the schedule with the EHR now, and answer with the counts',
      description: `Searches the EHR for the appointments of today and the next 90 days (the practice's zone) with their patients, creates, updates and cancels here (reminders follow), and answers the run: \`status\` done or failed (with \`error\`: the EHR refused the credentials, could not be reached...), counts (created, updated, unchanged, cancelled, held, skipped, rejected, duplicatePatients) and problems. A sync already running answers 409. ${access}`,
      security: bearer,
      request: { params: PracticeParam },
      responses: { 200: json(ImportRunSchema, 'The sync run'), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const who = requireStaff(c);
      const practice = await ehrPracticeFor(deps.db, who, c.req.valid('param').id);
      const { run } = await syncPractice(deps, practice.id, { trigger: 'manual', actor: who, requestId: c.get('requestId') });
      deps.relay.nudge();
      return c.json(run, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/appointments/{id}/ehr/retry',
      tags: ['ehr'],
      summary: 'Try the appointment’s failed (or waiting) write-backs to the EHR again now',
      description: `For a write-back that gave up (see \`ehr.writeBack\` on the appointment): after the credentials were fixed, or the EHR was put right by hand (a cancel of an appointment already cancelled there is done at once). 409 when there is nothing to write back or write-back is off. ${access}`,
      security: bearer,
      request: { params: IdParam },
      responses: {
        202: json(z.object({ queued: z.number().int() }), 'Queued'),
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const queued = await retryWriteBack(deps.db, requireStaff(c), c.req.valid('param').id, deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json({ queued }, 202);
    },
  );
}
