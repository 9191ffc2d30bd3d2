import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Channel, Intent, TriageResult, Urgency } from '../../../triage/types';
import type { MessageMeta, OutboundPurpose } from './message-meta';
import type { PracticeSettings } from './practice-settings';
import { fullName, messageWords, phoneDigits } from './search';
import { inboxRank, inboxSlaKey, inboxWaitingKey } from './inbox-order';

// Status-like columns are text with a TypeScript union rather than Postgres enums:
// adding a value to an enum type cannot be used in the transaction that adds it,
// which makes later migrations awkward, and the unions are checked by the compiler.

const id = () => uuid().primaryKey().defaultRandom();
const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const tz = () => timestamp({ withTimezone: true });

export type Role = 'admin' | 'manager' | 'assistant';
export type TokenRole = Role | 'portal';
export type Presence = 'available' | 'away' | 'offline';
export type ContactKind = 'phone' | 'email' | 'portal';
export type ConsentPurpose = 'sms' | 'email' | 'voice';
export type ConsentState = 'unknown' | 'granted' | 'revoked';
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved';
export type MessageDirection = 'inbound' | 'outbound';
export type MessageKind = 'message' | 'note' | 'event';
export type AuthorType = 'patient' | 'user' | 'automation' | 'system';
export type DeliveryStatus =
  | 'received'
  | 'pending'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'refused'
  | 'simulated';
export type AppointmentStatus = 'booked' | 'confirmed' | 'cancelled' | 'checked_in' | 'no_show';
export type ReminderStatus = 'planned' | 'queued' | 'sent' | 'delivered' | 'failed' | 'skipped' | 'cancelled';
export type OutboxStatus = 'pending' | 'enqueued' | 'done' | 'dead';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface BusinessHours {
  /** weekday -> open intervals in the practice's local time, "HH:MM" (24 h) */
  weekly: Partial<Record<Weekday, { open: string; close: string }[]>>;
  /** local dates (YYYY-MM-DD) the practice is closed */
  closedDates: string[];
}

export const practices = pgTable('practices', {
  id: id(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  timeZone: text().notNull(),
  hours: jsonb().$type<BusinessHours>().notNull(),
  mainPhone: text(),
  address: text(),
  fax: text(),
  website: text(),
  portalUrl: text(),
  onCallPhone: text(),
  onCallEmail: text(),
  afterHoursMessage: text(),
  portalWebhookUrl: text(),
  portalWebhookSecret: text(),
  settings: jsonb().$type<PracticeSettings>().notNull().default({}),
  active: boolean().notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Numbers and inbound addresses of a practice; the `To` of an inbound message picks the practice. */
export const practiceAddresses = pgTable(
  'practice_addresses',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    kind: text().$type<'phone' | 'email'>().notNull(),
    value: text().notNull(),
    sms: boolean().notNull().default(false),
    voice: boolean().notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('practice_addresses_kind_value').on(t.kind, t.value), index().on(t.practiceId)],
);

export const users = pgTable('users', {
  id: id(),
  email: text().notNull().unique(),
  name: text(),
  passwordHash: text(),
  role: text().$type<Role>().notNull(),
  active: boolean().notNull().default(true),
  presence: text().$type<Presence>().notNull().default('offline'),
  capacity: integer().notNull().default(10),
  skills: jsonb().$type<{ languages: string[]; tasks: string[] }>().notNull().default({ languages: ['en'], tasks: [] }),
  /** the staff member's own phone (E.164): a call to a patient rings it first */
  phone: text(),
  lastSeenAt: tz(),
  deactivatedAt: tz(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const practiceGrants = pgTable(
  'practice_grants',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.practiceId] }), index().on(t.practiceId)],
);

export const queues = pgTable(
  'queues',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    key: text().notNull(),
    name: text().notNull(),
    /** emergencies and urgent messages go to the practice's urgent queue */
    urgent: boolean().notNull().default(false),
    playbook: jsonb().$type<{ items: { key: string; label: string; entity?: string }[] }>(),
    sla: jsonb().$type<Record<string, { firstResponseMinutes?: number; resolutionMinutes?: number; businessHours?: boolean }>>(),
    /** an archived queue takes no new work and is hidden from lists; its history stays */
    archivedAt: tz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('queues_practice_key').on(t.practiceId, t.key)],
);

