import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { AppError } from '../platform/errors';
import { getImportRun, ImportRunSchema, runImport } from './import-runs';

const ImportQuery = z.object({
  practiceId: z.string().min(1).max(100).openapi({ description: 'the practice (id or slug)' }),
  importId: z.uuid({ error: 'must be a uuid' }).optional().openapi({
    description: 'an id you make (a uuid) to poll GET /api/v1/appointments/imports/{importId} for progress while the import runs',
  }),
});

const FhirBundleBody = z.looseObject({ resourceType: z.literal('Bundle', { error: 'must be "Bundle" (a FHIR R4 Bundle)' }) }).openapi('FhirBundle', {
  description: 'A FHIR R4 Bundle holding Appointments and the Patients they name',
});

const ImportRowSchema = z.object({
  line: z.number().int().openapi({ description: 'CSV: the line the row starts on (header: 1); Bundle: the entry, from 1' }),
  resource: z.string().optional().openapi({ description: 'Appointment/<id>' }),
  outcome: z.enum(['created', 'updated', 'unchanged', 'cancelled', 'held', 'skipped', 'rejected']),
  appointmentId: z.uuid().optional(),
  reason: z.string().optional().openapi({ description: 'why it was rejected, naming the column or field' }),
});

const ImportResultSchema = ImportRunSchema.extend({ rows: z.array(ImportRowSchema) }).openapi('ImportResult');

export function appointmentImportRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/appointments/import',
      tags: ['appointments'],
      summary: 'Import appointments from a CSV or a FHIR R4 Bundle, answering what became of each row',
      description:
        'The body is the file: `text/csv` (columns external_id, starts_at, duration_minutes, type, provider, first_name, last_name, phone, email, date_of_birth, language, sms_consent, status; local times are in the practice’s zone) or `application/fhir+json` / `application/json` (a Bundle). Up to 20 MB. Each row is applied on its own, as `import appointments` does on the command line: bad rows are listed with the reason and the rest go in. A body nothing can be read from answers 400. Managers and admins of the practice; each appointment is audited.',
      security: bearer,
      request: {
        query: ImportQuery,
        body: {
          content: {
            'text/csv': { schema: z.string().openapi({ example: 'external_id,starts_at,first_name,last_name,phone\nA-1,2026-03-09 09:00,Ana,Diaz,+14155550100' }) },
            'application/fhir+json': { schema: FhirBundleBody },
            'application/json': { schema: FhirBundleBody },
          },
          required: false,
        },
      },
      responses: {
        200: json(ImportResultSchema, 'Imported: counts and one result per row'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
        413: errors[413],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const who = requireStaff(c);
      const query = c.req.valid('query');
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const isCsv = type === 'text/csv';
      const body = isCsv ? await c.req.text() : c.req.valid('json');
      if (isCsv ? (body as string).trim() === '' : !body || Object.keys(body as object).length === 0) {
        throw new AppError('validation_failed', 'body: send the CSV (text/csv) or the FHIR Bundle (application/fhir+json)');
      }
      const { run, summary } = await runImport(
        deps.db,
        who,
        { practiceId: query.practiceId, runId: query.importId, kind: isCsv ? 'csv' : 'fhir_bundle', body },
        deps.clock.now(),
        c.get('requestId'),
      );
      deps.relay.nudge();
      return c.json({ ...run, rows: summary.rows }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/appointments/imports/{id}',
      tags: ['appointments'],
      summary: 'An import’s (or EHR sync’s) progress and outcome',
      description: 'Poll while the import runs (`status` running, `done` of `total`); once done, the counts and the rows it could not take. Managers and admins of the practice.',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ImportRunSchema, 'The run'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getImportRun(c.get('deps').db, requireStaff(c), c.req.valid('param').id), 200),
  );
}
