import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { apiTokens, practiceGrants, queueGrants, sessions, users } from '../db/schema';
import { hashToken } from './secrets';
import type { Principal } from './principal';

export const sessionCookie = 'sb_session';
export const sessionTtlMs = 12 * 3600_000;

/**
 * Deactivated users and revoked tokens are looked up on every request, so either takes
 * effect on the next one.
 */
export async function principalFromToken(db: Database, token: string, now: Date): Promise<Principal | null> {
  const [row] = await db
    .select({
      id: apiTokens.id,
      role: apiTokens.role,
      practiceId: apiTokens.practiceId,
      userId: apiTokens.userId,
      userActive: users.active,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  if (row.userId && !row.userActive) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 5 * 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return {
    kind: 'token',
    userId: row.userId,
    tokenId: row.id,
    role: row.role,
    practiceIds: row.practiceId ? [row.practiceId] : row.role === 'admin' ? 'all' : [],
    queueIds: null,
  };
}

export async function principalFromSession(db: Database, cookie: string, now: Date): Promise<Principal | null> {
  const [row] = await db
    .select({ userId: users.id, role: users.role, csrfToken: sessions.csrfToken })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, hashToken(cookie)), gt(sessions.expiresAt, now), eq(users.active, true)));
  if (!row) return null;
  return { ...(await userGrants(db, row.userId, row.role)), kind: 'user', tokenId: null, csrfToken: row.csrfToken };
}

export async function userGrants(
  db: Database,
  userId: string,
  role: Principal['role'],
): Promise<Pick<Principal, 'userId' | 'role' | 'practiceIds' | 'queueIds'>> {
  if (role === 'admin') return { userId, role, practiceIds: 'all', queueIds: null };
  const practices = await db
    .select({ practiceId: practiceGrants.practiceId })
    .from(practiceGrants)
    .where(eq(practiceGrants.userId, userId));
  const practiceIds = practices.map((p) => p.practiceId);
  if (role !== 'assistant') return { userId, role, practiceIds, queueIds: null };
  const queues = await db.select({ queueId: queueGrants.queueId }).from(queueGrants).where(eq(queueGrants.userId, userId));
  return { userId, role, practiceIds, queueIds: queues.map((q) => q.queueId) };
}
