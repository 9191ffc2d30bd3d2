import { z } from '@hono/zod-openapi';
import { and, desc, eq, gte, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { apiTokens, auditEvents, users } from '../platform/db/schema';
import { auditActions, auditListPage } from '../access/audit';
import type { Principal } from '../access/principal';
import { AppError, forbidden } from '../platform/errors';

const iso = (what: string) => z.iso.datetime({ offset: true, error: `${what}: must be an ISO 8601 time, e.g. 2026-01-05T00:00:00Z` });

export const AuditQuery = z.object({
  actor: z
    .string()
    .trim()
    .max(254)
    .optional()
    .openapi({ description: "a user id, a token id, a user's email, or `system`" }),
  patientId: z.uuid().optional().openapi({ description: 'entries about this patient, list pages that showed them included' }),
  action: z
    .string()
    .trim()
    .max(80)
    .refine((a) => (a.endsWith('.*') ? /^[a-z_.]+\.\*$/.test(a) : (auditActions as readonly string[]).includes(a)), 'must be an action (patient.read) or a family (patient.*)')
    .optional(),
  practiceId: z.uuid().optional(),
  from: iso('from').optional().openapi({ description: 'from this time (inclusive)' }),
  to: iso('to').optional().openapi({ description: 'before this time (exclusive)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(40).optional(),
});

export const AuditEventSchema = z
  .object({
    id: z.number(),
    at: z.string(),
    practiceId: z.uuid().nullable(),
    actor: z.object({ type: z.enum(['user', 'token', 'system']), userId: z.uuid().nullable(), tokenId: z.uuid().nullable(), name: z.string().nullable() }),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    patientId: z.uuid().nullable(),
    patientIds: z.array(z.uuid()).openapi({ description: 'for a list page: every patient it showed' }),
    requestId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEvent');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /api/v1/audit`: newest first, keyset-paged by the entry's id (the log's own order).
 * Admins see every entry; managers the entries of their practices (entries with no practice,
 * such as an admin's token changes, are the admins'). Reading the log is itself logged,
 * once per page shown.
 */
export async function listAudit(db: Database, who: Principal, input: z.input<typeof AuditQuery>, requestId: string | null) {
  const q = AuditQuery.parse(input);
  if (who.role !== 'admin' && who.role !== 'manager') throw forbidden('only admins and managers read the audit log');
  const where: (SQL | undefined)[] = [];
  if (who.practiceIds !== 'all') {
    if (who.practiceIds.length === 0) return { data: [], nextCursor: null };
    where.push(inArray(auditEvents.practiceId, who.practiceIds));
  }
  if (q.practiceId) where.push(eq(auditEvents.practiceId, q.practiceId));
  if (q.actor) {
    if (q.actor === 'system') where.push(eq(auditEvents.actorType, 'system'));
    else if (UUID.test(q.actor)) where.push(or(eq(auditEvents.actorUserId, q.actor), eq(auditEvents.actorTokenId, q.actor)));
    else {
      const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, q.actor.toLowerCase()));
      if (!u) return { data: [], nextCursor: null };
      where.push(eq(auditEvents.actorUserId, u.id));
    }
  }
  if (q.patientId) {
    where.push(or(eq(auditEvents.patientId, q.patientId), sql`(${auditEvents.detail} -> 'patientIds') @> jsonb_build_array(${q.patientId}::text)`));
  }
  if (q.action) where.push(q.action.endsWith('.*') ? like(auditEvents.action, `${q.action.slice(0, -1)}%`) : eq(auditEvents.action, q.action));
  if (q.from) where.push(gte(auditEvents.createdAt, new Date(q.from)));
  if (q.to) where.push(lt(auditEvents.createdAt, new Date(q.to)));
  if (q.cursor) {
    const id = Number(Buffer.from(q.cursor, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('validation_failed', 'cursor: not a cursor this API gave out');
    where.push(lt(auditEvents.id, id));
  }
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ e: auditEvents, userName: users.name, userEmail: users.email, tokenName: apiTokens.name })
      .from(auditEvents)
      .leftJoin(users, eq(users.id, auditEvents.actorUserId))
      .leftJoin(apiTokens, eq(apiTokens.id, auditEvents.actorTokenId))
      .where(and(...where))
      .orderBy(desc(auditEvents.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const patientIdsOf = (d: Record<string, unknown> | null) => (Array.isArray(d?.patientIds) ? (d.patientIds as unknown[]).filter((x): x is string => typeof x === 'string') : []);
    await auditListPage(tx, who, requestId, {
      action: 'audit.list',
      subjectType: 'audit_event',
      rows: page.map(({ e }) => ({ id: String(e.id), patientId: e.patientId, practiceId: e.practiceId })),
    });
    const last = page.at(-1);
    return {
      data: page.map(({ e, userName, userEmail, tokenName }) => ({
        id: e.id,
        at: e.createdAt.toISOString(),
        practiceId: e.practiceId,
        actor: { type: e.actorType, userId: e.actorUserId, tokenId: e.actorTokenId, name: userName ?? userEmail ?? tokenName ?? null },
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        patientId: e.patientId,
        patientIds: e.patientId ? [e.patientId] : patientIdsOf(e.detail),
        requestId: e.requestId,
        detail: e.detail,
      })),
      nextCursor: rows.length > q.limit && last ? Buffer.from(String(last.e.id)).toString('base64url') : null,
    };
  });
}
