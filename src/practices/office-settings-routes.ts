import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json } from '../http/openapi';
import { OfficeSettingsSchema, UpdateOfficeSettingsSchema, getOfficeSettings, updateOfficeSettings } from './office-settings';

const PracticeParam = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' }, description: 'id or slug' }),
});

export function officeSettingsRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices/{id}/office',
      tags: ['practices'],
      summary: 'The settings an office manager runs: hours and closed dates, on-call, after-hours messages (English and Spanish), contact details, quiet hours',
      security: bearer,
      request: { params: PracticeParam },
      responses: { 200: json(OfficeSettingsSchema, 'The settings'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await getOfficeSettings(c.get('deps').db, requireStaff(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/practices/{id}/office',
      tags: ['practices'],
      summary: 'Change office settings (the practice’s managers and admins); only the fields sent change',
      security: bearer,
      request: { params: PracticeParam, body: { content: { 'application/json': { schema: UpdateOfficeSettingsSchema } }, required: true } },
      responses: { 200: json(OfficeSettingsSchema, 'Updated'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await updateOfficeSettings(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200),
  );
}
