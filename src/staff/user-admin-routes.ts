import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json } from '../http/openapi';
import { UserSchema } from './people';
import { ResetPasswordSchema, UpdateUserSchema, reactivateUser, resetUserPassword, updateUser } from './user-admin';

export function userAdminRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/users/{id}',
      tags: ['people'],
      summary: 'Change a user’s name, role and grants (admins): practices (ids or slugs) and, for assistants, queue ids',
      description: 'Only the fields sent change. Practice and queue lists replace the grants; queues of practices no longer granted fall away. Applies on the person’s next request.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateUserSchema } }, required: true } },
      responses: { 200: json(UserSchema, 'Updated'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => c.json(await updateUser(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/users/{id}/password',
      tags: ['people'],
      summary: 'Reset a user’s password (admins); a generated one is in the answer once; their sessions end',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: ResetPasswordSchema } }, required: false } },
      responses: {
        200: json(z.object({ user: UserSchema, password: z.string().nullable() }), 'Reset'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const body = await c.req.json().catch(() => ({}));
      return c.json(await resetUserPassword(c.get('deps').db, requireStaff(c), c.req.valid('param').id, body ?? {}, c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/users/{id}/reactivate',
      tags: ['people'],
      summary: 'Reactivate a deactivated user (admins)',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(UserSchema, 'Reactivated'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await reactivateUser(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );
}
