import { z } from '@hono/zod-openapi';
import { and, asc, desc, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { appointments, contactPoints, conversations, messages, patients, playbookTicks, queues, recordings, users } from '../platform/db/schema';
import { canSeeQueue, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';
import { channels, type Channel } from '../../triage/types';
import { purposeSpecs, purposes, resolveLanguage, type TemplatePurpose } from '../../templates/index';
import { renderForPractice } from '../outreach/templates';
import { medicationsOf } from './playbooks';

/*
 * What sits beside a conversation in the console: the patient panel (contact points with
 * consent per channel, upcoming appointments, the patient's other conversations), who it is
 * assigned to, the playbook ticks, the voicemail facts, and the channels a reply can use.
 */

const consent = z.enum(['unknown', 'granted', 'revoked']);

export const ConversationContextSchema = z
  .object({
    conversationId: z.uuid(),
    now: z.string(),
    assignee: z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string() }).nullable(),
    patient: z.object({
      id: z.uuid(),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      dateOfBirth: z.string().nullable(),
      language: z.string(),
      tags: z.array(z.string()),
      contactPoints: z.array(
        z.object({
          id: z.uuid(),
          kind: z.enum(['phone', 'email', 'portal']),
          value: z.string(),
          smsConsent: consent,
          emailConsent: consent,
          undeliverable: z.boolean(),
          canReceiveSms: z.boolean().nullable(),
        }),
      ),
    }),
    upcomingAppointments: z.array(
      z.object({ id: z.uuid(), startsAt: z.string(), durationMinutes: z.number(), type: z.string().nullable(), provider: z.string().nullable(), status: z.string() }),
    ),
    otherConversations: z.array(
      z.object({
        id: z.uuid(),
        channel: z.enum(channels),
        status: z.string(),
        subject: z.string().nullable(),
        intent: z.string().nullable(),
        urgency: z.string().nullable(),
        lastMessageAt: z.string(),
        preview: z.string().nullable(),
      }),
    ),
    checklist: z.array(z.object({ key: z.string(), checkedAt: z.string(), checkedBy: z.string().nullable() })),
    voicemails: z.array(
      z.object({ messageId: z.uuid(), durationSeconds: z.number().nullable(), transcriptionStatus: z.string().nullable(), hasTranscript: z.boolean() }),
    ),
    replyChannels: z.array(z.object({ channel: z.enum(channels), available: z.boolean(), reason: z.string().nullable() })),
    defaultReplyChannel: z.enum(channels).nullable(),
  })
  .openapi('ConversationContext');

async function loadVisible(db: Db, who: Principal, id: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const [c] = await db.select().from(conversations).where(eq(conversations.id, id));
  // another practice's conversation is "not found": its existence is not ours to tell
  if (!c || !canSeeQueue(who, c.practiceId, c.queueId, c.assigneeId)) throw notFound('conversation');
  return c;
}

type Point = typeof contactPoints.$inferSelect;

/** Which written channels a reply can go out on, and why not where it cannot. */
export function replyChannelsFor(points: Point[]): { channel: Channel; available: boolean; reason: string | null }[] {
  const phone = points.filter((p) => p.kind === 'phone');
  const email = points.filter((p) => p.kind === 'email');
  const portal = points.filter((p) => p.kind === 'portal');
  const sms = phone.find((p) => p.smsConsent !== 'revoked' && p.canReceiveSms !== false);
  const mail = email.find((p) => p.emailConsent !== 'revoked' && !p.undeliverable);
  return [
    {
      channel: 'sms',
      available: Boolean(sms),
      reason: sms ? null : phone.length === 0 ? 'no phone number' : phone.some((p) => p.smsConsent === 'revoked') ? 'opted out of texts (STOP)' : 'the number cannot receive texts',
    },
    {
      channel: 'email',
      available: Boolean(mail),
      reason: mail ? null : email.length === 0 ? 'no email address' : email.some((p) => p.undeliverable) ? 'the address bounced' : 'unsubscribed from email',
    },
    { channel: 'portal', available: portal.length > 0, reason: portal.length > 0 ? null : 'not on the portal' },
    { channel: 'voice', available: false, reason: 'calls are not sent as replies' },
  ];
}

