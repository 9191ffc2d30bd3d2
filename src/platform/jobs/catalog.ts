import { z } from 'zod';
import type { Db } from '../db/client';
import { addToOutbox } from './outbox';
import type { JobData } from './queue';

/**
 * Every queue and the payload its jobs carry. Payloads are ids, fixed words and times, never
 * patient data (names, numbers, addresses, message text); the job reads the rest from
 * Postgres. The relay adds `outboxId`; a request id, where there is one, follows the work
 * into the job's logs and audit rows.
 */
const id = z.string().min(1).max(100);
const isoTime = z.iso.datetime({ offset: true });
const requestId = z.string().max(200).nullable().optional();

export const jobPayloads = {
  triage: z.object({ messageId: id, requestId, corrected: z.boolean().optional() }),
  send: z.object({ messageId: id, requestId }),
  voicemail: z.object({
    recordingId: id,
    step: z.enum(['finalize', 'transcribe', 'poll']),
    transcriptId: z.string().max(200).optional(),
    polls: z.number().int().min(0).optional(),
    requestId,
  }),
  sla: z.object({ conversationId: id, kind: z.enum(['warning', 'breach', 'resolution']), dueAt: isoTime }),
  notify: z.object({
    practiceId: id,
    conversationId: id,
    purpose: z.enum(['oncall_emergency', 'sla_warning', 'sla_breach', 'staff_notice']),
    target: z.enum(['on_call', 'assignee', 'managers', 'address']),
    dueAt: isoTime.nullable(),
    /** a staff member's number or address a rule names, never a patient's */
    channel: z.enum(['sms', 'email']).nullable(),
    to: z.string().max(320).nullable(),
    requestId,
  }),
  timers: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('wake'), conversationId: id, until: isoTime }),
    z.object({ kind: z.literal('sweep') }),
  ]),
  reminder: z.object({ reminderId: id }),
  /** fetch a provider's media (Twilio MMS, a recording, a portal link) into the blob store */
  media: z.object({ attachmentId: id, requestId }),
  /** purge media past the practices' retention, daily; `continue` when a run left more */
  retention: z.object({ kind: z.enum(['daily', 'continue']), dueAt: isoTime }),
  waitlist: z.object({ offerId: id }),
  /** a practice's scheduled EHR sync; a row whose dueAt is not the connection's nextSyncAt is stale */
  'ehr-sync': z.object({ practiceId: id, dueAt: isoTime }),
  /** one change going back to the EHR (its appointment's earlier ones go first) */
  'ehr-writeback': z.object({ writeBackId: id }),
} as const;

export type QueueName = keyof typeof jobPayloads;
export type JobPayload<Q extends QueueName> = z.infer<(typeof jobPayloads)[Q]>;

export const isQueueName = (queue: string): queue is QueueName => Object.hasOwn(jobPayloads, queue);

/** A job as a row in the caller's transaction (the transactional outbox), its payload checked against its queue. */
export async function addJob<Q extends QueueName>(
  db: Db,
  queue: Q,
  payload: JobPayload<Q>,
  opts: { runAt: Date; dedupeKey?: string },
): Promise<void> {
  const data = jobPayloads[queue].parse(payload) as JobData;
  await addToOutbox(db, { queue, payload: data, runAt: opts.runAt, dedupeKey: opts.dedupeKey });
}

/** Jobs of one queue as rows in one statement, in the caller's transaction (`addJob` for each, in one round trip). */
export async function addJobs<Q extends QueueName>(db: Db, queue: Q, jobs: { payload: JobPayload<Q>; runAt: Date; dedupeKey?: string }[]): Promise<void> {
  await addToOutbox(
    db,
    jobs.map((j) => ({ queue, payload: jobPayloads[queue].parse(j.payload) as JobData, runAt: j.runAt, dedupeKey: j.dedupeKey })),
  );
}

/** The payload of a job taken from the queue; a payload that does not fit its queue is a bug, not a retry. */
export function parseJobPayload<Q extends QueueName>(queue: Q, data: JobData): JobPayload<Q> {
  return jobPayloads[queue].parse(data) as JobPayload<Q>;
}
