import { and, eq, isNull, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import type { Redis } from 'ioredis';
import { contactPoints, conversations, messageAttachments, messages, patients, practiceAddresses, practices, type DeliveryStatus } from '../platform/db/schema';
import { claimOutreachSlot, mayContact } from './outreach-policy';
import { recordConsent } from './consent';
import { reflectOnReminder } from './reminder-delivery';
import { DeferJob } from '../platform/jobs/outbox';
import { whileDatabaseAway } from '../platform/db/unavailable';
import { defineJob, type JobDeps } from '../platform/jobs/registry';
import { DeliveryError, type Deliverer, type DeliveryContext } from './deliver/types';
import type { Channel } from '../../triage/types';

export type Deliverers = Record<Channel, Deliverer>;

/**
 * Paces sends per sending number (a US long code takes about one text a second): at most
 * `points` sends per window of time for one key. BullMQ's limiter is per queue, so the count
 * lives in Redis keyed by number and window, or in memory when jobs run in-process. Windows
 * are counted on the injected clock, so tests move a fake one instead of waiting.
 */
export interface SendPacer {
  /** takes a turn for `key` at `now`: null when the send may go now, else when the next turn comes */
  take(key: string, now: Date): Promise<Date | null>;
}

export function createSendPacer(opts: { perSecond: number; redis?: Redis; prefix?: string }): SendPacer {
  const points = Math.max(1, Math.round(opts.perSecond));
  const windowMs = Math.max(1, Math.round(points / opts.perSecond)) * 1000;
  const verdict = (count: number, window: number) => (count <= points ? null : new Date((window + 1) * windowMs));
  const redis = opts.redis;
  if (redis) {
    const prefix = `${opts.prefix ?? 'sb'}:sendpace`;
    return {
      async take(key, now) {
        const window = Math.floor(now.getTime() / windowMs);
        const k = `${prefix}:${key}:${window}`;
        const [[incrErr, count] = [null, 0], [expireErr] = [null]] = (await redis.multi().incr(k).pexpire(k, windowMs * 2).exec()) ?? [];
        if (incrErr || expireErr) throw incrErr ?? expireErr;
        return verdict(Number(count), window);
      },
    };
  }
  const counts = new Map<string, { window: number; count: number }>();
  return {
    async take(key, now) {
      const window = Math.floor(now.getTime() / windowMs);
      const seen = counts.get(key);
      const entry = seen && seen.window === window ? seen : { window, count: 0 };
      entry.count++;
      counts.set(key, entry);
      if (counts.size > 10_000) for (const [k, v] of counts) if (v.window < window) counts.delete(k);
      return verdict(entry.count, window);
    },
  };
}

const finalStatuses = new Set<DeliveryStatus>(['sent', 'delivered', 'undelivered', 'failed', 'refused', 'simulated', 'queued']);

/** One send job for every channel: never twice for the same message, consent and quiet hours first. */
export function sendJob(deliverers: Deliverers, pacer: SendPacer) {
  const send = sendMessageJob(deliverers, pacer);
  return defineJob({
    ...send,
    async exec(deps, job) {
      let deferred = false;
      try {
        await send.exec(deps, job);
      } catch (err) {
        deferred = err instanceof DeferJob;
        throw err;
      } finally {
        // a reminder's row follows its message: sent, or skipped with the refusal's reason (a
        // deferred message was left as it was, waiting: nothing to follow, and under a pace
        // most runs of a send are deferred ones)
        if (!deferred) await reflectOnReminder(deps.db, job.data.messageId, deps.clock.now());
      }
    },
  });
}

function sendMessageJob(deliverers: Deliverers, pacer: SendPacer) {
  return defineJob({
    queue: 'send',
    worker: { concurrency: 8 },
    attempts: 6,
    backoffMs: 5_000,
    async exec(deps, job) {
      const messageId = job.data.messageId;
      const ctx = await loadContext(deps, messageId);
      if (!ctx) return;
      const { message } = ctx;
      // a provider id means it went out already: a redelivered job must not send it again
      if (message.providerId || finalStatuses.has(message.status)) return;

      if (message.kind !== 'message' || message.direction !== 'outbound') {
        await setStatus(deps, messageId, { status: 'refused', errorCode: 'not_sendable', errorMessage: 'only outbound messages are sent' });
        return;
      }
      const zone = ctx.patient.timeZone ?? ctx.practice.timeZone;
      const now = deps.clock.now();
      // the outreach policy, asked once more at send time: consent may have changed since it was queued
      const policy = mayContact({
        channel: message.channel,
        purpose: message.purpose ?? 'reply',
        by: message.authorType === 'user' ? 'person' : 'automation',
        contact: ctx.contactPoint,
        template: message.meta.template ?? null,
        now,
        timeZone: zone,
      });
      if (!policy.ok) {
        await setStatus(deps, messageId, { status: 'refused', errorCode: policy.code, errorMessage: policy.message });
        return;
      }
      if (policy.notBefore) throw new DeferJob(policy.notBefore, "quiet hours: automated messages wait for 8:00 in the patient's time zone");
      // the sending number's pace: a send that must wait goes back to the outbox until its
      // turn instead of holding one of the worker's slots asleep (asked before the claims
      // below, so a deferred message holds neither the send claim nor an outreach slot)
      const deliverer = deliverers[message.channel];
      const key = deliverer.rateKey(ctx);
      if (key) {
        const nextTurn = await pacer.take(`${message.channel}:${key}`, now);
        if (nextTurn) throw new DeferJob(nextTurn, 'the sending number is at its pace; the message waits for its turn');
      }
      // a message is claimed before it goes: a second run of the same job at the same moment
      // (a stalled BullMQ job handed out again) backs off instead of sending it twice; this
      // matters most for email and portal webhooks, which have no idempotency key at all.
      // Automated outreach by text or call is claimed together with its slot under the cap,
      // in the patient's lock (a capped one is refused there, by the run that holds it).
      const anotherRun = 'this message is being sent by another run; retrying later';
      if (message.purpose === 'outreach' && (message.channel === 'sms' || message.channel === 'voice')) {
        const slot = await deps.db.transaction((tx) =>
          claimOutreachSlot(tx, { messageId, patientId: ctx.patient.id, now, timeZone: zone, claimable: claimable(leaseCutoffAt(now)) }),
        );
        if (slot === 'claimed_elsewhere') throw new Error(anotherRun);
        if (slot) return;
      } else if (!(await claimSend(deps, messageId, now))) {
        throw new Error(anotherRun);
      }

      let delivered = false;
      try {
        const result = await deliverer.deliver(ctx);
        delivered = true;
        // the provider has it: recording that must not fail the job while Postgres restarts,
        // or the message sits 'sending' until its lease runs out and then goes a second time
        const sentAt = deps.clock.now();
        await whileDatabaseAway(() =>
          statements(deps.db).sent.execute({ id: messageId, status: result.status, providerId: result.providerId, fromAddress: result.from ?? null, sentAt: sentAt.toISOString() }),
        );
      } catch (err) {
        const retryable = !(err instanceof DeliveryError) || (err.kind === 'retryable' && !job.finalAttempt);
        // the send failed: hand the claim back so the retry can take it (never after the
        // provider took the message; then only the lease running out frees it)
        if (retryable && !delivered) await setStatus(deps, messageId, { status: 'pending' });
        if (!(err instanceof DeliveryError)) throw err;
        if (err.kind === 'opted_out') {
          await deps.db.transaction(async (tx) => {
            await recordConsent(tx, {
              practiceId: ctx.practice.id,
              contactPointId: ctx.contactPoint.id,
              purpose: message.channel === 'email' ? 'email' : 'sms',
              state: 'revoked',
              source: message.channel === 'email' ? 'provider_unsubscribed' : `twilio_error_${err.code ?? '21610'}`,
              messageId,
              at: deps.clock.now(),
            });
            await tx
              .update(messages)
              .set({ status: 'refused', errorCode: err.code, errorMessage: 'the patient has opted out of texts from this practice' })
              .where(eq(messages.id, messageId));
          });
          return;
        }
        if (err.kind === 'permanent' || job.finalAttempt) {
          await setStatus(deps, messageId, { status: 'failed', errorCode: err.code, errorMessage: err.message.slice(0, 500) });
          return;
        }
        throw err;
      }
    },
  });
}

async function setStatus(deps: JobDeps, messageId: string, set: Partial<typeof messages.$inferInsert>) {
  await deps.db.update(messages).set(set).where(eq(messages.id, messageId));
}

// Every text goes through these: prepared once per database (a hot path; a transaction
// cannot use them, it is another session).
const prepared = new WeakMap<Database, ReturnType<typeof prepare>>();
function prepare(db: Database) {
  const id = sql.placeholder('id');
  return {
    // the message, its conversation, practice and patient, the contact it goes to, the
    // practice's addresses, the one the patient last wrote to on this channel, and whether it
    // carries files: one statement
    context: db
      .select({
        message: messages,
        conversation: conversations,
        practice: practices,
        patient: patients,
        contactPoint: contactPoints,
        practiceAddresses: sql`(
          select coalesce(json_agg(json_build_object('kind', a.kind, 'value', a.value, 'sms', a.sms, 'voice', a.voice)), '[]'::json)
            from ${practiceAddresses} a where a.practice_id = ${practices.id})`.mapWith(
          // json comes back parsed from postgres.js and PGlite alike; text is parsed here
          (v: PracticeAddress[] | string): PracticeAddress[] => (typeof v === 'string' ? (JSON.parse(v) as PracticeAddress[]) : v),
        ),
        lastPracticeAddress: sql<string | null>`(
          select i.to_address from ${messages} i
           where i.conversation_id = ${conversations.id} and i.direction = 'inbound' and i.channel = ${messages.channel}
           order by i.created_at desc limit 1)`,
        hasAttachments: sql<boolean>`exists (select 1 from ${messageAttachments} f where f.message_id = ${messages.id} and f.status = 'stored')`,
      })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .innerJoin(practices, eq(practices.id, messages.practiceId))
      .innerJoin(patients, eq(patients.id, conversations.patientId))
      .leftJoin(contactPoints, eq(contactPoints.id, messages.contactPointId))
      .where(eq(messages.id, id))
      .prepare('sb_send_context'),
    claim: db
      .update(messages)
      .set({ status: 'sending', sentAt: sql`${sql.placeholder('now')}::timestamptz` })
      .where(and(eq(messages.id, id), claimable(sql.placeholder('leaseCutoff'))))
      .returning({ id: messages.id })
      .prepare('sb_send_claim'),
    sent: db
      .update(messages)
      .set({
        // placeholders in a set are bound raw (no column mapping): times go as ISO text
        status: sql`${sql.placeholder('status')}`,
        providerId: sql`${sql.placeholder('providerId')}`,
        fromAddress: sql`${sql.placeholder('fromAddress')}`,
        sentAt: sql`${sql.placeholder('sentAt')}::timestamptz`,
        errorCode: null,
        errorMessage: null,
      })
      .where(eq(messages.id, id))
      .prepare('sb_send_sent'),
  };
}
const statements = (db: Database) => {
  let s = prepared.get(db);
  if (!s) prepared.set(db, (s = prepare(db)));
  return s;
};

type PracticeAddress = DeliveryContext['practiceAddresses'][number];

async function loadContext(deps: JobDeps, messageId: string): Promise<DeliveryContext | null> {
  const [row] = await statements(deps.db).context.execute({ id: messageId });
  if (!row) return null;
  const { message, conversation, practice, patient, contactPoint } = row;
  if (!message.contactPointId) {
    await setStatus(deps, messageId, { status: 'refused', errorCode: 'no_contact', errorMessage: `the patient has no ${message.channel} contact` });
    return null;
  }
  const attachments = row.hasAttachments
    ? await deps.db
        .select()
        .from(messageAttachments)
        .where(and(eq(messageAttachments.messageId, messageId), eq(messageAttachments.status, 'stored')))
    : [];
  return {
    message,
    conversation,
    practice,
    patient,
    // a contact deleted since the message was queued: the policy refuses it as no contact
    contactPoint: contactPoint!,
    env: deps.env,
    attachments,
    blobs: deps.blobs,
    now: deps.clock.now(),
    lastPracticeAddress: row.lastPracticeAddress ?? null,
    practiceAddresses: row.practiceAddresses,
  };
}

/** How long a claim on a text holds when its sender died mid-send. */
export const SEND_LEASE_MS = 2 * 60_000;

/**
 * A message this run may claim: not sent yet, and waiting, or claimed by a run whose lease
 * ran out (`leaseCutoff`: claims from before it are stale).
 */
function claimable(leaseCutoff: SQL | Placeholder | string) {
  return and(
    isNull(messages.providerId),
    or(eq(messages.status, 'pending'), and(eq(messages.status, 'sending'), sql`${messages.sentAt} < ${leaseCutoff}::timestamptz`)),
  )!;
}
const leaseCutoffAt = (now: Date) => new Date(now.getTime() - SEND_LEASE_MS).toISOString();

async function claimSend(deps: JobDeps, messageId: string, now: Date): Promise<boolean> {
  const rows = await statements(deps.db).claim.execute({ id: messageId, now: now.toISOString(), leaseCutoff: leaseCutoffAt(now) });
  return rows.length > 0;
}