export const queueGrants = pgTable(
  'queue_grants',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    queueId: uuid()
      .notNull()
      .references(() => queues.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.queueId] }), index().on(t.queueId)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha-256 of the cookie value; the cookie itself is never stored */
    id: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text().notNull(),
    expiresAt: tz().notNull(),
    createdAt: createdAt(),
    lastSeenAt: tz(),
  },
  (t) => [index().on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    name: text().notNull(),
    /** sha-256 of the token; the token is shown once when made */
    tokenHash: text().notNull().unique(),
    role: text().$type<TokenRole>().notNull(),
    /** null: every practice (admins only) */
    practiceId: uuid().references(() => practices.id, { onDelete: 'cascade' }),
    userId: uuid().references(() => users.id, { onDelete: 'cascade' }),
    createdById: uuid().references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: tz(),
    revokedAt: tz(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.practiceId)],
);

export const patients = pgTable(
  'patients',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    firstName: text(),
    lastName: text(),
    dateOfBirth: date({ mode: 'string' }),
    language: text().$type<'en' | 'es'>().notNull().default('en'),
    /** IANA zone; the practice's when null */
    timeZone: text(),
    preferredChannel: text().$type<'sms' | 'email' | 'voice'>(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    portalId: text(),
    /** set when this record was merged into another; the merge can be undone */
    mergedIntoId: uuid(),
    /** erased on request: names, contacts, bodies and media are gone; ids and figures stay */
    erasedAt: tz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index().on(t.practiceId, t.lastName, t.firstName),
    uniqueIndex('patients_practice_portal').on(t.practiceId, t.portalId),
    // the inbox search by a name (pg_trgm)
    index('patients_name_trgm').using('gin', sql`${fullName(t.firstName, t.lastName)} gin_trgm_ops`),
  ],
);

export const contactPoints = pgTable(
  'contact_points',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    kind: text().$type<ContactKind>().notNull(),
    /** E.164 for phones, lowercased for emails, the portal's id for portal */
    value: text().notNull(),
    /** current consent per purpose, kept in step with the ledger in the same transaction */
    smsConsent: text().$type<ConsentState>().notNull().default('unknown'),
    emailConsent: text().$type<ConsentState>().notNull().default('unknown'),
    /** calls (reminder calls): recorded from staff or a "stop calling me"; the ledger holds the history */
    voiceConsent: text().$type<ConsentState>().notNull().default('unknown'),
    undeliverable: boolean().notNull().default(false),
    canReceiveSms: boolean(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('contact_points_practice_kind_value').on(t.practiceId, t.kind, t.value),
    index().on(t.patientId),
    // the inbox search by an address or a phone number typed any way (pg_trgm)
    index('contact_points_value_trgm').using('gin', sql`${t.value} gin_trgm_ops`),
    index('contact_points_digits_trgm').using('gin', sql`${phoneDigits(t.value)} gin_trgm_ops`),
  ],
);

/** Append-only: each change of consent with its source. */
export const consentEvents = pgTable(
  'consent_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    contactPointId: uuid()
      .notNull()
      .references(() => contactPoints.id, { onDelete: 'cascade' }),
    purpose: text().$type<ConsentPurpose>().notNull(),
    state: text().$type<'granted' | 'revoked'>().notNull(),
    /** e.g. sms_keyword, twilio_error_21610, sendgrid_unsubscribe, api, import, console */
    source: text().notNull(),
    detail: text(),
    messageId: uuid(),
    actorUserId: uuid(),
    actorTokenId: uuid(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.contactPointId, t.purpose, t.createdAt)],
);