export async function getConversationContext(db: Database, who: Principal, id: string, now: Date, requestId: string | null): Promise<z.infer<typeof ConversationContextSchema>> {
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    const [patient] = await tx.select().from(patients).where(eq(patients.id, c.patientId));
    const [points, assignee, upcoming, others, ticks, voicemails] = await Promise.all([
      tx.select().from(contactPoints).where(eq(contactPoints.patientId, c.patientId)).orderBy(asc(contactPoints.createdAt)),
      c.assigneeId ? tx.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, c.assigneeId)) : Promise.resolve([]),
      tx
        .select()
        .from(appointments)
        .where(and(eq(appointments.patientId, c.patientId), gte(appointments.startsAt, now), ne(appointments.status, 'cancelled')))
        .orderBy(asc(appointments.startsAt))
        .limit(5),
      tx
        .select({
          c: conversations,
          preview: sql<string | null>`(select left(p.body, 120) from messages p where p.conversation_id = ${conversations.id} and p.direction = 'inbound' and p.kind = 'message' order by p.created_at desc limit 1)`,
        })
        .from(conversations)
        .where(and(eq(conversations.patientId, c.patientId), ne(conversations.id, c.id)))
        .orderBy(desc(conversations.lastMessageAt))
        .limit(10),
      tx
        .select({ key: playbookTicks.itemKey, checkedAt: playbookTicks.checkedAt, name: users.name, email: users.email })
        .from(playbookTicks)
        .leftJoin(users, eq(users.id, playbookTicks.checkedById))
        .where(eq(playbookTicks.conversationId, c.id)),
      tx
        .select({ messageId: messages.id, durationSeconds: recordings.durationSeconds, transcriptionStatus: recordings.transcriptionStatus, transcript: recordings.transcript })
        .from(recordings)
        .innerJoin(messages, eq(messages.id, recordings.messageId))
        .where(eq(messages.conversationId, c.id)),
    ]);
    // the other conversations are only those this person may open
    const visibleOthers = others.filter((o) => canSeeQueue(who, o.c.practiceId, o.c.queueId, o.c.assigneeId));
    await audit(tx, who, requestId, {
      action: 'conversation.read',
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: c.practiceId,
      patientId: c.patientId,
      detail: { view: 'context' },
    });
    const replyChannels = replyChannelsFor(points);
    const preferred: Channel = c.channel === 'voice' ? 'sms' : c.channel;
    const defaultReplyChannel = replyChannels.find((r) => r.channel === preferred && r.available)?.channel ?? replyChannels.find((r) => r.available)?.channel ?? null;
    return {
      conversationId: c.id,
      now: now.toISOString(),
      assignee: assignee[0] ?? null,
      patient: {
        id: patient!.id,
        firstName: patient!.firstName,
        lastName: patient!.lastName,
        dateOfBirth: patient!.dateOfBirth,
        language: patient!.language,
        tags: patient!.tags,
        contactPoints: points.map((p) => ({
          id: p.id,
          kind: p.kind,
          value: p.value,
          smsConsent: p.smsConsent,
          emailConsent: p.emailConsent,
          undeliverable: p.undeliverable,
          canReceiveSms: p.canReceiveSms,
        })),
      },
      upcomingAppointments: upcoming.map((a) => ({
        id: a.id,
        startsAt: a.startsAt.toISOString(),
        durationMinutes: a.durationMinutes,
        type: a.type,
        provider: a.provider,
        status: a.status,
      })),
      otherConversations: visibleOthers.map((o) => ({
        id: o.c.id,
        channel: o.c.channel,
        status: o.c.status,
        subject: o.c.subject,
        intent: o.c.intent,
        urgency: o.c.urgency,
        lastMessageAt: o.c.lastMessageAt.toISOString(),
        preview: o.preview,
      })),
      checklist: ticks.map((t) => ({ key: t.key, checkedAt: t.checkedAt.toISOString(), checkedBy: t.name ?? t.email ?? null })),
      voicemails: voicemails.map((v) => ({
        messageId: v.messageId,
        durationSeconds: v.durationSeconds,
        transcriptionStatus: v.transcriptionStatus,
        hasTranscript: Boolean(v.transcript && v.transcript.trim()),
      })),
      replyChannels,
      defaultReplyChannel,
    };
  });
}

export const ChecklistItemSchema = z.object({ checked: z.boolean() }).openapi('ChecklistTick');

/** Ticks or unticks one item of the conversation's playbook checklist. */
export async function setChecklistItem(db: Database, who: Principal, id: string, key: string, checked: boolean, now: Date, requestId: string | null) {
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    const [q] = c.queueId ? await tx.select({ playbook: queues.playbook }).from(queues).where(eq(queues.id, c.queueId)) : [];
    if (!q?.playbook?.items.some((i) => i.key === key)) throw new AppError('validation_failed', `key: the queue's checklist has no item "${key}"`);
    if (checked) {
      await tx
        .insert(playbookTicks)
        .values({ conversationId: c.id, itemKey: key, checkedById: who.userId, checkedAt: now })
        .onConflictDoUpdate({ target: [playbookTicks.conversationId, playbookTicks.itemKey], set: { checkedById: who.userId, checkedAt: now } });
    } else {
      await tx.delete(playbookTicks).where(and(eq(playbookTicks.conversationId, c.id), eq(playbookTicks.itemKey, key)));
    }
    await audit(tx, who, requestId, {
      action: 'conversation.checklist',
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: c.practiceId,
      patientId: c.patientId,
      detail: { key, checked },
    });
    return { key, checked, checkedAt: checked ? now.toISOString() : null };
  });
}

