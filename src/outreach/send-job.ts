import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { contactPoints, conversations, messageAttachments, messages, patients, practiceAddresses, practices, type DeliveryStatus } from '../platform/db/schema';
import { localDay, nextOutreachTime } from '../platform/time';
import { recordConsent } from './consent';
import { reflectOnReminder } from './reminder-delivery';
import { DeferJob, rowsOf } from '../platform/jobs/outbox';
import { defineJob, type JobDeps } from '../platform/jobs/registry';
import { DeliveryError, type Deliverer, type DeliveryContext } from './deliver/types';
import type { Channel } from '../../triage/types';

export type Deliverers = Record<Channel, Deliverer>;

/**
 * Paces sends per sending number (a US long code takes about one text a second). BullMQ's
 * limiter is per queue, so the count lives in Redis keyed by number, or in memory when
 * jobs run in-process.
 */
export function createSendPacer(opts: { perSecond: number; redis?: Redis; prefix?: string }): RateLimiterAbstract {
  const points = Math.max(1, Math.round(opts.perSecond));
  const duration = Math.max(1, Math.round(points / opts.perSecond));
  return opts.redis
    ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${opts.prefix ?? 'sb'}:sendrate`, points, duration })
    : new RateLimiterMemory({ keyPrefix: 'sendrate', points, duration });
}

async function waitForTurn(pacer: RateLimiterAbstract, key: string): Promise<void> {
  for (;;) {
    try {
      await pacer.consume(key);
      return;
    } catch (res) {
      const wait = (res as { msBeforeNext?: number }).msBeforeNext;
      if (typeof wait !== 'number') throw res;
      await new Promise((r) => setTimeout(r, Math.max(wait, 5)));
    }
  }
}

const finalStatuses = new Set<DeliveryStatus>(['sent', 'delivered', 'undelivered', 'failed', 'refused', 'simulated', 'queued']);

/** One send job for every channel: never twice for the same message, consent and quiet hours first. */
export function sendJob(deliverers: Deliverers, pacer: RateLimiterAbstract) {
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

function sendMessageJob(deliverers: Deliverers, pacer: RateLimiterAbstract) {
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

      const refusal = refusalReason(ctx);
      if (refusal) {
        await setStatus(deps, messageId, { status: 'refused', errorCode: refusal.code, errorMessage: refusal.message });
        return;
      }
      const purpose = message.purpose;
      const zone = ctx.patient.timeZone ?? ctx.practice.timeZone;
      const now = deps.clock.now();
      if (purpose === 'outreach') {
        const next = nextOutreachTime(now, zone);
        if (next.getTime() > now.getTime()) throw new DeferJob(next, 'quiet hours: outreach waits for 8:00 in the patient\'s time zone');
      }
      // a message is claimed before it goes: a second run of the same job at the same moment
      // (a stalled BullMQ job handed out again) backs off instead of sending it twice; this
      // matters most for email and portal webhooks, which have no idempotency key at all
      if (!(await claimSend(deps, messageId, now))) throw new Error('this message is being sent by another run; retrying later');
      if (message.channel === 'sms') {
        if (purpose === 'outreach') {
          const capped = await claimOutreachSlot(deps, ctx, now, zone);
          if (capped) {
            await setStatus(deps, messageId, { status: 'refused', errorCode: capped.code, errorMessage: capped.message });
            return;
          }
        }
      }

      const deliverer = deliverers[message.channel];
      const key = deliverer.rateKey(ctx);
      if (key) await waitForTurn(pacer, `${message.channel}:${key}`);
      let delivered = false;
      try {
        const result = await deliverer.deliver(ctx);
        delivered = true;
        await setStatus(deps, messageId, {
          status: result.status,
          providerId: result.providerId,
          fromAddress: result.from ?? null,
          sentAt: deps.clock.now(),
          errorCode: null,
          errorMessage: null,
        });
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

function refusalReason(ctx: DeliveryContext): { code: string; message: string } | null {
  const { message, contactPoint } = ctx;
  if (message.kind !== 'message' || message.direction !== 'outbound') return { code: 'not_sendable', message: 'only outbound messages are sent' };
  if (message.channel === 'sms' && contactPoint.smsConsent === 'revoked') {
    return { code: 'consent_revoked', message: 'the patient opted out of texts (STOP); they can text START to opt back in' };
  }
  if (message.channel === 'email') {
    if (contactPoint.emailConsent === 'revoked') return { code: 'consent_revoked', message: 'the patient unsubscribed from email' };
    if (contactPoint.undeliverable) return { code: 'undeliverable', message: 'this email address bounced or reported spam; use another channel' };
  }
  return null;
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

/** The healthcare cap on automated texts: at most this many per patient per local day and per 7 days. */
export const OUTREACH_CAP = { perDay: 1, perWeek: 3 } as const;

/**
 * Checks the automated-text cap and, when there is room, marks the message `sending` so a
 * concurrent outreach to the same patient counts it (an advisory lock per patient orders
 * them). Returns the reason when the cap is reached. Replies are never counted or held.
 */
async function claimOutreachSlot(
  deps: JobDeps,
  ctx: DeliveryContext,
  now: Date,
  timeZone: string,
): Promise<{ code: string; message: string } | null> {
  const messageId = ctx.message.id;
  const patientId = ctx.patient.id;
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`outreach:${patientId}`}))`);
    const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
    // epoch ms: postgres.js returns timestamptz from a raw query as text like `2026-02-02 15:00:00+00`
    const rows = rowsOf<{ ms: number | string }>(
      await tx.execute(sql`
        select (extract(epoch from m.sent_at) * 1000)::float8 as ms from messages m join conversations c on c.id = m.conversation_id
        where c.patient_id = ${patientId} and m.direction = 'outbound' and m.channel = 'sms'
          and m.purpose = 'outreach' and m.id <> ${messageId}
          and (m.provider_id is not null or (m.status = 'sending' and m.meta ? 'outreachSlot'))
          and m.sent_at > ${weekAgo.toISOString()}::timestamptz`),
    );
    const today = localDay(now, timeZone);
    const sentToday = rows.filter((r) => localDay(new Date(Number(r.ms)), timeZone) === today).length;
    if (sentToday >= OUTREACH_CAP.perDay) {
      return { code: 'daily_cap', message: `the patient already got ${OUTREACH_CAP.perDay} automated text today (healthcare cap)` };
    }
    if (rows.length >= OUTREACH_CAP.perWeek) {
      return { code: 'weekly_cap', message: `the patient already got ${OUTREACH_CAP.perWeek} automated texts in the last 7 days (healthcare cap)` };
    }
    // marks the slot as taken: a text that is only claimed (waiting for this lock) is not counted
    await tx.update(messages).set({ status: 'sending', sentAt: now, meta: sql`${messages.meta} || '{"outreachSlot": true}'::jsonb` }).where(eq(messages.id, messageId));
    return null;
  });
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