export const conversations = pgTable(
  'conversations',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    channel: text().$type<Channel>().notNull(),
    status: text().$type<ConversationStatus>().notNull().default('open'),
    subject: text(),
    queueId: uuid().references(() => queues.id, { onDelete: 'set null' }),
    assigneeId: uuid().references(() => users.id, { onDelete: 'set null' }),
    intent: text().$type<Intent>(),
    urgency: text().$type<Urgency>(),
    confidence: real(),
    needsHuman: boolean().notNull().default(false),
    priority: integer().notNull().default(0),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    /**
     * token in the reply-to address of outbound email, so replies thread back; every
     * conversation gets one when it is made, so sending never has to write it first
     */
    replyToken: text()
      .unique()
      .default(sql`replace(gen_random_uuid()::text, '-', '')`),
    portalThreadId: text(),
    snoozedUntil: tz(),
    slaDueAt: tz(),
    /**
     * The patient's messages up to this time have been taken care of: a person replied (or
     * closed the conversation, with a reason where it held people-only work), or automation
     * closed what it may close. Later inbound messages are awaiting an answer.
     */
    handledThrough: tz(),
    firstResponseAt: tz(),
    lastMessageAt: tz().notNull().defaultNow(),
    lastInboundAt: tz(),
    lastOutboundAt: tz(),
    /**
     * The last reply a person sent (an outbound message by a user), and the patient's oldest
     * message after it (null: nothing unanswered). Kept by the ingest function and by the
     * messages triggers of migration 0017, never written by the application: the inbox sorts
     * by them, and a subquery per conversation could not be indexed.
     */
    lastStaffReplyAt: tz(),
    waitingSince: tz(),
    resolvedAt: tz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // the inbox in the order it is worked: emergencies, then urgent, then by SLA due, then the
    // longest waiting (the same expressions as src/inbox/inbox-list.ts, so a page is an index range)
    // (one practice's, and every practice's for an admin or a back office granted many)
    index('conversations_inbox_order').on(t.practiceId, t.status, inboxRank(t.urgency), inboxSlaKey(t.slaDueAt), inboxWaitingKey(t.waitingSince, t.createdAt), t.id),
    index('conversations_inbox_order_all').on(t.status, inboxRank(t.urgency), inboxSlaKey(t.slaDueAt), inboxWaitingKey(t.waitingSince, t.createdAt), t.id),
    // conversations by last activity (the conversations API), by queue, by assignee
    index('conversations_inbox_queue').on(t.practiceId, t.queueId, t.status, t.lastMessageAt.desc()),
    index('conversations_inbox_assignee').on(t.assigneeId, t.status, t.lastMessageAt.desc()),
    index('conversations_practice_activity').on(t.practiceId, t.lastMessageAt.desc(), t.id.desc()),
    // a patient's latest conversation on a channel (the ingest function's look-up for every
    // message): an index that answers it alone, so its cached plan is right even when it was
    // made while the table was empty and unanalysed (with only (patient_id), the plan cached
    // then scanned the practice's whole inbox order for each message: a third of the ingest rate)
    index('conversations_patient_channel').on(t.patientId, t.channel, t.lastMessageAt.desc()),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    direction: text().$type<MessageDirection>().notNull(),
    kind: text().$type<MessageKind>().notNull().default('message'),
    channel: text().$type<Channel>().notNull(),
    /** MessageSid, Message-ID, RecordingSid, portal messageId; unique per practice and channel */
    providerId: text(),
    /** for outbound: makes the send job idempotent */
    idempotencyKey: text().unique(),
    contactPointId: uuid().references(() => contactPoints.id, { onDelete: 'set null' }),
    fromAddress: text(),
    toAddress: text(),
    subject: text(),
    body: text().notNull(),
    /** the full original (e.g. email with quoted history) when body was trimmed */
    originalBody: text(),
    status: text().$type<DeliveryStatus>().notNull(),
    errorCode: text(),
    errorMessage: text(),
    authorType: text().$type<AuthorType>().notNull(),
    authorUserId: uuid().references(() => users.id, { onDelete: 'set null' }),
    triage: jsonb().$type<TriageResult>(),
    /** why an outbound message went out (null for inbound) */
    purpose: text().$type<OutboundPurpose>(),
    meta: jsonb().$type<MessageMeta>().notNull().default({}),
    sentAt: tz(),
    deliveredAt: tz(),
    createdAt: createdAt(),
  },
  (t) => [
    // per practice: one email (one Message-ID) can be sent to two practices, each keeps its copy
    uniqueIndex('messages_practice_channel_provider_id').on(t.practiceId, t.channel, t.providerId),
    index().on(t.conversationId, t.createdAt),
    index().on(t.practiceId, t.createdAt),
    // the inbox search by rare words (pg_trgm)
    index('messages_search_trgm').using('gin', sql`${messageWords(t.subject, t.body)} gin_trgm_ops`),
  ],
);

