import { createRoute, z } from '@hono/zod-openapi';
import { requireBlobs, type App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import { MergePatientSchema, PatientMergeSchema, mergePatient, unmergePatient } from './patients';
import {
  AddContactPointSchema,
  PatientSchema,
  PatientSummarySchema,
  SearchPatientsQuery,
  SetContactConsentSchema,
  UpdatePatientSchema,
  addContactPoint,
  getPatient,
  removeContactPoint,
  searchPatients,
  setConsent,
  updatePatient,
} from './patient-records';
import { exportPatient } from './patient-export';
import { ErasePatientSchema, ErasureSchema, erasePatient } from './patient-erase';

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const ContactPointParams = IdParam.extend({ contactPointId: z.uuid().openapi({ param: { name: 'contactPointId', in: 'path' } }) });

export function patientRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/patients',
      tags: ['patients'],
      summary: 'Find patients by name, phone (any format), email or date of birth',
      description:
        '`q` is read as an email address (has an @), a phone number (digits only: the whole number in any format, or its last 4+ digits), a date of birth (1980-03-14, 3/14/1980, 14/03/1980, 3/14/80, March 14 1980, 14 de marzo de 1980), or names (any order, case and accents ignored, prefixes match), optionally with a date of birth ("Lopez 3/14/1980"). Without `q`, every visible patient. Records merged into another are left out unless `includeMerged=true`; erased records never show. One audit entry per page shown.',
      security: bearer,
      request: { query: SearchPatientsQuery },
      responses: { 200: json(listOf(PatientSummarySchema).extend({ matchedBy: z.string() }), 'A page, sorted by last then first name'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await searchPatients(deps.db, requireStaff(c), c.req.valid('query'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/patients/{id}',
      tags: ['patients'],
      summary: "A patient's record: contacts with consent per channel, language, conversations, appointments, refills",
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(PatientSchema, 'The record (read audited)'), 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(await getPatient(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/patients/{id}',
      tags: ['patients'],
      summary: 'Change names, date of birth, language, time zone, preferred channel or tags (audited by field)',
      security: bearer,
      request: { params: IdParam, ...body(UpdatePatientSchema) },
      responses: { 200: json(PatientSchema, 'The record'), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await updatePatient(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/contact-points',
      tags: ['patients'],
      summary: 'Add a phone (any format) or email',
      security: bearer,
      request: { params: IdParam, ...body(AddContactPointSchema) },
      responses: { 201: json(PatientSchema, 'The record'), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await addContactPoint(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/patients/{id}/contact-points/{contactPointId}',
      tags: ['patients'],
      summary: 'Remove a contact (one that opted out stays on record)',
      security: bearer,
      request: { params: ContactPointParams },
      responses: { 200: json(PatientSchema, 'The record'), 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const { id, contactPointId } = c.req.valid('param');
      return c.json(await removeContactPoint(deps.db, requireStaff(c), id, contactPointId, deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/contact-points/{contactPointId}/consent',
      tags: ['patients'],
      summary: 'Record consent for one contact and purpose (sms, email, voice) in the ledger',
      description: 'Revoking takes effect at once. Granting needs `detail`: how the patient said so. Texts a patient stopped with STOP are best restarted by the patient texting START.',
      security: bearer,
      request: { params: ContactPointParams, ...body(SetContactConsentSchema) },
      responses: { 200: json(PatientSchema, 'The record'), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const { id, contactPointId } = c.req.valid('param');
      return c.json(await setConsent(deps.db, requireStaff(c), id, { ...c.req.valid('json'), contactPointId }, deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/patients/{id}/export',
      tags: ['patients'],
      summary: 'Everything held about the patient, as JSON with links to their files (right of access; managers and admins)',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(z.record(z.string(), z.unknown()).openapi('PatientExport'), 'The export (audited)'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const id = c.req.valid('param').id;
      const data = await exportPatient(deps.db, requireStaff(c), id, { baseUrl: deps.env.PUBLIC_BASE_URL, now: deps.clock.now(), requestId: c.get('requestId') });
      c.header('content-disposition', `attachment; filename="patient-${id}.json"`);
      c.header('cache-control', 'private, no-store');
      return c.json(data, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/erase',
      tags: ['patients'],
      summary: 'Erase a patient on request (admins, with a reason)',
      description:
        'Removes message bodies, subjects and addresses, files (from storage), transcripts, contact points, names, date of birth and portal id, for this record and any merged into it. Keeps ids, times, intents, statuses and appointment outcomes (so figures still add up) and the audit trail. Cannot be undone.',
      security: bearer,
      request: { params: IdParam, ...body(ErasePatientSchema) },
      responses: { 200: json(ErasureSchema, 'Erased'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await erasePatient(deps.db, requireBlobs(deps), requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/patients/{id}/merge',
      tags: ['patients'],
      summary: 'Merge this patient into another (managers); undo with /unmerge',
      description:
        "Conversations, contact points, appointments, reminders, waitlist entries, calls and refill requests move to `intoId`; the survivor's empty fields (names, date of birth, time zone, preferred channel) are filled from this record and tags are joined. This record stays as it was, marked merged, so its contacts and portal id lead to the survivor. Audited.",
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
      description: "What moved in the merge goes back, and the survivor's fields the merge filled are emptied again unless someone changed them since; what reached the survivor after the merge stays with it. Audited.",
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
