import { z } from '@hono/zod-openapi';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { practiceGrants, queueGrants, queues, sessions, users } from '../platform/db/schema';
import { canSeePractice, coversPractices, isAdmin, isGlobalAdmin, type Principal } from '../access/principal';
import { generatePassword, hashPassword } from '../access/secrets';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';
import { findPractice } from '../practices/practices';
import { assertAdministers, listUsers, roles, type UserView } from './people';

/*
 * What an admin does to a person after adding them: change their name, role and grants
 * (practices, and queues for assistants), reset their password, deactivate (people.ts) and
 * reactivate. Grants are read on every request, so a change applies on the person's next one.
 */

export const UpdateUserSchema = z
  .object({
    name: z.string().trim().max(200).nullable(),
    role: z.enum(roles),
    /** ids or slugs; replaces the practice grants */
    practices: z.array(z.string().min(1).max(100)).max(200),
    /** queue ids within the granted practices (assistants); replaces the queue grants */
    queueIds: z.array(z.uuid()).max(500),
  })
  .partial()
  .openapi('UpdateUser');

export const ResetPasswordSchema = z
  .object({ password: z.string().min(10, 'must be at least 10 characters').max(200).optional().openapi({ description: 'default: a generated one, shown once' }) })
  .openapi('ResetPassword');

async function viewOf(db: Database, who: Principal, id: string): Promise<UserView> {
  const u = (await listUsers(db, who)).find((x) => x.id === id);
  if (!u) throw notFound('user');
  return u;
}

export async function updateUser(db: Database, who: Principal, id: string, input: z.input<typeof UpdateUserSchema>, requestId: string | null): Promise<UserView> {
  if (!isAdmin(who)) throw forbidden('only admins change users');
  const data = UpdateUserSchema.parse(input);
  await db.transaction(async (tx) => {
    // a scoped admin changes people of its practices only (issue 12, point 1)
    await assertAdministers(tx, who, id);
    const [u] = await tx.select().from(users).where(eq(users.id, id));
    if (!u) throw notFound('user');
    if (id === who.userId && data.role !== undefined && data.role !== u.role) throw new AppError('conflict', 'you cannot change your own role');
    const role = data.role ?? u.role;
    let practiceIds = (await tx.select({ p: practiceGrants.practiceId }).from(practiceGrants).where(eq(practiceGrants.userId, id))).map((g) => g.p);
    if (data.practices !== undefined) {
      practiceIds = [];
      for (const ref of data.practices) {
        const p = await findPractice(tx, ref);
        if (!p || !canSeePractice(who, p.id)) throw new AppError('validation_failed', `practices: no practice "${ref}"`);
        if (!practiceIds.includes(p.id)) practiceIds.push(p.id);
      }
      await tx.delete(practiceGrants).where(eq(practiceGrants.userId, id));
      if (practiceIds.length) await tx.insert(practiceGrants).values(practiceIds.map((practiceId) => ({ userId: id, practiceId })));
    }
    if (role !== 'admin' && practiceIds.length === 0) throw new AppError('validation_failed', 'practices: a manager or assistant needs at least one practice');
    // an admin without practices administers every practice: only a global admin grants that
    if (!isGlobalAdmin(who) && !coversPractices(who, practiceIds)) throw forbidden('an admin of some practices grants those practices only: name them in practices');
    if (data.queueIds !== undefined || data.practices !== undefined || role !== 'assistant') {
      const current = (await tx.select({ q: queueGrants.queueId }).from(queueGrants).where(eq(queueGrants.userId, id))).map((g) => g.q);
      let wanted = role === 'assistant' ? (data.queueIds ?? current) : [];
      if (wanted.length) {
        const rows = await tx.select({ id: queues.id, practiceId: queues.practiceId }).from(queues).where(inArray(queues.id, wanted));
        const bad = wanted.find((q) => !rows.some((r) => r.id === q));
        if (bad && data.queueIds !== undefined) throw new AppError('validation_failed', `queueIds: no queue ${bad}`);
        const outside = rows.find((r) => !practiceIds.includes(r.practiceId));
        if (outside && data.queueIds !== undefined) throw new AppError('validation_failed', `queueIds: queue ${outside.id} is not in the user's practices`);
        // queues of practices no longer granted fall away with them
        wanted = rows.filter((r) => practiceIds.includes(r.practiceId)).map((r) => r.id);
      }
      await tx.delete(queueGrants).where(eq(queueGrants.userId, id));
      if (wanted.length) await tx.insert(queueGrants).values(wanted.map((queueId) => ({ userId: id, queueId })));
    }
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (data.name !== undefined) set.name = data.name;
    if (data.role !== undefined) set.role = data.role;
    await tx.update(users).set(set).where(eq(users.id, id));
    await audit(tx, who, requestId, { action: 'user.update', subjectType: 'user', subjectId: id, detail: { fields: Object.keys(data), role } });
  });
  return viewOf(db, who, id);
}

/** A new password (given, or generated and returned once); the person's sessions end. */
export async function resetUserPassword(db: Database, who: Principal, id: string, input: z.input<typeof ResetPasswordSchema>, requestId: string | null) {
  if (!isAdmin(who)) throw forbidden('only admins reset passwords');
  const data = ResetPasswordSchema.parse(input);
  const password = data.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    // a scoped admin resets the passwords of people of its practices only (issue 12, point 1)
    await assertAdministers(tx, who, id);
    const [u] = await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, id)).returning({ id: users.id });
    if (!u) throw notFound('user');
    await tx.delete(sessions).where(eq(sessions.userId, id));
    await audit(tx, who, requestId, { action: 'user.password_reset', subjectType: 'user', subjectId: id });
  });
  return { user: await viewOf(db, who, id), password: data.password === undefined ? password : null };
}

export async function reactivateUser(db: Database, who: Principal, id: string, requestId: string | null): Promise<UserView> {
  if (!isAdmin(who)) throw forbidden('only admins reactivate users');
  await db.transaction(async (tx) => {
    await assertAdministers(tx, who, id);
    const [u] = await tx
      .update(users)
      .set({ active: true, deactivatedAt: null, updatedAt: new Date() })
      .where(and(eq(users.id, id)))
      .returning({ id: users.id });
    if (!u) throw notFound('user');
    await audit(tx, who, requestId, { action: 'user.reactivate', subjectType: 'user', subjectId: id });
  });
  return viewOf(db, who, id);
}