export type AttachmentKind = 'attachment' | 'recording';
/**
 * - `stored`: the bytes are in the blob store (blobKey)
 * - `pending`: to be fetched from the provider (url) by the media job
 * - `inline`: legacy bytes still in `content`, moved to the blob store at start
 * - `skipped`: not fetched (simulate mode: no provider to fetch from)
 * - `failed`: the provider would not give it (error says why)
 * - `purged`: deleted under the practice's retention policy
 * - `erased`: deleted with the patient's record
 * - `discarded`: an upload never sent, cleared after a day
 */
export type AttachmentStatus = 'stored' | 'pending' | 'inline' | 'skipped' | 'failed' | 'purged' | 'erased' | 'discarded';

export const messageAttachments = pgTable(
  'message_attachments',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** null while a staff upload waits to go out with a reply */
    messageId: uuid().references(() => messages.id, { onDelete: 'cascade' }),
    kind: text().$type<AttachmentKind>().notNull().default('attachment'),
    status: text().$type<AttachmentStatus>().notNull().default('stored'),
    name: text(),
    contentType: text().notNull(),
    size: integer(),
    /** where the bytes are in the blob store (never a provider URL) */
    blobKey: text(),
    sha256: text(),
    /** the provider's link (Twilio media, a recording); fetched by the media job, never shown */
    url: text(),
    /** legacy inline bytes (base64), moved to the blob store at start; always null for new rows */
    content: text(),
    uploadedById: uuid().references(() => users.id, { onDelete: 'set null' }),
    uploadedByTokenId: uuid(),
    error: text(),
    storedAt: tz(),
    purgedAt: tz(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.messageId), index().on(t.conversationId), index().on(t.status, t.kind, t.createdAt)],
);

/**
 * Inbound: answered, missed, voicemail, forwarded. A call placed from the inbox: answered
 * (the patient picked up), no_answer, busy, failed, staff_no_answer (the staff phone never
 * took it), canceled.
 */
export type CallOutcome =
  | 'answered'
  | 'missed'
  | 'voicemail'
  | 'forwarded'
  | 'no_answer'
  | 'busy'
  | 'failed'
  | 'staff_no_answer'
  | 'canceled';

export const calls = pgTable(
  'calls',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    callSid: text().notNull().unique(),
    direction: text().$type<'inbound' | 'outbound'>().notNull(),
    fromNumber: text().notNull(),
    toNumber: text().notNull(),
    patientId: uuid().references(() => patients.id, { onDelete: 'set null' }),
    conversationId: uuid().references(() => conversations.id, { onDelete: 'set null' }),
    status: text().notNull(),
    outcome: text().$type<CallOutcome>(),
    menuChoice: text(),
    language: text(),
    inHours: boolean(),
    durationSeconds: integer(),
    startedAt: tz(),
    endedAt: tz(),
    /** an outbound call placed from the inbox: who placed it, and the phone that rang first */
    placedById: uuid().references(() => users.id, { onDelete: 'set null' }),
    staffPhone: text(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.practiceId, t.createdAt)],
);

