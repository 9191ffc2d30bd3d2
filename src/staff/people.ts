import { z } from '@hono/zod-openapi';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { apiTokens, practiceGrants, queueGrants, queues, sessions, users, type Role, type TokenRole } from '../platform/db/schema';
import { canSeePractice, coversPractices, isAdmin, isGlobalAdmin, type Principal } from '../access/principal';
import { generatePassword, hashPassword, hashToken, randomToken } from '../access/secrets';
import { AppError, forbidden, notFound } from '../platform/errors';
import { audit } from '../access/audit';
import { findPractice } from '../practices/practices';

export const roles = ['admin', 'manager', 'assistant'] as const satisfies readonly Role[];
export const tokenRoles = ['admin', 'manager', 'assistant', 'portal'] as const satisfies readonly TokenRole[];

export const AddUserSchema = z
  .object({
    email: z.email().transform((e) => e.toLowerCase()),
    name: z.string().trim().max(200).optional(),
    role: z.enum(roles),
    /** ids or slugs */
    practices: z.array(z.string()).max(200).default([]),
    /** queue keys within the granted practices (assistants); none: no queue */
    queues: z.array(z.string()).max(200).optional(),
    password: z.string().min(10, 'must be at least 10 characters').max(200).optional(),
  })
  .openapi('AddUser');

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(roles),
    active: z.boolean(),
    presence: z.string(),
    practiceIds: z.array(z.uuid()),
    queueIds: z.array(z.uuid()),
    createdAt: z.string(),
  })
  .openapi('User');

export type UserView = z.infer<typeof UserSchema>;

/** Adds a person; without a password one is generated and returned once. */
export async function addUser(
  db: Database,
  who: Principal | 'system',
  input: z.input<typeof AddUserSchema>,
  requestId: string | null = null,
): Promise<{ user: UserView; password: string; generated: boolean }> {
  if (who !== 'system' && !isAdmin(who)) throw forbidden('only admins add users');
  const data = AddUserSchema.parse(input);
  if (data.role !== 'admin' && data.practices.length === 0) {
    throw new AppError('validation_failed', 'practices: a manager or assistant needs at least one practice');
  }
  // an admin of some practices grants only what it holds: an admin without practices would administer every one
  if (who !== 'system' && !isGlobalAdmin(who) && data.practices.length === 0) {
    throw forbidden('an admin of some practices adds people to those practices only: name them in practices');
  }
  const password = data.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [exists] = await tx.select({ id: users.id }).from(users).where(eq(users.email, data.email));
    if (exists) throw new AppError('conflict', `a user with email ${data.email} exists`);
    const practiceIds: string[] = [];
    for (const ref of data.practices) {
      const p = await findPractice(tx, ref);
      if (!p || (who !== 'system' && !canSeePractice(who, p.id))) throw new AppError('validation_failed', `practices: no practice "${ref}"`);
      practiceIds.push(p.id);
    }
    const [user] = await tx
      .insert(users)
      .values({ email: data.email, name: data.name ?? null, role: data.role, passwordHash, presence: 'offline' })
      .returning();
    if (practiceIds.length > 0) await tx.insert(practiceGrants).values(practiceIds.map((practiceId) => ({ userId: user!.id, practiceId })));
    let queueIds: string[] = [];
    if (data.role === 'assistant' && practiceIds.length > 0) {
      const rows = await tx.select().from(queues).where(inArray(queues.practiceId, practiceIds));
      // an assistant added without --queues gets every queue of the granted practices but the urgent one
      const wanted = data.queues ? rows.filter((q) => data.queues!.includes(q.key)) : rows.filter((q) => !q.urgent);
      if (data.queues) {
        const missing = data.queues.filter((k) => !rows.some((q) => q.key === k));
        if (missing.length > 0) throw new AppError('validation_failed', `queues: no queue "${missing[0]}" in the granted practices`);
      }
      queueIds = wanted.map((q) => q.id);
      if (queueIds.length > 0) await tx.insert(queueGrants).values(queueIds.map((queueId) => ({ userId: user!.id, queueId })));
    }
    await audit(tx, who, requestId, { action: 'user.create', subjectType: 'user', subjectId: user!.id, detail: { role: data.role } });
    return {
      user: { ...toView(user!), practiceIds, queueIds },
      password,
      generated: data.password === undefined,
    };
  });
}

function toView(u: typeof users.$inferSelect): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    active: u.active,
    presence: u.presence,
    practiceIds: [],
    queueIds: [],
    createdAt: u.createdAt.toISOString(),
  };
}

export async function listUsers(db: Database, who: Principal): Promise<UserView[]> {
  if (who.role !== 'admin' && who.role !== 'manager') throw forbidden('only admins and managers list users');
  const rows = await db.select().from(users).orderBy(asc(users.email));
  const grants = await db.select().from(practiceGrants);
  const qgrants = await db.select().from(queueGrants);
  return rows
    .map((u) => ({
      ...toView(u),
      practiceIds: grants.filter((g) => g.userId === u.id).map((g) => g.practiceId),
      queueIds: qgrants.filter((g) => g.userId === u.id).map((g) => g.queueId),
    }))
    .filter((u) => who.practiceIds === 'all' || u.practiceIds.some((p) => canSeePractice(who, p)));
}

