import { eq } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { sessions, users } from '../platform/db/schema';
import { sessionTtlMs } from '../access/authenticate';
import { hashToken, randomToken, verifyPassword } from '../access/secrets';
import { audit } from '../access/audit';

// A password hash to compare against when the email is unknown, so both cases take as long.
const decoyHash = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$' + 'A'.repeat(86);

export async function login(db: Database, email: string, password: string, now: Date) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  const ok = await verifyPassword(password, user?.passwordHash ?? decoyHash);
  if (!user || !ok || !user.active) return null;
  const cookie = randomToken();
  const csrfToken = randomToken(24);
  await db.transaction(async (tx) => {
    await tx.insert(sessions).values({
      id: hashToken(cookie),
      userId: user.id,
      csrfToken,
      expiresAt: new Date(now.getTime() + sessionTtlMs),
    });
    await tx.update(users).set({ lastSeenAt: now }).where(eq(users.id, user.id));
    await audit(tx, { kind: 'user', userId: user.id, tokenId: null, role: user.role, practiceIds: [], queueIds: null }, null, {
      action: 'session.login',
      subjectType: 'user',
      subjectId: user.id,
    });
  });
  return { cookie, csrfToken, user: { id: user.id, email: user.email, role: user.role, name: user.name } };
}

export async function logout(db: Database, cookie: string) {
  await db.delete(sessions).where(eq(sessions.id, hashToken(cookie)));
}
