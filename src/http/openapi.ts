import { z } from '@hono/zod-openapi';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string().openapi({ example: 'name: Too small: expected string to have >=1 characters' }),
      requestId: z.string().nullable(),
    }),
  })
  .openapi('Error');

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

export const errors = {
  400: error('The request is malformed or invalid; the message names the field'),
  401: error('No or wrong credentials'),
  403: error('The caller may not do this'),
  404: error('Not found, or not visible to the caller'),
  409: error('Conflicts with what is stored'),
  413: error('The body is larger than this route takes'),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const IdParam = z.object({
  id: z.uuid({ error: 'must be an id (uuid)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const bearer: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }];