/** Takes effect on the next request: sessions are dropped and tokens of the user stop working. */
export async function deactivateUser(db: Database, who: Principal, userId: string, requestId: string | null) {
  if (!isAdmin(who)) throw forbidden('only admins deactivate users');
  if (userId === who.userId) throw new AppError('conflict', 'you cannot deactivate yourself');
  return db.transaction(async (tx) => {
    await assertAdministers(tx, who, userId);
    const [u] = await tx
      .update(users)
      .set({ active: false, deactivatedAt: new Date(), presence: 'offline', updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    if (!u) throw notFound('user');
    await tx.delete(sessions).where(eq(sessions.userId, userId));
    await audit(tx, who, requestId, { action: 'user.deactivate', subjectType: 'user', subjectId: userId });
    return { ...toView(u) };
  });
}

/**
 * A scoped admin acts on people of its practices only: a user it cannot see at all is not
 * found; one who also works for another practice (or administers every practice) is refused.
 */
export async function assertAdministers(tx: Db, who: Principal, userId: string) {
  if (isGlobalAdmin(who)) return;
  const [target] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
  const grants = (await tx.select({ practiceId: practiceGrants.practiceId }).from(practiceGrants).where(eq(practiceGrants.userId, userId))).map(
    (g) => g.practiceId,
  );
  if (!target || !grants.some((p) => canSeePractice(who, p))) throw notFound('user');
  if (!coversPractices(who, grants)) throw forbidden('this user also works for practices you do not administer');
}

export async function setPassword(db: Database, email: string, password?: string) {
  const pw = password ?? generatePassword();
  const [u] = await db
    .update(users)
    .set({ passwordHash: await hashPassword(pw), updatedAt: new Date() })
    .where(eq(users.email, email.toLowerCase()))
    .returning({ id: users.id });
  if (!u) throw notFound('user');
  await db.delete(sessions).where(eq(sessions.userId, u.id));
  await audit(db, 'system', null, { action: 'user.password_reset', subjectType: 'user', subjectId: u.id });
  return { password: pw, generated: password === undefined };
}

export const CreateTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(tokenRoles),
    /** id or slug; required for every role but admin */
    practice: z.string().optional(),
  })
  .openapi('CreateToken');

export const TokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(tokenRoles),
    practiceId: z.uuid().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiToken');

export async function createToken(
  db: Database,
  who: Principal | 'system',
  input: z.input<typeof CreateTokenSchema>,
  requestId: string | null = null,
): Promise<{ token: string; view: z.infer<typeof TokenSchema> }> {
  if (who !== 'system' && !isAdmin(who)) throw forbidden('only admins make tokens');
  const data = CreateTokenSchema.parse(input);
  if (data.role !== 'admin' && !data.practice) {
    throw new AppError('validation_failed', `practice: a ${data.role} token needs a practice`);
  }
  if (who !== 'system' && !isGlobalAdmin(who) && !data.practice) {
    throw forbidden('an admin of some practices makes tokens for those practices only: name the practice');
  }
  return db.transaction(async (tx) => {
    let practiceId: string | null = null;
    if (data.practice) {
      const p = await findPractice(tx, data.practice);
      if (!p || (who !== 'system' && !canSeePractice(who, p.id))) throw new AppError('validation_failed', `practice: no practice "${data.practice}"`);
      practiceId = p.id;
    }
    const token = randomToken();
    const [row] = await tx
      .insert(apiTokens)
      .values({
        name: data.name,
        role: data.role,
        practiceId,
        tokenHash: hashToken(token),
        createdById: who === 'system' ? null : who.userId,
      })
      .returning();
    await audit(tx, who, requestId, { action: 'token.create', subjectType: 'api_token', subjectId: row!.id, practiceId, detail: { role: data.role } });
    return { token, view: tokenView(row!) };
  });
}

function tokenView(t: typeof apiTokens.$inferSelect): z.infer<typeof TokenSchema> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    practiceId: t.practiceId,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export async function listTokens(db: Database, who: Principal) {
  if (!isAdmin(who)) throw forbidden('only admins list tokens');
  const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt));
  // a token without a practice reaches every practice: only a global admin sees those
  return rows.filter((t) => (t.practiceId === null ? isGlobalAdmin(who) : canSeePractice(who, t.practiceId))).map(tokenView);
}

export async function revokeToken(db: Database, who: Principal, tokenId: string, requestId: string | null) {
  if (!isAdmin(who)) throw forbidden('only admins revoke tokens');
  return db.transaction(async (tx) => {
    const [current] = await tx.select({ practiceId: apiTokens.practiceId }).from(apiTokens).where(eq(apiTokens.id, tokenId));
    if (!current || (current.practiceId === null ? !isGlobalAdmin(who) : !canSeePractice(who, current.practiceId))) throw notFound('token');
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
      .returning();
    if (!row) throw notFound('token');
    await audit(tx, who, requestId, { action: 'token.revoke', subjectType: 'api_token', subjectId: tokenId, practiceId: row.practiceId });
    return tokenView(row);
  });
}
