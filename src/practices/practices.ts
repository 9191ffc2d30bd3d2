import { z } from '@hono/zod-openapi';
import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Database, Db } from '../platform/db/client';
import { conversations, practiceAddresses, practices, queues, routingRuleSets } from '../platform/db/schema';
import type { PracticeSettings } from '../platform/db/practice-settings';
import { canSeePractice, isAdmin, isGlobalAdmin, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import { inSaneYears, isValidTimeZone, saneYearsMessage } from '../platform/time';
import { audit } from '../access/audit';
import { defaultRuleSet } from '../../triage/routing/index';

const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'must be a time HH:MM (24 h)');
const interval = z
  .object({ open: hhmm, close: hhmm })
  .refine((i) => i.open < i.close, { message: 'open must be before close', path: ['close'] });
const dayHours = z.array(interval).max(6);

export const BusinessHoursSchema = z
  .object({
    weekly: z
      .object({ mon: dayHours, tue: dayHours, wed: dayHours, thu: dayHours, fri: dayHours, sat: dayHours, sun: dayHours })
      .partial()
      .strict(),
    closedDates: z.array(z.iso.date().refine(inSaneYears, saneYearsMessage)).max(366).default([]),
  })
  .openapi('BusinessHours', {
    example: { weekly: { mon: [{ open: '08:00', close: '17:00' }] }, closedDates: ['2026-12-25'] },
  });

export const E164 = z
  .string()
  .transform((v, ctx) => {
    const n = parsePhoneNumberFromString(v, 'US');
    if (!n || !n.isPossible()) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number, e.g. +14155550100' });
      return z.NEVER;
    }
    return n.number as string;
  })
  .openapi({ type: 'string', example: '+14155550100' });

const TimeZone = z
  .string()
  .refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York')
  .openapi({ example: 'America/New_York' });

const Slug = z
  .string()
  .min(2)
  .max(60)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single dashes');

const practiceFields = {
  name: z.string().trim().min(1).max(200),
  slug: Slug,
  timeZone: TimeZone,
  hours: BusinessHoursSchema,
  /** numbers that take SMS and calls */
  phoneNumbers: z.array(E164).max(50).default([]),
  emailAddresses: z.array(z.email().transform((e) => e.toLowerCase())).max(50).default([]),
  mainPhone: E164.nullable().optional(),
  address: z.string().max(500).nullable().optional(),
  fax: z.string().max(50).nullable().optional(),
  website: z.url().nullable().optional(),
  portalUrl: z.url().nullable().optional(),
  afterHoursMessage: z.string().max(1000).nullable().optional(),
  onCall: z
    .object({ phone: E164.nullable().optional(), email: z.email().nullable().optional() })
    .partial()
    .optional(),
  portalWebhook: z
    .object({ url: z.url().nullable(), secret: z.string().min(16, 'must be at least 16 characters').max(200).nullable().optional() })
    .optional(),
};

const RingGroupSchema = z
  .object({
    numbers: z.array(E164).min(1).max(10),
    timeoutSeconds: z.number().int().min(5).max(60).default(20),
  })
  .openapi('RingGroup', { description: 'staff phones rung together when a caller asks for a person in hours; nobody answers within the timeout: voicemail' });

const settingsFields = {
  /** the Spanish after-hours greeting (the English one is afterHoursMessage) */
  afterHoursMessageEs: z.string().max(1000).nullable().optional(),
  ringGroup: RingGroupSchema.nullable().optional(),
};

export const CreatePracticeSchema = z.object({ ...practiceFields, ...settingsFields }).openapi('CreatePractice');
/**
 * PATCH semantics: a field that is absent is left as it is. Built from the same fields without
 * their create-time defaults, which would otherwise fill an absent list with [] and wipe it
 * (`.partial()` keeps a `.default()`).
 */
export const UpdatePracticeSchema = z
  .object({
    ...practiceFields,
    ...settingsFields,
    phoneNumbers: z.array(E164).max(50),
    emailAddresses: z.array(z.email().transform((e) => e.toLowerCase())).max(50),
    active: z.boolean(),
    confirm: z.boolean().openapi({ description: 'needed to remove the last number (or email address) of a practice with open conversations' }),
  })
  .partial()
  .openapi('UpdatePractice');

export const PracticeSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    timeZone: z.string(),
    phoneNumbers: z.array(z.string()),
    emailAddresses: z.array(z.string()),
    hours: BusinessHoursSchema,
    mainPhone: z.string().nullable(),
    address: z.string().nullable(),
    fax: z.string().nullable(),
    website: z.string().nullable(),
    portalUrl: z.string().nullable(),
    afterHoursMessage: z.string().nullable(),
    afterHoursMessageEs: z.string().nullable(),
    ringGroup: z.object({ numbers: z.array(z.string()), timeoutSeconds: z.number() }).nullable(),
    onCall: z.object({ phone: z.string().nullable(), email: z.string().nullable() }),
    portalWebhook: z.object({ url: z.string().nullable(), secretSet: z.boolean() }),
    queues: z.array(z.object({ id: z.uuid(), key: z.string(), name: z.string(), urgent: z.boolean() })),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Practice');

