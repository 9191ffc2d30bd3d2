import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { practices } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';
import { OUTREACH_END_HOUR, OUTREACH_START_HOUR } from '../platform/time';
import { BusinessHoursSchema, E164, findPractice } from './practices';

/*
 * The part of a practice its office manager runs day to day: hours and closed dates, the
 * on-call contact, the after-hours messages in English and Spanish, and the details templates
 * print (main phone, address, fax, website, portal). Numbers and inbound addresses, the slug
 * and the portal webhook stay with admins (`PATCH /api/v1/practices/{id}`): they decide where
 * patients' messages land.
 */

export const OfficeSettingsSchema = z
  .object({
    practiceId: z.uuid(),
    name: z.string(),
    timeZone: z.string(),
    hours: BusinessHoursSchema,
    afterHoursMessage: z.string().nullable(),
    afterHoursMessageEs: z.string().nullable(),
    onCall: z.object({ phone: z.string().nullable(), email: z.string().nullable() }),
    mainPhone: z.string().nullable(),
    address: z.string().nullable(),
    fax: z.string().nullable(),
    website: z.string().nullable(),
    portalUrl: z.string().nullable(),
    quietHours: z
      .object({ start: z.string(), end: z.string() })
      .openapi({ description: 'automated outreach goes out only between these local times in the patient’s zone (fixed by policy: TCPA)' }),
  })
  .openapi('OfficeSettings');

export const UpdateOfficeSettingsSchema = z
  .object({
    hours: BusinessHoursSchema,
    afterHoursMessage: z.string().trim().max(1000).nullable(),
    afterHoursMessageEs: z.string().trim().max(1000).nullable(),
    onCall: z.object({ phone: E164.nullable(), email: z.email().nullable() }).partial(),
    mainPhone: E164.nullable(),
    address: z.string().max(500).nullable(),
    fax: z.string().max(50).nullable(),
    website: z.url().nullable(),
    portalUrl: z.url().nullable(),
  })
  .partial()
  .openapi('UpdateOfficeSettings');

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

function view(p: typeof practices.$inferSelect): z.infer<typeof OfficeSettingsSchema> {
  return {
    practiceId: p.id,
    name: p.name,
    timeZone: p.timeZone,
    hours: { weekly: p.hours.weekly, closedDates: p.hours.closedDates ?? [] },
    afterHoursMessage: p.afterHoursMessage,
    afterHoursMessageEs: p.settings.afterHoursMessageEs ?? null,
    onCall: { phone: p.onCallPhone, email: p.onCallEmail },
    mainPhone: p.mainPhone,
    address: p.address,
    fax: p.fax,
    website: p.website,
    portalUrl: p.portalUrl,
    quietHours: { start: hh(OUTREACH_START_HOUR), end: hh(OUTREACH_END_HOUR) },
  };
}

async function load(db: Db, who: Principal, idOrSlug: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const p = await findPractice(db, idOrSlug);
  if (!p || !canSeePractice(who, p.id)) throw notFound('practice');
  return p;
}

export async function getOfficeSettings(db: Database, who: Principal, idOrSlug: string) {
  return view(await load(db, who, idOrSlug));
}

export async function updateOfficeSettings(db: Database, who: Principal, idOrSlug: string, input: z.input<typeof UpdateOfficeSettingsSchema>, requestId: string | null) {
  const data = UpdateOfficeSettingsSchema.parse(input);
  return db.transaction(async (tx) => {
    const p = await load(tx, who, idOrSlug);
    if (!isManagerOf(who, p.id)) throw forbidden('only the practice’s managers change its settings');
    const set: Partial<typeof practices.$inferInsert> = { updatedAt: new Date() };
    if (data.hours !== undefined) set.hours = data.hours;
    if (data.afterHoursMessage !== undefined) set.afterHoursMessage = data.afterHoursMessage || null;
    if (data.onCall?.phone !== undefined) set.onCallPhone = data.onCall.phone;
    if (data.onCall?.email !== undefined) set.onCallEmail = data.onCall.email;
    if (data.mainPhone !== undefined) set.mainPhone = data.mainPhone;
    if (data.address !== undefined) set.address = data.address || null;
    if (data.fax !== undefined) set.fax = data.fax || null;
    if (data.website !== undefined) set.website = data.website;
    if (data.portalUrl !== undefined) set.portalUrl = data.portalUrl;
    if (data.afterHoursMessageEs !== undefined) {
      const { afterHoursMessageEs: _old, ...rest } = p.settings;
      set.settings = data.afterHoursMessageEs ? { ...rest, afterHoursMessageEs: data.afterHoursMessageEs } : rest;
    }
    const [row] = await tx.update(practices).set(set).where(eq(practices.id, p.id)).returning();
    await audit(tx, who, requestId, { action: 'practice.update', subjectType: 'practice', subjectId: p.id, practiceId: p.id, detail: { fields: Object.keys(data), via: 'office' } });
    return view(row!);
  });
}
