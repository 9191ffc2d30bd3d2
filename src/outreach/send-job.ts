import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
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
      try {
        await send.exec(deps, job);
      } finally {
        // a reminder's row follows its message: sent, or skipped with the refusal's reason
        await reflectOnReminder(deps.db, job.data.messageId, deps.clock.now());
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
      const purpose = message.purpose;
      // a message is claimed before it goes: a second run of the same job at the same moment
      // (a stalled BullMQ job handed out again) backs off instead of sending it twice; this
      // matters most for email and portal webhooks, which have no idempotency key at all
      if (!(await claimSend(deps, messageId, now))) throw new Error('this message is being sent by another run; retrying later');
      if (purpose === 'outreach' && (message.channel === 'sms' || message.channel === 'voice')) {
        const capped = await deps.db.transaction((tx) => claimOutreachSlot(tx, { messageId, patientId: ctx.patient.id, now, timeZone: zone }));
        if (capped) {
          await setStatus(deps, messageId, { status: 'refused', errorCode: capped.code, errorMessage: capped.message });
          return;
        }
      }

      let delivered = false;
      try {
        const result = await deliverer.deliver(ctx);
        delivered = true;
        // the provider has it: recording that must not fail the job while Postgres restarts,
        // or the message sits 'sending' until its lease runs out and then goes a second time
        const sentAt = deps.clock.now();
        await whileDatabaseAway(() =>
          setStatus(deps, messageId, {
            status: result.status,
            providerId: result.providerId,
            fromAddress: result.from ?? null,
            sentAt,
            errorCode: null,
            errorMessage: null,
          }),
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

async function loadContext(deps: JobDeps, messageId: string): Promise<DeliveryContext | null> {
  const [row] = await deps.db
    .select({ message: messages, conversation: conversations, practice: practices, patient: patients })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(practices, eq(practices.id, messages.practiceId))
    .innerJoin(patients, eq(patients.id, conversations.patientId))
    .where(eq(messages.id, messageId));
  if (!row) return null;
  if (!row.message.contactPointId) {
    await setStatus(deps, messageId, { status: 'refused', errorCode: 'no_contact', errorMessage: `the patient has no ${row.message.channel} contact` });
    return null;
  }
  const [contactPoint] = await deps.db.select().from(contactPoints).where(eq(contactPoints.id, row.message.contactPointId));
  const addresses = await deps.db
    .select({ kind: practiceAddresses.kind, value: practiceAddresses.value, sms: practiceAddresses.sms, voice: practiceAddresses.voice })
    .from(practiceAddresses)
    .where(eq(practiceAddresses.practiceId, row.practice.id));
  const [lastInbound] = await deps.db
    .select({ to: messages.toAddress })
    .from(messages)
    .where(and(eq(messages.conversationId, row.conversation.id), eq(messages.direction, 'inbound'), eq(messages.channel, row.message.channel)))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  const attachments = await deps.db
    .select()
    .from(messageAttachments)
    .where(and(eq(messageAttachments.messageId, messageId), eq(messageAttachments.status, 'stored')));
  return {
    ...row,
    contactPoint: contactPoint!,
    env: deps.env,
    attachments,
    blobs: deps.blobs,
    now: deps.clock.now(),
    lastPracticeAddress: lastInbound?.to ?? null,
    practiceAddresses: addresses,
  };
}

/** How long a claim on a text holds when its sender died mid-send. */
export const SEND_LEASE_MS = 2 * 60_000;

async function claimSend(deps: JobDeps, messageId: string, now: Date): Promise<boolean> {
  const rows = await deps.db
    .update(messages)
    .set({ status: 'sending', sentAt: now })
    .where(
      and(
        eq(messages.id, messageId),
        isNull(messages.providerId),
        or(eq(messages.status, 'pending'), and(eq(messages.status, 'sending'), lt(messages.sentAt, new Date(now.getTime() - SEND_LEASE_MS)))),
      ),
    )
    .returning({ id: messages.id });
  return rows.length > 0;
}