export const recordings = pgTable('recordings', {
  id: id(),
  callId: uuid().references(() => calls.id, { onDelete: 'cascade' }),
  recordingSid: text().notNull().unique(),
  url: text().notNull(),
  durationSeconds: integer(),
  transcriptionStatus: text(),
  transcript: text(),
  messageId: uuid().references(() => messages.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
});

/** Each change to a practice's rules is a new version; the newest active one is live. */
export const routingRuleSets = pgTable(
  'routing_rule_sets',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    version: integer().notNull(),
    rules: jsonb().$type<unknown[]>().notNull(),
    note: text(),
    createdById: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('routing_rule_sets_practice_version').on(t.practiceId, t.version)],
);

/** Practice overrides of the file templates in templates/. */
export const templates = pgTable(
  'templates',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    key: text().notNull(),
    language: text().$type<'en' | 'es'>().notNull(),
    channel: text().$type<Channel>().notNull(),
    subject: text(),
    body: text().notNull(),
    updatedById: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('templates_practice_key_lang_channel').on(t.practiceId, t.key, t.language, t.channel)],
);

/** A conversation's playbook checklist: which items a person ticked, by whom and when. */
export const playbookTicks = pgTable(
  'playbook_ticks',
  {
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** the queue playbook item's key */
    itemKey: text().notNull(),
    checkedById: uuid().references(() => users.id, { onDelete: 'set null' }),
    checkedAt: tz().notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.itemKey] })],
);

export type RefillStatus = 'pending' | 'approved' | 'denied';

/** A refill request taken from a triaged message; a clinician (manager or admin) approves or denies it. */
export const refillRequests = pgTable(
  'refill_requests',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** the inbound message it was taken from: one request per message */
    messageId: uuid()
      .notNull()
      .unique()
      .references(() => messages.id, { onDelete: 'cascade' }),
    medication: text(),
    strength: text(),
    pharmacy: text(),
    status: text().$type<RefillStatus>().notNull().default('pending'),
    decidedById: uuid().references(() => users.id, { onDelete: 'set null' }),
    decidedAt: tz(),
    note: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.practiceId, t.status, t.createdAt), index().on(t.conversationId)],
);

export const appointments = pgTable(
  'appointments',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    externalId: text().notNull(),
    startsAt: tz().notNull(),
    durationMinutes: integer().notNull(),
    type: text(),
    provider: text(),
    status: text().$type<AppointmentStatus>().notNull().default('booked'),
    source: text().$type<'api' | 'csv' | 'fhir' | 'waitlist'>().notNull().default('api'),
    confirmedAt: tz(),
    cancelledAt: tz(),
    /** free slots offered to the patient after they answered R (ISO instants, numbered from 1) */
    rescheduleOptions: jsonb().$type<string[]>(),
    /** the FHIR Appointment this is in the practice's EHR (sync and write-back key on it) */
    ehrResourceId: text(),
    /** its meta.versionId as last read or written (If-Match on updates) */
    ehrVersionId: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('appointments_practice_external').on(t.practiceId, t.externalId),
    uniqueIndex('appointments_practice_ehr_resource').on(t.practiceId, t.ehrResourceId).where(sql`ehr_resource_id is not null`),
    index().on(t.practiceId, t.startsAt),
    index().on(t.patientId, t.startsAt),
  ],
);

