import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Database } from '../platform/db/client';
import { users } from '../platform/db/schema';
import type { Principal } from '../access/principal';
import { AppError } from '../platform/errors';
import { audit } from '../access/audit';

export const ProfileSchema = z
  .object({ id: z.uuid(), email: z.string(), name: z.string().nullable(), role: z.string(), phone: z.string().nullable().openapi({ description: 'rings first when you call a patient' }) })
  .openapi('Profile');

export const UpdateProfileSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable(),
    phone: z
      .string()
      .trim()
      .max(40)
      .nullable()
      .transform((v, ctx) => {
        if (v === null || v === '') return null;
        const n = parsePhoneNumberFromString(v, 'US');
        if (!n?.isValid()) {
          ctx.addIssue({ code: 'custom', message: 'must be a phone number, e.g. (415) 555-0100' });
          return z.NEVER;
        }
        return n.number as string;
      }),
  })
  .partial()
  .openapi('UpdateProfile');

function own(who: Principal): string {
  if (!who.userId) throw new AppError('forbidden', 'a profile belongs to a person: sign in, or use a token made for a user');
  return who.userId;
}

export async function getProfile(db: Database, who: Principal) {
  const [u] = await db.select().from(users).where(eq(users.id, own(who)));
  return { id: u!.id, email: u!.email, name: u!.name, role: u!.role, phone: u!.phone };
}

export async function updateProfile(db: Database, who: Principal, input: z.input<typeof UpdateProfileSchema>, now: Date, requestId: string | null) {
  const data = UpdateProfileSchema.parse(input);
  const id = own(who);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ ...data, updatedAt: now }).where(eq(users.id, id));
    await audit(tx, who, requestId, { action: 'user.update', subjectType: 'user', subjectId: id, detail: { fields: Object.keys(data) } });
  });
  return getProfile(db, who);
}
