import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { auditEvents, contactPoints, messageAttachments, messages, queues, unroutedMessages } from '../../src/platform/db/schema';
import { recordRefillRequest } from '../../src/inbox/refills/refills';
import { mergePatient } from '../../src/patients/patients';
import { putAppointment } from '../../src/scheduling/appointments';
import { addUser, createToken, deactivateUser } from '../../src/staff/people';
import { archiveQueue, createQueue, updateQueue } from '../../src/inbox/queues';
import type { Principal } from '../../src/access/principal';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

/**
 * Suite 13 of issue 12: every route of the OpenAPI document x every kind of caller.
 *
 * The routes come from GET /api/v1/openapi.json, so a new route is in the matrix as soon as
 * it is registered: until it has a row in `design` below this test fails, naming it. Every
 * request targets practice A's resources (B's callers must not reach them), and each answer
 * is checked against the design:
 * - allowed: a 2xx; where the route reads or changes patient data, an audit row carrying the
 *   request id (X-Request-Id);
 * - denied: 401 without or with a revoked credential, else 403 or 404, and no audit row
 *   (nothing was done);
 * - always: no answer to a caller of practice B names any of A's ids, and no answer to the
 *   assistant limited to the refills queue names a patient or conversation outside its reach;
 *   every error has the `{error:{code,message,requestId}}` shape.
 */

const roles = ['none', 'revoked', 'portalA', 'portalB', 'assistantA', 'assistantA1', 'assistantB', 'managerA', 'adminA', 'admin'] as const;
type Role = (typeof roles)[number];

/** what each caller is (the rows of the matrix) */
const callers: Record<Role, string> = {
  none: 'no credentials',
  revoked: 'a revoked admin token',
  portalA: "practice A's portal token",
  portalB: "practice B's portal token",
  assistantA: "an assistant token of A (every queue of A)",
  assistantA1: "an assistant of A limited to the refills queue (a signed-in user, cookie + CSRF)",
  assistantB: "an assistant token of B",
  managerA: "a manager token of A",
  adminA: "an admin token scoped to A",
  admin: 'a global admin token',
};

const STAFF_A: Role[] = ['assistantA', 'assistantA1', 'managerA', 'adminA', 'admin'];
const MANAGERS_A: Role[] = ['managerA', 'adminA', 'admin'];
const ADMINS_A: Role[] = ['adminA', 'admin'];
/** every staff caller, B's included: lists answer each with its own (the leak check holds them to it) */
const ANY_STAFF: Role[] = [...STAFF_A, 'assistantB'];

interface Row {
  /** who is allowed; everyone else is denied */
  allow: Role[];
  /** reads or changes patient data: an allowed call is audited with its request id */
  patientData?: boolean;
  /** the request: path parameters, query and body for a call on practice A's resources (fresh ones for changes) */
  make: (f: Fixtures, role: Role) => Promise<Req> | Req;
  /**
   * Statuses an allowed caller may also get because of the state of the fixture, not of
   * access (each says why where it is used); they still must not be 401/403/404.
   */
  alsoOk?: [status: number, message: RegExp][];
}
interface Req {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** a body that is not JSON (a file upload, a CSV) */
  raw?: () => { body: FormData | string; type?: string };
}

/**
 * THE ACCESS DESIGN: one row per route. "allow" lists the callers that may do it on
 * practice A's data; practice B's callers and portal tokens reach none of it, and a caller
 * limited to queues reaches the patients of its queues only (minimum necessary).
 */
