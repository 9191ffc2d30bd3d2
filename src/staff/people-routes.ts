import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import {
  AddUserSchema,
  CreateTokenSchema,
  TokenSchema,
  UserSchema,
  addUser,
  createToken,
  deactivateUser,
  listTokens,
  listUsers,
  revokeToken,
} from './people';

export function peopleRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/users',
      tags: ['people'],
      summary: 'Users (admins and managers)',
      security: bearer,
      responses: { 200: json(listOf(UserSchema), 'Users'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json({ data: await listUsers(c.get('deps').db, requireStaff(c)), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/users',
      tags: ['people'],
      summary: 'Add a user (admins); without a password one is generated and returned once',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: AddUserSchema } }, required: true } },
      responses: {
        201: json(z.object({ user: UserSchema, password: z.string().nullable() }), 'Added'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        409: errors[409],
      },
    }),
    async (c) => {
      const r = await addUser(c.get('deps').db, requireStaff(c), c.req.valid('json'), c.get('requestId'));
      return c.json({ user: r.user, password: r.generated ? r.password : null }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/users/{id}/deactivate',
      tags: ['people'],
      summary: 'Deactivate a user (admins); takes effect on their next request',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(UserSchema, 'Deactivated'), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
    }),
    async (c) => c.json(await deactivateUser(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/tokens',
      tags: ['people'],
      summary: 'API tokens (admins); the secrets are never shown again',
      security: bearer,
      responses: { 200: json(listOf(TokenSchema), 'Tokens'), 401: errors[401], 403: errors[403] },
    }),
    async (c) => c.json({ data: await listTokens(c.get('deps').db, requireStaff(c)), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tokens',
      tags: ['people'],
      summary: 'Make an API token (admins); the token is in the answer once',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: CreateTokenSchema } }, required: true } },
      responses: {
        201: json(TokenSchema.extend({ token: z.string() }), 'Made'),
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    }),
    async (c) => {
      const r = await createToken(c.get('deps').db, requireStaff(c), c.req.valid('json'), c.get('requestId'));
      return c.json({ ...r.view, token: r.token }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/tokens/{id}',
      tags: ['people'],
      summary: 'Revoke a token (admins); takes effect on its next request',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(TokenSchema, 'Revoked'), 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await revokeToken(c.get('deps').db, requireStaff(c), c.req.valid('param').id, c.get('requestId')), 200),
  );
}
