import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json, listOf } from '../http/openapi';
import { AuditEventSchema, AuditQuery, listAudit } from './audit-log';

export function auditRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      tags: ['audit'],
      summary: 'The audit log, newest first (admins; managers for their practices)',
      description:
        'Filter by `actor` (user id, token id, email or `system`), `patientId` (includes list pages that showed the patient), `action` (exact, or a family like `patient.*`), `practiceId`, `from` and `to`. List views write one entry per page they showed, and none when the same page is shown again within 15 minutes (a console polling), so the log reads as what people looked at.',
      security: bearer,
      request: { query: AuditQuery },
      responses: { 200: json(listOf(AuditEventSchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json(await listAudit(c.get('deps').db, requireStaff(c), c.req.valid('query'), c.get('requestId')), 200),
  );
}