export const reminders = pgTable(
  'reminders',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    appointmentId: uuid()
      .notNull()
      .references(() => appointments.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    channel: text().$type<'sms' | 'email' | 'voice'>().notNull(),
    offsetMinutes: integer().notNull(),
    dueAt: tz().notNull(),
    status: text().$type<ReminderStatus>().notNull().default('planned'),
    skipReason: text(),
    messageId: uuid().references(() => messages.id, { onDelete: 'set null' }),
    sentAt: tz(),
    /** the appointment time this reminder was planned for: a move makes it stale */
    appointmentStartsAt: tz(),
    /** the patient's answer to this reminder (C/X/R, or 1/2/3 on a call) */
    answer: text().$type<'confirm' | 'cancel' | 'reschedule'>(),
    answeredAt: tz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index().on(t.status, t.dueAt),
    index().on(t.appointmentId),
    index().on(t.patientId, t.sentAt),
    index().on(t.messageId),
  ],
);

export const waitlistEntries = pgTable(
  'waitlist_entries',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    provider: text(),
    type: text(),
    priority: integer().notNull().default(0),
    status: text().$type<'waiting' | 'offered' | 'booked' | 'removed'>().notNull().default('waiting'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.practiceId, t.status, t.priority)],
);

export const waitlistOffers = pgTable(
  'waitlist_offers',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    waitlistEntryId: uuid()
      .notNull()
      .references(() => waitlistEntries.id, { onDelete: 'cascade' }),
    /** the cancelled appointment whose slot is offered */
    slotAppointmentId: uuid()
      .notNull()
      .references(() => appointments.id, { onDelete: 'cascade' }),
    status: text().$type<'offered' | 'accepted' | 'taken' | 'expired' | 'declined'>().notNull().default('offered'),
    expiresAt: tz().notNull(),
    messageId: uuid().references(() => messages.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index().on(t.slotAppointmentId, t.status),
    // a freed slot goes to one patient: the database refuses a second accepted offer
    uniqueIndex('waitlist_offers_one_accepted').on(t.slotAppointmentId).where(sql`status = 'accepted'`),
    uniqueIndex('waitlist_offers_entry_slot').on(t.waitlistEntryId, t.slotAppointmentId),
    index().on(t.status, t.expiresAt),
  ],
);

export interface PatientMergeMoved {
  conversations: string[];
  contactPoints: string[];
  appointments: string[];
  reminders: string[];
  waitlistEntries: string[];
  calls: string[];
  /** absent in merges made before refill requests moved too */
  refillRequests?: string[];
}

export type UnroutedStatus = 'held' | 'routed' | 'dismissed';

/**
 * The holding area: an inbound text, call or email to an address no active practice owns (a
 * number not yet added, or removed). Twilio does not retry a 4xx and SendGrid drops one, so
 * these are stored here instead of refused, for an admin to route to a practice or dismiss.
 */
export const unroutedMessages = pgTable(
  'unrouted_messages',
  {
    id: id(),
    channel: text().$type<'sms' | 'voice' | 'email'>().notNull(),
    /** MessageSid, CallSid or Message-ID; a retried webhook is stored once */
    providerId: text().notNull(),
    fromAddress: text().notNull(),
    toAddress: text().notNull(),
    subject: text(),
    body: text().notNull(),
    /** names, types, sizes and provider links of the media (never the content) */
    attachments: jsonb().$type<{ name: string | null; contentType: string; size: number | null; url: string | null }[]>().notNull().default([]),
    meta: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: text().$type<UnroutedStatus>().notNull().default('held'),
    practiceId: uuid().references(() => practices.id, { onDelete: 'set null' }),
    messageId: uuid().references(() => messages.id, { onDelete: 'set null' }),
    handledById: uuid(),
    handledByTokenId: uuid(),
    handledAt: tz(),
    note: text(),
    receivedAt: tz().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('unrouted_messages_channel_provider').on(t.channel, t.providerId), index().on(t.status, t.receivedAt)],
);
/** The survivor's fields a merge filled from the merged record, with what they were before. */
export type PatientMergeFilled = Partial<{
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string | null;
  timeZone: string | null;
  preferredChannel: string | null;
  portalId: string | null;
  tags: string[];
}>;