const design: Record<string, Row> = {
  'GET /api/v1/session': { allow: ANY_STAFF, make: () => ({}) },
  'GET /api/v1/practices': { allow: ANY_STAFF, make: () => ({}) },
  'POST /api/v1/practices': { allow: ['admin'], make: () => ({ body: { name: 'New', slug: `new-${rand()}`, timeZone: 'America/New_York', hours: { weekly: {}, closedDates: [] } } }) },
  'GET /api/v1/practices/{id}': { allow: STAFF_A, make: (f) => ({ params: { id: f.a.id } }) },
  'PATCH /api/v1/practices/{id}': { allow: ADMINS_A, make: (f) => ({ params: { id: f.a.id }, body: { afterHoursMessage: `closed ${rand()}` } }) },
  'GET /api/v1/queues': { allow: ANY_STAFF, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'PATCH /api/v1/queues/{id}': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.refillsQueueId }, body: { name: 'Refills' } }) },
  'GET /api/v1/assistants': { allow: ANY_STAFF, make: () => ({}) },
  'PATCH /api/v1/assistants/{id}': { allow: MANAGERS_A, make: async (f) => ({ params: { id: (await f.newUser('assistant')).id }, body: { capacity: 7 } }) },
  'GET /api/v1/templates': { allow: STAFF_A, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'POST /api/v1/templates/preview': { allow: STAFF_A, make: (f) => ({ body: { practiceId: f.a.id, purpose: 'emergency', language: 'en', channel: 'sms' } }) },
  'PUT /api/v1/templates/{purpose}/{language}/{channel}': {
    allow: MANAGERS_A,
    make: (f) => ({ params: { purpose: 'emergency', language: 'en', channel: 'sms' }, body: { practiceId: f.a.id, body: 'If this is an emergency, call 911 now.' } }),
  },
  'DELETE /api/v1/templates/{purpose}/{language}/{channel}': {
    allow: MANAGERS_A,
    make: (f) => ({ params: { purpose: 'emergency', language: 'en', channel: 'sms' }, query: { practiceId: f.a.id } }),
  },
  'GET /api/v1/refills': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'POST /api/v1/refills/{id}/approve': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: await f.newRefill() }, body: {} }) },
  'POST /api/v1/refills/{id}/deny': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: await f.newRefill() }, body: {} }) },
  'GET /api/v1/practices/{id}/reminder-cadence': { allow: STAFF_A, make: (f) => ({ params: { id: f.a.id } }) },
  'PUT /api/v1/practices/{id}/reminder-cadence': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.a.id }, body: f.cadence }) },
  'POST /api/v1/waitlist': { allow: STAFF_A, patientData: true, make: (f) => ({ body: { practiceId: f.a.id, patientId: f.refillsPatientId } }) },
  'GET /api/v1/waitlist': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'GET /api/v1/metrics/appointments': { allow: ANY_STAFF, make: () => ({}) },
  'GET /api/v1/rules': { allow: STAFF_A, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'PUT /api/v1/rules': { allow: MANAGERS_A, make: (f) => ({ body: { practiceId: f.a.id, rules: f.rules } }) },
  'GET /api/v1/rules/versions': { allow: STAFF_A, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'POST /api/v1/rules/restore': { allow: MANAGERS_A, make: (f) => ({ body: { practiceId: f.a.id, version: 1 } }) },
  'POST /api/v1/rules/simulate': {
    allow: MANAGERS_A,
    patientData: true,
    make: (f) => ({ body: { practiceId: f.a.id, rules: f.rules, from: '2025-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' } }),
  },
  'GET /api/v1/conversations': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'GET /api/v1/conversations/{id}': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'POST /api/v1/conversations/{id}/messages': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).conversationId }, body: { kind: 'note', body: 'checked the chart' } }),
  },
  'POST /api/v1/conversations/{id}/assign': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId }, body: { queue: 'refills' } }) },
  'POST /api/v1/conversations/{id}/snooze': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).conversationId }, body: { until: '2026-06-01T12:00:00Z' } }),
  },
  'POST /api/v1/conversations/{id}/resolve': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'POST /api/v1/conversations/{id}/reopen': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'POST /api/v1/conversations/{id}/pending': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'POST /api/v1/messages/{id}/triage': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).messageId }, body: { intent: 'refill_request' } }) },
  'GET /api/v1/users': { allow: MANAGERS_A, make: () => ({}) },
  'POST /api/v1/users': { allow: ADMINS_A, make: (f) => ({ body: { email: `u-${rand()}@example.com`, role: 'assistant', practices: [f.a.id] } }) },
  'POST /api/v1/users/{id}/deactivate': { allow: ADMINS_A, make: async (f) => ({ params: { id: (await f.newUser('manager')).id } }) },
  'GET /api/v1/tokens': { allow: ADMINS_A, make: () => ({}) },
  'POST /api/v1/tokens': { allow: ADMINS_A, make: (f) => ({ body: { name: `t-${rand()}`, role: 'manager', practice: f.a.id } }) },
  'DELETE /api/v1/tokens/{id}': { allow: ADMINS_A, make: async (f) => ({ params: { id: await f.newToken() } }) },
  // a portal token writes to and reads from its own practice: B's posts its own patient's message to B
  'POST /api/v1/portal/messages': {
    allow: ['portalA', 'portalB'],
    patientData: true,
    make: () => ({ body: { messageId: `pm-${rand()}`, patient: { portalId: `pt-${rand()}`, firstName: 'Pat', lastName: 'Portal', dateOfBirth: '1980-02-03' }, body: 'When is my appointment?' } }),
  },
  'GET /api/v1/portal/messages': { allow: ['portalA', 'portalB'], patientData: true, make: () => ({}) },
  'POST /api/v1/patients/{id}/merge': {
    allow: MANAGERS_A,
    patientData: true,
    make: async (f) => {
      const [from, into] = [await f.newConversation(), await f.newConversation()];
      return { params: { id: from.patientId }, body: { intoId: into.patientId } };
    },
  },
  'POST /api/v1/patients/{id}/unmerge': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: await f.newMergedPatient() } }) },
  'POST /api/v1/appointments': {
    allow: MANAGERS_A,
    patientData: true,
    make: (f) => ({ body: { practiceId: f.a.id, externalId: `ext-${rand()}`, startsAt: '2026-03-02T15:00:00Z', durationMinutes: 20, patient: { firstName: 'Ann', lastName: 'Apt' } } }),
  },
  'GET /api/v1/appointments': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'GET /api/v1/appointments/{id}': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: await f.newAppointment() } }) },
  'PATCH /api/v1/appointments/{id}': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: await f.newAppointment() }, body: { durationMinutes: 30 } }) },
  'POST /api/v1/appointments/{id}/cancel': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: await f.newAppointment() } }) },
  'POST /api/v1/queues': { allow: MANAGERS_A, make: (f) => ({ body: { practiceId: f.a.id, name: `Queue ${rand()}` } }) },
  'POST /api/v1/queues/{id}/archive': { allow: MANAGERS_A, make: async (f) => ({ params: { id: await f.newQueue() }, body: {} }) },
  'POST /api/v1/queues/{id}/unarchive': { allow: MANAGERS_A, make: async (f) => ({ params: { id: await f.newQueue(true) } }) },
  'GET /api/v1/patients': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'GET /api/v1/patients/{id}': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).patientId } }) },
  'PATCH /api/v1/patients/{id}': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).patientId }, body: { language: 'es' } }) },
  'POST /api/v1/patients/{id}/contact-points': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).patientId }, body: { kind: 'email', value: `p-${rand()}@example.com` } }),
  },
  'DELETE /api/v1/patients/{id}/contact-points/{contactPointId}': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => {
      const c = await f.newConversation();
      return { params: { id: c.patientId, contactPointId: await f.newContactPoint(c.patientId) } };
    },
  },
  'POST /api/v1/patients/{id}/contact-points/{contactPointId}/consent': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => {
      const c = await f.newConversation();
      return { params: { id: c.patientId, contactPointId: await f.newContactPoint(c.patientId) }, body: { purpose: 'email', state: 'revoked' } };
    },
  },
  'GET /api/v1/patients/{id}/export': { allow: MANAGERS_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).patientId } }) },
  'POST /api/v1/patients/{id}/erase': { allow: ADMINS_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).patientId }, body: { reason: 'asked in writing on 3/2 to be erased' } }) },
  // the holding area for what reached no practice: only an admin who sees every practice
  'GET /api/v1/unrouted': { allow: ['admin'], make: () => ({}) },
  'GET /api/v1/unrouted/{id}': { allow: ['admin'], patientData: true, make: async (f) => ({ params: { id: await f.newUnrouted() } }) },
  'POST /api/v1/unrouted/{id}/route': { allow: ['admin'], patientData: true, make: async (f) => ({ params: { id: await f.newUnrouted() }, body: { practiceId: f.a.id } }) },
  'POST /api/v1/unrouted/{id}/dismiss': { allow: ['admin'], make: async (f) => ({ params: { id: await f.newUnrouted() }, body: { note: 'a test message' } }) },
  'GET /api/v1/patients/{id}/consent': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).patientId } }) },
  'POST /api/v1/patients/{id}/consent': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).patientId }, body: { channel: 'sms', state: 'revoked', source: 'phone' } }),
  },
  'POST /api/v1/appointments/import': {
    allow: MANAGERS_A,
    patientData: true,
    make: (f) => ({
      query: { practiceId: f.a.id },
      raw: () => ({ body: `external_id,starts_at,duration_minutes,first_name,last_name\nimp-${rand()},2026-04-02 09:00,20,Imp,Ort\n`, type: 'text/csv' }),
    }),
  },
  'GET /api/v1/appointments/imports/{id}': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.importRunId } }) },
  // no EHR is connected here: an allowed caller learns that (409), which is not access
  'GET /api/v1/practices/{id}/ehr': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.a.id } }) },
  'POST /api/v1/practices/{id}/ehr/sync': { allow: MANAGERS_A, alsoOk: [[404, /no EHR connection/]], make: (f) => ({ params: { id: f.a.id } }) },
  'POST /api/v1/appointments/{id}/ehr/retry': { allow: MANAGERS_A, alsoOk: [[409, /nothing to write back|write-back to the EHR is off/]], make: async (f) => ({ params: { id: await f.newAppointment() } }) },
  'GET /api/v1/attachments/{id}': { allow: STAFF_A, patientData: true, make: (f) => ({ params: { id: f.attachmentId } }) },
  'POST /api/v1/attachments': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => {
      const { conversationId } = await f.newConversation();
      return {
        raw: () => {
          const form = new FormData();
          form.set('conversationId', conversationId);
          form.set('file', new File([PDF], 'visit.pdf', { type: 'application/pdf' }));
          return { body: form };
        },
      };
    },
  },
  'GET /api/v1/practices/{id}/media-settings': { allow: STAFF_A, make: (f) => ({ params: { id: f.a.id } }) },
  'PUT /api/v1/practices/{id}/media-settings': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.a.id }, body: { recordingsRetentionDays: 365 } }) },
  'POST /api/v1/conversations/{id}/call': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).conversationId }, body: { staffPhone: '+14155550100' } }),
  },
  // a profile is a person's: a signed-in user's (a token made for no one has none: 403)
  'GET /api/v1/profile': { allow: ['assistantA1'], make: () => ({}) },
  'PATCH /api/v1/profile': { allow: ['assistantA1'], make: () => ({ body: { name: 'On Call' } }) },
  'GET /api/v1/audit': { allow: MANAGERS_A, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'GET /api/v1/qa/samples': { allow: MANAGERS_A, patientData: true, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'POST /api/v1/qa/reviews': { allow: MANAGERS_A, make: async (f) => ({ body: { messageId: await f.newStaffReply(), verdict: 'good' } }) },
  'GET /api/v1/metrics/qa': { allow: MANAGERS_A, make: (f) => ({ query: { practiceId: f.a.id } }) },
  'GET /api/v1/events': { allow: ANY_STAFF, make: () => ({}) },
  'GET /api/v1/inbox': { allow: ANY_STAFF, patientData: true, make: () => ({}) },
  'GET /api/v1/conversations/{id}/context': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'PUT /api/v1/conversations/{id}/checklist/{key}': {
    allow: STAFF_A,
    patientData: true,
    make: async (f) => ({ params: { id: (await f.newConversation()).conversationId, key: 'pharmacy' }, body: { checked: true } }),
  },
  'GET /api/v1/conversations/{id}/canned-answers': { allow: STAFF_A, patientData: true, make: async (f) => ({ params: { id: (await f.newConversation()).conversationId } }) },
  'GET /api/v1/metrics/inbox': { allow: ANY_STAFF, make: (f, role): Req => ({ query: role === 'assistantB' ? {} : { practiceId: f.a.id } }) },
  'GET /api/v1/metrics/charts/{chart}': { allow: ANY_STAFF, make: () => ({ params: { chart: 'backlog.svg' } }) },
  'PATCH /api/v1/users/{id}': { allow: ADMINS_A, make: async (f) => ({ params: { id: (await f.newUser('assistant')).id }, body: { name: 'Renamed' } }) },
  'POST /api/v1/users/{id}/password': { allow: ADMINS_A, make: async (f) => ({ params: { id: (await f.newUser('assistant')).id }, body: {} }) },
  'POST /api/v1/users/{id}/reactivate': { allow: ADMINS_A, make: async (f) => ({ params: { id: await f.newDeactivatedUser() } }) },
  'GET /api/v1/practices/{id}/office': { allow: STAFF_A, make: (f) => ({ params: { id: f.a.id } }) },
  'PATCH /api/v1/practices/{id}/office': { allow: MANAGERS_A, make: (f) => ({ params: { id: f.a.id }, body: { afterHoursMessage: `closed ${rand()}` } }) },
};

const PDF = new TextEncoder().encode('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

const rand = () => randomBytes(4).toString('hex');

interface Fixtures {
  a: PracticeView;
  b: PracticeView;
  refillsQueueId: string;
  refillsPatientId: string;
  cadence: unknown;
  rules: unknown;
  newConversation(queue?: string): Promise<{ conversationId: string; patientId: string; messageId: string }>;
  newAppointment(): Promise<string>;
  newRefill(): Promise<string>;
  newUser(role: 'assistant' | 'manager'): Promise<{ id: string }>;
  newToken(): Promise<string>;
  newMergedPatient(): Promise<string>;
  newQueue(archived?: boolean): Promise<string>;
  newContactPoint(patientId: string): Promise<string>;
  newUnrouted(): Promise<string>;
  newStaffReply(): Promise<string>;
  newDeactivatedUser(): Promise<string>;
  importRunId: string;
  attachmentId: string;
}

let h: Harness;
let f: Fixtures;
const credentials = {} as Record<Role, Record<string, string>>;
/** ids no caller of B may ever see in an answer, and ids outside the limited assistant's queue */
const idsOfA = new Set<string>();
const outsideRefills = new Set<string>();

beforeAll(async () => {
  h = await startHarness();
  const db = h.runtime.deps.db;
  const a = await makePractice(db, `mx-a-${rand()}`);
  const b = await makePractice(db, `mx-b-${rand()}`);
  const [refills] = await db.select().from(queues).where(and(eq(queues.practiceId, a.id), eq(queues.key, 'refills')));
  const system = { kind: 'user', userId: null, tokenId: null, role: 'admin', practiceIds: 'all', queueIds: null } as Principal;

  const newConversation = async (queue = 'refills') => {
    const c = await makeConversation(db, a.id, { queue, body: 'I need a refill of lisinopril', phone: `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` });
    idsOfA.add(c.conversation.id).add(c.patient.id).add(c.message.id);
    if (queue !== 'refills') outsideRefills.add(c.conversation.id).add(c.patient.id).add(c.message.id);
    return { conversationId: c.conversation.id, patientId: c.patient.id, messageId: c.message.id };
  };
  const seedA = await newConversation();
  await newConversation('billing');
  await newConversation('billing');
  // B's own data, so B's lists are not empty by accident
  await makeConversation(db, b.id, { queue: 'refills' });

  const newAppointment = async () => {
    const patient = await newConversation();
    const r = await putAppointment(
      db,
      system,
      { practiceId: a.id, externalId: `mx-${rand()}`, startsAt: '2026-03-02T15:00:00Z', durationMinutes: 20, patient: { firstName: 'Ap', lastName: 'Pointment' } },
      h.clock.now(),
      null,
    );
    await db.execute(sql`update appointments set patient_id = ${patient.patientId} where id = ${r.appointment.id}`);
    idsOfA.add(r.appointment.id);
    return r.appointment.id;
  };
  await newAppointment();
  // an appointment of a patient outside the refills queue
  const outside = await putAppointment(
    db,
    system,
    { practiceId: a.id, externalId: `mx-out-${rand()}`, startsAt: '2026-03-03T15:00:00Z', durationMinutes: 20, patient: { firstName: 'Out', lastName: 'Side' } },
    h.clock.now(),
    null,
  );
  idsOfA.add(outside.appointment.id).add(outside.appointment.patient.id);
  outsideRefills.add(outside.appointment.id).add(outside.appointment.patient.id);

  const newRefill = async () => {
    const c = await newConversation();
    const r = await recordRefillRequest(db, { messageId: c.messageId, now: h.clock.now() });
    idsOfA.add(r!.id);
    return r!.id;
  };
  await newRefill();
  const newUser = async (role: 'assistant' | 'manager') => {
    const r = await addUser(db, 'system', { email: `mx-${rand()}@example.com`, role, practices: [a.id] });
    idsOfA.add(r.user.id);
    return r.user;
  };
  const newToken = async () => {
    const { view } = await createToken(db, 'system', { name: `mx-${rand()}`, role: 'manager', practice: a.id });
    idsOfA.add(view.id);
    return view.id;
  };
  const newMergedPatient = async () => {
    const [from, into] = [await newConversation(), await newConversation()];
    await mergePatient(db, system, from.patientId, { intoId: into.patientId }, null);
    return from.patientId;
  };
  const tokenOf = async (role: 'admin' | 'manager' | 'assistant' | 'portal', practice?: string) => (await createToken(db, 'system', { name: role, role, practice })).token;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const revoked = await createToken(db, 'system', { name: 'revoked', role: 'admin' });
  await db.execute(sql`update api_tokens set revoked_at = now() where id = ${revoked.view.id}`);
  const limited = await addUser(db, 'system', { email: `mx-limited-${rand()}@example.com`, role: 'assistant', practices: [a.id], queues: ['refills'], password: 'limited assistant password' });
  const login = await h.app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: limited.user.email, password: 'limited assistant password' }),
  });
  const loginBody = (await login.json()) as { csrfToken: string };
  Object.assign(credentials, {
    none: {},
    revoked: bearer(revoked.token),
    portalA: bearer(await tokenOf('portal', a.id)),
    portalB: bearer(await tokenOf('portal', b.id)),
    assistantA: bearer(await tokenOf('assistant', a.id)),
    assistantA1: { cookie: login.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': loginBody.csrfToken },
    assistantB: bearer(await tokenOf('assistant', b.id)),
    managerA: bearer(await tokenOf('manager', a.id)),
    adminA: bearer(await tokenOf('admin', a.id)),
    admin: bearer(h.adminToken),
  } satisfies Record<Role, Record<string, string>>);
  // a portal message of A, and a staff reply to it, so A's portal has something to fetch
  const portalA = await h.app.request('/api/v1/portal/messages', {
    method: 'POST',
    headers: { ...credentials.portalA, 'content-type': 'application/json' },
    body: JSON.stringify({ messageId: 'pm-seed', patient: { portalId: 'pt-seed', firstName: 'Por', lastName: 'Tal', dateOfBirth: '1980-01-01' }, body: 'hello' }),
  });
  const seeded = (await portalA.json()) as { id: string; conversationId: string };
  idsOfA.add(seeded.id).add(seeded.conversationId);
  outsideRefills.add(seeded.conversationId);
  await h.request('POST', `/api/v1/conversations/${seeded.conversationId}/messages`, { body: { body: 'We will call you.' } });

  // a playbook on the refills queue, so its conversations have a checklist to tick
  await updateQueue(db, system, refills!.id, { playbook: { items: [{ key: 'pharmacy', label: 'Pharmacy confirmed', entity: 'pharmacy' }] } }, null);
  const newQueue = async (archived = false) => {
    const q = await createQueue(db, system, { practiceId: a.id, name: `Matrix ${rand()}` }, null);
    if (archived) await archiveQueue(db, system, q.id, {}, h.clock.now(), null);
    idsOfA.add(q.id);
    return q.id;
  };
  const newContactPoint = async (patientId: string) => {
    const [cp] = await db.insert(contactPoints).values({ practiceId: a.id, patientId, kind: 'email', value: `cp-${rand()}@example.com` }).returning();
    idsOfA.add(cp!.id);
    return cp!.id;
  };
  const newUnrouted = async () => {
    const [u] = await db
      .insert(unroutedMessages)
      .values({ channel: 'sms', providerId: `SM${rand()}${rand()}`, fromAddress: '+14155550199', toAddress: '+14155550000', body: 'is this the clinic?', receivedAt: h.clock.now() })
      .returning();
    return u!.id;
  };
  const replier = await newUser('assistant');
  const newStaffReply = async () => {
    const c = await newConversation();
    const [m] = await db
      .insert(messages)
      .values({ practiceId: a.id, conversationId: c.conversationId, direction: 'outbound', channel: 'sms', body: 'Your refill is on its way', status: 'sent', authorType: 'user', authorUserId: replier.id, purpose: 'reply', createdAt: new Date(h.clock.now().getTime() - 60_000) })
      .returning();
    idsOfA.add(m!.id);
    return m!.id;
  };
  const newDeactivatedUser = async () => {
    const u = await newUser('assistant');
    await deactivateUser(db, system, u.id, null);
    return u.id;
  };
  const imported = await h.app.request(`/api/v1/appointments/import?practiceId=${a.id}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'text/csv' },
    body: 'external_id,starts_at,duration_minutes,first_name,last_name\nmx-imp-1,2026-04-01 09:00,20,Imp,Ort\n',
  });
  if (imported.status >= 300) throw new Error(`import fixture: ${imported.status} ${await imported.text()}`);
  const importRunId = ((await imported.json()) as { id: string }).id;
  idsOfA.add(importRunId);
  const upload = new FormData();
  upload.set('conversationId', seedA.conversationId);
  upload.set('file', new File([PDF], 'visit.pdf', { type: 'application/pdf' }));
  const uploaded = await h.app.request('/api/v1/attachments', { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` }, body: upload });
  if (uploaded.status !== 201) throw new Error(`attachment fixture: ${uploaded.status} ${await uploaded.text()}`);
  const attachmentId = ((await uploaded.json()) as { id: string }).id;
  idsOfA.add(attachmentId);
  // as if it came with the patient's message (an upload not yet sent is its uploader's alone)
  await db.update(messageAttachments).set({ messageId: seedA.messageId }).where(eq(messageAttachments.id, attachmentId));
  // a reply for the QA sample to find
  await newStaffReply();

  const cadence = await (await h.request('GET', `/api/v1/practices/${a.id}/reminder-cadence`)).json();
  const rules = ((await (await h.request('GET', `/api/v1/rules?practiceId=${a.id}`)).json()) as { rules: unknown }).rules;
  idsOfA.add(a.id).add(refills!.id);
  f = {
    a,
    b,
    refillsQueueId: refills!.id,
    refillsPatientId: seedA.patientId,
    cadence,
    rules,
    newConversation,
    newAppointment,
    newRefill,
    newUser,
    newToken,
    newMergedPatient,
    newQueue,
    newContactPoint,
    newUnrouted,
    newStaffReply,
    newDeactivatedUser,
    importRunId,
    attachmentId,
  };
});
afterAll(() => h.close());

