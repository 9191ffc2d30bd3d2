import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { apiTokens, practiceGrants, queueGrants, sessions, users } from '../platform/db/schema';
import { hashToken } from './secrets';
import type { Principal } from './principal';

export const sessionCookie = 'sb_session';
export const sessionTtlMs = 12 * 3600_000;

/**
 * Deactivated users and revoked tokens are looked up on every request, so either takes
 * effect on the next one.
 */
// Every API request looks its caller up: prepared once per database (a hot path).
const prepared = new WeakMap<Database, ReturnType<typeof prepare>>();
function prepare(db: Database) {
  return {
    token: db
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
      .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
      .prepare('sb_token_lookup'),
    session: db
      .select({ userId: users.id, role: users.role, csrfToken: sessions.csrfToken })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sql.placeholder('id')), gt(sessions.expiresAt, sql.placeholder('now')), eq(users.active, true)))
      .prepare('sb_session_lookup'),
  };
}
const statements = (db: Database) => {
  let s = prepared.get(db);
  if (!s) prepared.set(db, (s = prepare(db)));
  return s;
};

export async function principalFromToken(db: Database, token: string, now: Date): Promise<Principal | null> {
  const [row] = await statements(db).token.execute({ hash: hashToken(token) });
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
  const [row] = await statements(db).session.execute({ id: hashToken(cookie), now: now.toISOString() });
  if (!row) return null;
  return { ...(await userGrants(db, row.userId, row.role)), kind: 'user', tokenId: null, csrfToken: row.csrfToken };
}

export async function userGrants(
  db: Database,
  userId: string,
  role: Principal['role'],
): Promise<Pick<Principal, 'userId' | 'role' | 'practiceIds' | 'queueIds'>> {
  const practices = await db
    .select({ practiceId: practiceGrants.practiceId })
    .from(practiceGrants)
    .where(eq(practiceGrants.userId, userId));
  const practiceIds = practices.map((p) => p.practiceId);
  // an admin granted practices administers those only (made by a practice's admin); without any, every practice
  if (role === 'admin') return { userId, role, practiceIds: practiceIds.length > 0 ? practiceIds : 'all', queueIds: null };
  if (role !== 'assistant') return { userId, role, practiceIds, queueIds: null };
  const queues = await db.select({ queueId: queueGrants.queueId }).from(queueGrants).where(eq(queueGrants.userId, userId));
  return { userId, role, practiceIds, queueIds: queues.map((q) => q.queueId) };
}