/** SendGrid event ids already applied: a re-posted batch changes nothing twice. */
export const sendgridEvents = pgTable(
  'sendgrid_events',
  {
    sgEventId: text().primaryKey(),
    event: text().notNull(),
    messageId: uuid(),
    receivedAt: createdAt(),
  },
  (t) => [index().on(t.receivedAt)],
);

/**
 * A merge of one patient record into another, with what moved, so it can be undone: the
 * rows listed in `moved` go back to the merged record unless they were moved again since.
 */
export const patientMerges = pgTable(
  'patient_merges',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    /** the record merged away (its mergedIntoId points at intoId) */
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    intoId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    moved: jsonb()
      .$type<PatientMergeMoved>()
      .notNull(),
    /** the survivor's fields before the merge filled them (unmerge puts back what nobody changed since) */
    filled: jsonb().$type<{ before: PatientMergeFilled; after: PatientMergeFilled }>(),
    mergedById: uuid(),
    mergedByTokenId: uuid(),
    undoneAt: tz(),
    undoneById: uuid(),
    undoneByTokenId: uuid(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.patientId, t.createdAt), index().on(t.intoId)],
);

/** Every read or change of patient data by a person or token, written in the same transaction. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    practiceId: uuid(),
    actorType: text().$type<'user' | 'token' | 'system'>().notNull(),
    actorUserId: uuid(),
    actorTokenId: uuid(),
    action: text().notNull(),
    subjectType: text().notNull(),
    subjectId: text(),
    patientId: uuid(),
    requestId: text(),
    detail: jsonb().$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    index().on(t.practiceId, t.createdAt),
    index().on(t.patientId, t.createdAt),
    index().on(t.subjectType, t.subjectId),
    // the audit API filters by actor; list views look up their last page entry by actor
    index().on(t.actorUserId, t.createdAt),
    index().on(t.actorTokenId, t.createdAt),
  ],
);

export type ReplyReviewVerdict = 'good' | 'needs_coaching';

/** A manager's review of one staff reply (QA): one per reply, changed in place. */
export const replyReviews = pgTable(
  'reply_reviews',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    messageId: uuid()
      .notNull()
      .unique()
      .references(() => messages.id, { onDelete: 'cascade' }),
    /** the staff member who wrote the reply */
    assistantId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    reviewerId: uuid().references(() => users.id, { onDelete: 'set null' }),
    reviewerTokenId: uuid(),
    verdict: text().$type<ReplyReviewVerdict>().notNull(),
    note: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.practiceId, t.assistantId, t.createdAt)],
);

/**
 * The transactional outbox: every job that matters is first a row here, written in the
 * transaction that caused it. `runAt` keeps due times in Postgres, so work due later
 * survives a Redis that keeps nothing.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    queue: text().notNull(),
    /** ids only, never patient data */
    payload: jsonb().$type<Record<string, string | number | boolean | null>>().notNull(),
    /** at most one live row per key (e.g. one send per outbound message) */
    dedupeKey: text().unique(),
    status: text().$type<OutboxStatus>().notNull().default('pending'),
    runAt: tz().notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    enqueuedAt: tz(),
    finishedAt: tz(),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_due').on(t.status, t.runAt)],
);

export type EhrAuthKind = 'bearer' | 'client_credentials';
/** new: never synced; ok: the last sync worked; error: it failed and is retried; failing: the EHR refused the credentials (scheduled sync paused) */
export type EhrConnectionStatus = 'new' | 'ok' | 'error' | 'failing';

