import { createRoute } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json } from '../http/openapi';
import { ProfileSchema, UpdateProfileSchema, getProfile, updateProfile } from './profile';

export function profileRoutes(app: App) {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/profile', tags: ['users'], summary: 'Your own profile', security: bearer, responses: { 200: json(ProfileSchema, 'You'), 401: errors[401], 403: errors[403] } }),
    async (c) => c.json(await getProfile(c.get('deps').db, requireStaff(c)), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/profile',
      tags: ['users'],
      summary: 'Set your name and the phone that rings first when you call a patient',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: UpdateProfileSchema } }, required: true } },
      responses: { 200: json(ProfileSchema, 'You'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await updateProfile(deps.db, requireStaff(c), c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