export type PracticeView = z.infer<typeof PracticeSchema>;

async function views(db: Db, rows: (typeof practices.$inferSelect)[]): Promise<PracticeView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [addresses, queueRows] = await Promise.all([
    db.select().from(practiceAddresses).where(inArray(practiceAddresses.practiceId, ids)).orderBy(asc(practiceAddresses.createdAt), asc(practiceAddresses.value)),
    db.select().from(queues).where(inArray(queues.practiceId, ids)).orderBy(asc(queues.key)),
  ]);
  return rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    timeZone: p.timeZone,
    phoneNumbers: addresses.filter((a) => a.practiceId === p.id && a.kind === 'phone').map((a) => a.value),
    emailAddresses: addresses.filter((a) => a.practiceId === p.id && a.kind === 'email').map((a) => a.value),
    hours: { weekly: p.hours.weekly, closedDates: p.hours.closedDates ?? [] },
    mainPhone: p.mainPhone,
    address: p.address,
    fax: p.fax,
    website: p.website,
    portalUrl: p.portalUrl,
    afterHoursMessage: p.afterHoursMessage,
    afterHoursMessageEs: p.settings.afterHoursMessageEs ?? null,
    ringGroup: p.settings.ringGroup ? { numbers: p.settings.ringGroup.numbers, timeoutSeconds: p.settings.ringGroup.timeoutSeconds ?? 20 } : null,
    onCall: { phone: p.onCallPhone, email: p.onCallEmail },
    portalWebhook: { url: p.portalWebhookUrl, secretSet: Boolean(p.portalWebhookSecret) },
    queues: queueRows.filter((q) => q.practiceId === p.id).map((q) => ({ id: q.id, key: q.key, name: q.name, urgent: q.urgent })),
    active: p.active,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }));
}

export async function listPractices(db: Database, who: Principal): Promise<PracticeView[]> {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  if (who.practiceIds !== 'all' && who.practiceIds.length === 0) return [];
  const rows = await db
    .select()
    .from(practices)
    .where(who.practiceIds === 'all' ? undefined : inArray(practices.id, who.practiceIds))
    .orderBy(asc(practices.name), asc(practices.id));
  return views(db, rows);
}

/** A practice by id or slug, for those who may see it. */
export async function getPractice(db: Db, who: Principal, idOrSlug: string): Promise<PracticeView> {
  const row = await findPractice(db, idOrSlug);
  if (!row || !canSeePractice(who, row.id)) throw notFound('practice');
  return (await views(db, [row]))[0]!;
}

export async function findPractice(db: Db, idOrSlug: string) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const [row] = await db
    .select()
    .from(practices)
    .where(isUuid ? eq(practices.id, idOrSlug) : eq(practices.slug, idOrSlug));
  return row ?? null;
}

export const defaultQueues = [
  { key: 'urgent', name: 'Urgent', urgent: true },
  { key: 'scheduling', name: 'Scheduling', urgent: false },
  { key: 'refills', name: 'Refills', urgent: false },
  { key: 'billing', name: 'Billing and insurance', urgent: false },
  {
    key: 'insurance',
    name: 'Insurance and authorisations',
    urgent: false,
    // what a payer asks before it verifies coverage or decides a prior authorisation
    playbook: {
      items: [
        { key: 'payer', label: 'Payer and plan' },
        { key: 'member_id', label: 'Member id' },
        { key: 'date_of_birth', label: 'Patient date of birth', entity: 'dateOfBirth' },
        { key: 'procedure_or_medication', label: 'Procedure or medication (with codes)', entity: 'medications' },
        { key: 'ordering_provider', label: 'Ordering provider' },
        { key: 'deadline', label: 'Deadline (appointment, procedure or fill date)', entity: 'dates' },
        { key: 'reference', label: 'Payer reference or authorisation number' },
      ],
    },
    sla: { routine: { firstResponseMinutes: 480, businessHours: true } },
  },
  { key: 'records', name: 'Records', urgent: false },
  { key: 'clinical', name: 'Clinical (nurse)', urgent: false },
  { key: 'general', name: 'General', urgent: false },
];