/** A practice's EHR (FHIR R4 server): where it is, how to sign in, how often to sync, whether to write back. */
export const ehrConnections = pgTable('ehr_connections', {
  practiceId: uuid()
    .primaryKey()
    .references(() => practices.id, { onDelete: 'cascade' }),
  fhirBaseUrl: text().notNull(),
  authKind: text().$type<EhrAuthKind>().notNull(),
  /** client_credentials: the token endpoint, client id and scope (not secret) */
  tokenUrl: text(),
  clientId: text(),
  scope: text(),
  /** the bearer token or client secret, AES-256-GCM under EHR_SECRET_KEY and bound to the practice; never returned */
  secret: text().notNull(),
  /** minutes between scheduled syncs; null: sync only when asked */
  syncMinutes: integer(),
  writeBack: boolean().notNull().default(false),
  status: text().$type<EhrConnectionStatus>().notNull().default('new'),
  statusReason: text(),
  consecutiveFailures: integer().notNull().default(0),
  /** the due time of the scheduled sync (its outbox row carries the same time; an older row is stale) */
  nextSyncAt: tz(),
  /** set while a sync runs, so two never overlap */
  syncingSince: tz(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Which FHIR Patient is which patient here. Several FHIR Patients may lead to one patient
 * (an EHR that holds the same person twice); each appointment keeps its own FHIR reference.
 */
export const ehrPatientLinks = pgTable(
  'ehr_patient_links',
  {
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    fhirPatientId: text().notNull(),
    patientId: uuid()
      .notNull()
      .references(() => patients.id, { onDelete: 'cascade' }),
    /** the EHR's Patient.active (false: a record it retired) */
    active: boolean().notNull().default(true),
    lastSeenAt: tz().notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.practiceId, t.fhirPatientId] }), index().on(t.patientId)],
);

export type EhrWriteBackAction = 'confirm' | 'cancel' | 'reschedule' | 'book';
export type EhrWriteBackStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** One change made here that goes back to the EHR, retried through the outbox until it lands or gives up. */
export const ehrWriteBacks = pgTable(
  'ehr_write_backs',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    appointmentId: uuid()
      .notNull()
      .references(() => appointments.id, { onDelete: 'cascade' }),
    action: text().$type<EhrWriteBackAction>().notNull(),
    status: text().$type<EhrWriteBackStatus>().notNull().default('pending'),
    /** who asked: sms, email, portal, voice (the patient), staff, waitlist */
    via: text().notNull(),
    /** reschedule and book: the time to book */
    startsAt: tz(),
    /** book: the cancelled appointment whose slot is taken */
    slotAppointmentId: uuid(),
    /** reschedule and book: the Appointment made in the EHR, kept so a retry never books twice */
    createdResourceId: text(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: tz(),
    claimedAt: tz(),
    lastError: text(),
    doneAt: tz(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.appointmentId, t.createdAt), index().on(t.practiceId, t.status)],
);

export type ImportRunKind = 'csv' | 'fhir_bundle' | 'fhir_server' | 'ehr_sync';
export interface ImportRunCounts {
  created: number;
  updated: number;
  unchanged: number;
  cancelled: number;
  held: number;
  skipped: number;
  rejected: number;
  duplicatePatients: number;
}
export interface ImportRunProblem {
  level: 'error' | 'warning';
  line?: number;
  /** FHIR references only (Appointment/x, Patient/y), never names or numbers */
  resource?: string;
  reason: string;
}

/** An import or EHR sync as it runs and once done: progress, counts, the rows it could not take. */
export const importRuns = pgTable(
  'import_runs',
  {
    id: id(),
    practiceId: uuid()
      .notNull()
      .references(() => practices.id, { onDelete: 'cascade' }),
    kind: text().$type<ImportRunKind>().notNull(),
    trigger: text().$type<'api' | 'cli' | 'schedule' | 'manual'>().notNull(),
    status: text().$type<'running' | 'done' | 'failed'>().notNull().default('running'),
    total: integer().notNull().default(0),
    done: integer().notNull().default(0),
    counts: jsonb().$type<ImportRunCounts>(),
    problems: jsonb().$type<ImportRunProblem[]>().notNull().default([]),
    error: text(),
    actorUserId: uuid(),
    actorTokenId: uuid(),
    startedAt: tz().notNull(),
    finishedAt: tz(),
    updatedAt: updatedAt(),
  },
  (t) => [index().on(t.practiceId, t.kind, t.startedAt)],
);