export const CannedQuery = z.object({
  channel: z.enum(['sms', 'email', 'portal']).optional().openapi({ description: "default: the conversation's reply channel" }),
  language: z.enum(['en', 'es']).optional().openapi({ description: "default: the patient's language" }),
});

export const CannedAnswerSchema = z
  .object({
    purpose: z.enum(purposes),
    description: z.string(),
    language: z.enum(['en', 'es']),
    channel: z.enum(['sms', 'email', 'portal']),
    text: z.string().openapi({ description: 'rendered for this patient and practice: every variable filled' }),
    subject: z.string().nullable(),
    segments: z.number().nullable().openapi({ description: 'SMS parts' }),
  })
  .openapi('CannedAnswer');

/** Answers a person may send by hand: patient templates that are replies, not automated outreach. */
const cannedPurposes = purposes.filter((p) => purposeSpecs[p].audience === 'patient' && !purposeSpecs[p].outreach && !['help', 'opt_out_confirm', 'opt_in_confirm'].includes(p));

/**
 * The practice's templates as canned answers for this conversation, rendered with the
 * practice's values, the patient's first name, the SLA due time, their next appointment and
 * the medication and pharmacy their message named. A template needing a value this
 * conversation does not have (a slot list) is left out rather than shown with a gap.
 */
export async function cannedAnswers(db: Database, who: Principal, id: string, query: z.input<typeof CannedQuery>, now: Date, requestId: string | null) {
  const q = CannedQuery.parse(query);
  return db.transaction(async (tx) => {
    const c = await loadVisible(tx, who, id);
    const [patient] = await tx.select().from(patients).where(eq(patients.id, c.patientId));
    const channel = q.channel ?? (c.channel === 'voice' ? 'sms' : c.channel);
    const language = resolveLanguage(q.language ?? patient?.language);
    const [next] = await tx
      .select({ startsAt: appointments.startsAt, provider: appointments.provider })
      .from(appointments)
      .where(and(eq(appointments.patientId, c.patientId), gte(appointments.startsAt, now), inArray(appointments.status, ['booked', 'confirmed'])))
      .orderBy(asc(appointments.startsAt))
      .limit(1);
    // what the patient's latest triaged message named fills the refill templates
    const [latest] = await tx
      .select({ triage: messages.triage })
      .from(messages)
      .where(and(eq(messages.conversationId, c.id), eq(messages.direction, 'inbound'), sql`${messages.triage} is not null`))
      .orderBy(desc(messages.createdAt))
      .limit(1);
    const meds = medicationsOf(latest?.triage?.entities);
    const pharmacy = typeof latest?.triage?.entities.pharmacy === 'string' ? latest.triage.entities.pharmacy : undefined;
    const refill = {
      ...(meds.length ? { medication: meds.map((m) => (m.strength ? `${m.name} ${m.strength}` : m.name)).join(', ') } : {}),
      ...(pharmacy ? { pharmacy } : {}),
    };
    const out: z.infer<typeof CannedAnswerSchema>[] = [];
    for (const purpose of cannedPurposes as TemplatePurpose[]) {
      if (!(purposeSpecs[purpose].channels as readonly string[]).includes(channel)) continue;
      try {
        const r = await renderForPractice(tx, {
          practiceId: c.practiceId,
          purpose,
          language,
          channel,
          vars: {
            patient: patient?.firstName ? { firstName: patient.firstName } : {},
            ...(c.slaDueAt ? { sla: { dueAt: c.slaDueAt } } : {}),
            ...(Object.keys(refill).length ? { refill } : {}),
            ...(next ? { appointment: { startsAt: next.startsAt, ...(next.provider ? { provider: next.provider } : {}) } } : {}),
          } as never,
        });
        out.push({
          purpose,
          description: purposeSpecs[purpose].description,
          language: r.key.language,
          channel,
          text: r.text.trim(),
          subject: r.subject ?? null,
          segments: r.segments?.count ?? null,
        });
      } catch {
        // a value this conversation lacks: not offered
      }
    }
    await audit(tx, who, requestId, {
      action: 'conversation.read',
      subjectType: 'conversation',
      subjectId: c.id,
      practiceId: c.practiceId,
      patientId: c.patientId,
      detail: { view: 'canned_answers' },
    });
    return { data: out, nextCursor: null };
  });
}