export async function createPractice(
  db: Database,
  who: Principal | 'system',
  input: z.input<typeof CreatePracticeSchema>,
  requestId: string | null = null,
): Promise<PracticeView> {
  if (who !== 'system' && !isAdmin(who)) throw forbidden('only admins manage practices');
  // a new practice is outside every scope but the global one
  if (who !== 'system' && !isGlobalAdmin(who)) throw forbidden('only an admin of every practice adds practices');
  const data = CreatePracticeSchema.parse(input);
  return db.transaction(async (tx) => {
    if (await findPractice(tx, data.slug)) throw new AppError('conflict', `a practice with slug "${data.slug}" exists`);
    await assertAddressesFree(tx, data.phoneNumbers, data.emailAddresses, null);
    const [row] = await tx
      .insert(practices)
      .values({
        slug: data.slug,
        name: data.name,
        timeZone: data.timeZone,
        hours: data.hours,
        mainPhone: data.mainPhone ?? data.phoneNumbers[0] ?? null,
        address: data.address ?? null,
        fax: data.fax ?? null,
        website: data.website ?? null,
        portalUrl: data.portalUrl ?? null,
        afterHoursMessage: data.afterHoursMessage ?? null,
        onCallPhone: data.onCall?.phone ?? null,
        onCallEmail: data.onCall?.email ?? null,
        portalWebhookUrl: data.portalWebhook?.url ?? null,
        portalWebhookSecret: data.portalWebhook?.secret ?? null,
        settings: withSettings({}, data),
      })
      .returning();
    await replaceAddresses(tx, row!.id, data.phoneNumbers, data.emailAddresses);
    await tx.insert(queues).values(defaultQueues.map((q) => ({ ...q, practiceId: row!.id })));
    await seedDefaultRules(tx, row!.id);
    await audit(tx, who, requestId, { action: 'practice.create', subjectType: 'practice', subjectId: row!.id, practiceId: row!.id });
    return (await views(tx, [row!]))[0]!;
  });
}

export async function updatePractice(
  db: Database,
  who: Principal,
  idOrSlug: string,
  input: z.input<typeof UpdatePracticeSchema>,
  requestId: string | null,
): Promise<PracticeView> {
  if (!isAdmin(who)) throw forbidden('only admins manage practices');
  const data = UpdatePracticeSchema.parse(input);
  return db.transaction(async (tx) => {
    const current = await findPractice(tx, idOrSlug);
    if (!current || !canSeePractice(who, current.id)) throw notFound('practice');
    if (data.slug && data.slug !== current.slug && (await findPractice(tx, data.slug))) {
      throw new AppError('conflict', `a practice with slug "${data.slug}" exists`);
    }
    const set: Partial<typeof practices.$inferInsert> = { updatedAt: new Date() };
    if (data.name !== undefined) set.name = data.name;
    if (data.slug !== undefined) set.slug = data.slug;
    if (data.timeZone !== undefined) set.timeZone = data.timeZone;
    if (data.hours !== undefined) set.hours = data.hours;
    if (data.mainPhone !== undefined) set.mainPhone = data.mainPhone;
    if (data.address !== undefined) set.address = data.address;
    if (data.fax !== undefined) set.fax = data.fax;
    if (data.website !== undefined) set.website = data.website;
    if (data.portalUrl !== undefined) set.portalUrl = data.portalUrl;
    if (data.afterHoursMessage !== undefined) set.afterHoursMessage = data.afterHoursMessage;
    if (data.active !== undefined) set.active = data.active;
    if (data.onCall?.phone !== undefined) set.onCallPhone = data.onCall.phone;
    if (data.onCall?.email !== undefined) set.onCallEmail = data.onCall.email;
    if (data.portalWebhook !== undefined) {
      set.portalWebhookUrl = data.portalWebhook.url;
      if (data.portalWebhook.secret !== undefined) set.portalWebhookSecret = data.portalWebhook.secret;
    }
    if (data.afterHoursMessageEs !== undefined || data.ringGroup !== undefined) set.settings = withSettings(current.settings, data);
    if (data.phoneNumbers !== undefined || data.emailAddresses !== undefined) {
      const existing = await tx.select().from(practiceAddresses).where(eq(practiceAddresses.practiceId, current.id));
      const phones = data.phoneNumbers ?? existing.filter((a) => a.kind === 'phone').map((a) => a.value);
      const emails = data.emailAddresses ?? existing.filter((a) => a.kind === 'email').map((a) => a.value);
      if (!data.confirm) await assertNotStranding(tx, current.id, existing, phones, emails);
      await assertAddressesFree(tx, phones, emails, current.id);
      await replaceAddresses(tx, current.id, phones, emails);
    }
    const [row] = await tx.update(practices).set(set).where(eq(practices.id, current.id)).returning();
    await audit(tx, who, requestId, {
      action: 'practice.update',
      subjectType: 'practice',
      subjectId: current.id,
      practiceId: current.id,
      detail: { fields: Object.keys(data) },
    });
    return (await views(tx, [row!]))[0]!;
  });
}