async function operations(): Promise<{ key: string; method: string; path: string }[]> {
  const doc = (await (await h.app.request('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => ({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path })),
  );
}

function url(path: string, req: Req) {
  let p = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(req.params?.[name] ?? `missing-${name}`));
  if (req.query) p += `?${new URLSearchParams(req.query)}`;
  return p;
}

async function call(role: Role, method: string, path: string, req: Req) {
  const headers: Record<string, string> = { ...credentials[role] };
  let body: FormData | string | undefined;
  if (req.raw) {
    const raw = req.raw();
    body = raw.body;
    if (raw.type) headers['content-type'] = raw.type;
  } else if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.body);
  }
  const res = await h.app.request(url(path, req), { method, headers, body });
  // a live event stream never ends: its status and headers are the answer
  const stream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  if (stream) await res.body?.cancel();
  const text = stream ? '' : await res.text();
  return { status: res.status, text, requestId: res.headers.get('x-request-id') };
}

async function auditRows(requestId: string) {
  return h.runtime.deps.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.requestId, requestId));
}

describe('the access matrix (OpenAPI routes x callers)', () => {
  it('has a design row for every route in the OpenAPI document, and none for a route that is gone', async () => {
    const keys = (await operations()).map((o) => o.key);
    const unclassified = keys.filter((k) => !design[k]);
    expect(unclassified, 'add these routes to `design` in tests/security/access-matrix.test.ts: who may call them').toEqual([]);
    expect(Object.keys(design).filter((k) => !keys.includes(k)), 'these design rows name no route').toEqual([]);
  });

  it('allows and denies every route to every caller as designed, audits patient data, and leaks nothing across practices or queues', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const op of await operations()) {
      const row = design[op.key];
      if (!row) continue;
      for (const role of roles) {
        const req = await row.make(f, role);
        const r = await call(role, op.method, op.path, req);
        checked++;
        const where = `${op.key} as ${role} (${callers[role]}): ${r.status} ${r.text.slice(0, 160)}`;
        if (!r.requestId) failures.push(`${where}: no X-Request-Id`);
        if (r.status >= 400) {
          try {
            const body = JSON.parse(r.text) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
            if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || body.error.requestId !== r.requestId) failures.push(`${where}: error body shape`);
          } catch {
            failures.push(`${where}: error body is not JSON`);
          }
        }
        const allowed = row.allow.includes(role);
        if (allowed) {
          if ((r.status < 200 || r.status > 299) && !row.alsoOk?.some(([status, message]) => status === r.status && message.test(r.text))) failures.push(`${where}: expected 2xx (allowed)`);
          else if (row.patientData && !['assistantB', 'portalB'].includes(role) && (await auditRows(r.requestId!)).length === 0) {
            failures.push(`${where}: patient data without an audit row carrying the request id`);
          }
        } else {
          const expected = role === 'none' || role === 'revoked' ? [401] : [403, 404];
          if (!expected.includes(r.status)) failures.push(`${where}: expected ${expected.join(' or ')} (denied)`);
          if (r.requestId && (await auditRows(r.requestId)).length > 0) failures.push(`${where}: a denied call wrote an audit row`);
        }
        if (['assistantB', 'portalB'].includes(role)) {
          const leaked = [...idsOfA].filter((id) => r.text.includes(id));
          if (leaked.length > 0) failures.push(`${where}: names practice A's ids ${leaked.slice(0, 3).join(', ')}`);
        }
        if (role === 'assistantA1') {
          const leaked = [...outsideRefills].filter((id) => r.text.includes(id));
          if (leaked.length > 0) failures.push(`${where}: names ids outside its queue ${leaked.slice(0, 3).join(', ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(roles.length * Object.keys(design).length);
  }, 180_000);

  it('denies the limited assistant the conversations, messages and appointments of other queues', async () => {
    const billing = await f.newConversation('billing');
    const failures: string[] = [];
    const probes: [string, string, Req][] = [
      ['GET', '/api/v1/conversations/{id}', { params: { id: billing.conversationId } }],
      ['POST', '/api/v1/conversations/{id}/messages', { params: { id: billing.conversationId }, body: { kind: 'note', body: 'x' } }],
      ['POST', '/api/v1/conversations/{id}/assign', { params: { id: billing.conversationId }, body: { queue: 'refills' } }],
      ['POST', '/api/v1/conversations/{id}/resolve', { params: { id: billing.conversationId } }],
      ['POST', '/api/v1/messages/{id}/triage', { params: { id: billing.messageId }, body: { intent: 'billing' } }],
      ['POST', '/api/v1/waitlist', { body: { practiceId: f.a.id, patientId: billing.patientId } }],
    ];
    for (const [method, path, req] of probes) {
      const r = await call('assistantA1', method, path, req);
      if (![400, 403, 404].includes(r.status)) failures.push(`${method} ${path}: ${r.status}`);
      if (r.requestId && (await auditRows(r.requestId)).length > 0) failures.push(`${method} ${path}: audited a refused call`);
    }
    expect(failures).toEqual([]);
  });

  it('the caller kinds are the ones the issue names', () => {
    expect(Object.keys(callers)).toEqual([...roles]);
  });
});
