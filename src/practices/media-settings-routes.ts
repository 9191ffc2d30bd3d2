import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { MediaSettingsSchema, UpdateMediaSettingsSchema, getMediaSettings, setMediaSettings } from './media-settings';

export function mediaSettingsRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/practices/{id}/media-settings',
      tags: ['practices'],
      summary: 'How long recordings and attachments are kept, and whether inbox calls are recorded',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(MediaSettingsSchema, 'The settings'), 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(await getMediaSettings(c.get('deps').db, requireStaff(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/practices/{id}/media-settings',
      tags: ['practices'],
      summary: 'Set media retention (days) and call recording (managers and admins); audited',
      description: 'The daily retention job deletes recordings and attachments older than these from storage; the messages stay, marked purged.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateMediaSettingsSchema } }, required: true } },
      responses: { 200: json(MediaSettingsSchema, 'Stored'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await setMediaSettings(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