/** The practice's settings with the fields the request names (null clears one). */
function withSettings(current: PracticeSettings, data: { afterHoursMessageEs?: string | null; ringGroup?: { numbers: string[]; timeoutSeconds: number } | null }): PracticeSettings {
  const next: PracticeSettings = { ...current };
  if (data.afterHoursMessageEs !== undefined) {
    if (data.afterHoursMessageEs === null) delete next.afterHoursMessageEs;
    else next.afterHoursMessageEs = data.afterHoursMessageEs;
  }
  if (data.ringGroup !== undefined) {
    if (data.ringGroup === null) delete next.ringGroup;
    else next.ringGroup = data.ringGroup;
  }
  return next;
}

/**
 * Taking away a practice's last number (or last email address) while patients are talking to
 * it on that channel strands them: their next message reaches no practice. Asked to confirm.
 */
async function assertNotStranding(db: Db, practiceId: string, existing: { kind: string }[], phones: string[], emails: string[]) {
  const lost: ('phone' | 'email')[] = [];
  if (phones.length === 0 && existing.some((a) => a.kind === 'phone')) lost.push('phone');
  if (emails.length === 0 && existing.some((a) => a.kind === 'email')) lost.push('email');
  if (lost.length === 0) return;
  const channels = lost.flatMap((k) => (k === 'phone' ? ['sms', 'voice'] : ['email'])) as ('sms' | 'voice' | 'email')[];
  const [open] = await db
    .select({ n: count() })
    .from(conversations)
    .where(and(eq(conversations.practiceId, practiceId), ne(conversations.status, 'resolved'), inArray(conversations.channel, channels)));
  const n = Number(open?.n ?? 0);
  if (n > 0) {
    throw new AppError(
      'confirmation_required',
      `this removes the practice's last ${lost.join(' and last ')} ${lost.length > 1 ? 'addresses' : lost[0] === 'phone' ? 'number' : 'address'} while ${n} conversation${n === 1 ? ' is' : 's are'} open on it; patients' next messages would reach no practice (they are held for admins). Send "confirm": true to do it anyway`,
      { openConversations: n },
    );
  }
}

async function assertAddressesFree(db: Db, phones: string[], emails: string[], practiceId: string | null) {
  const values = [...phones, ...emails];
  if (values.length === 0) return;
  const taken = await db
    .select({ value: practiceAddresses.value, practiceId: practiceAddresses.practiceId })
    .from(practiceAddresses)
    .where(inArray(practiceAddresses.value, values));
  const clash = taken.find((t) => t.practiceId !== practiceId);
  if (clash) throw new AppError('conflict', `${clash.value} already belongs to another practice`);
}

async function replaceAddresses(db: Db, practiceId: string, phones: string[], emails: string[]) {
  await db.delete(practiceAddresses).where(eq(practiceAddresses.practiceId, practiceId));
  const rows = [
    ...[...new Set(phones)].map((value) => ({ practiceId, kind: 'phone' as const, value, sms: true, voice: true })),
    ...[...new Set(emails)].map((value) => ({ practiceId, kind: 'email' as const, value })),
  ];
  if (rows.length > 0) await db.insert(practiceAddresses).values(rows);
}

/** The practice an inbound message was sent to, by its number or address (every webhook asks: prepared). */
const byAddress = new WeakMap<object, ReturnType<typeof prepareByAddress>>();
function prepareByAddress(db: Db) {
  return db
    .select({ practice: practices })
    .from(practiceAddresses)
    .innerJoin(practices, eq(practices.id, practiceAddresses.practiceId))
    .where(and(eq(practiceAddresses.kind, sql.placeholder('kind')), eq(practiceAddresses.value, sql.placeholder('value')), eq(practices.active, true)))
    .prepare('sb_practice_by_address');
}

export async function practiceByAddress(db: Db, kind: 'phone' | 'email', value: string) {
  let stmt = byAddress.get(db);
  if (!stmt) byAddress.set(db, (stmt = prepareByAddress(db)));
  const [row] = await stmt.execute({ kind, value });
  return row?.practice ?? null;
}

/** New practices start with the default rules as version 1. */
export async function seedDefaultRules(db: Db, practiceId: string) {
  const [existing] = await db.select({ id: routingRuleSets.id }).from(routingRuleSets).where(eq(routingRuleSets.practiceId, practiceId)).limit(1);
  if (existing) return;
  await db.insert(routingRuleSets).values({ practiceId, version: 1, rules: defaultRuleSet().rules, note: 'default rules' });
}

