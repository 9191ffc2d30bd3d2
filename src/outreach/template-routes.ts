import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json, listOf } from '../http/openapi';
import {
  ListTemplatesQuery,
  PreviewTemplateSchema,
  PutTemplateSchema,
  TemplateKeyParams,
  TemplatePreviewSchema,
  TemplateSchema,
  deleteTemplate,
  listPracticeTemplates,
  previewTemplate,
  putTemplate,
} from './templates';

export function templateRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/templates',
      tags: ['templates'],
      summary: 'Every template (purpose, language, channel): the file default, the practice’s override and the variables it may use',
      security: bearer,
      request: { query: ListTemplatesQuery },
      responses: { 200: json(listOf(TemplateSchema), 'Templates'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json({ data: await listPracticeTemplates(c.get('deps').db, requireStaff(c), c.req.valid('query').practiceId), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/templates/preview',
      tags: ['templates'],
      summary: 'Render a draft, the override or the default with the practice’s values (examples for the rest); SMS segment count',
      description: 'Warns when an SMS needs more than 2 parts (and names the characters that force UCS-2). Nothing is stored.',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: PreviewTemplateSchema } }, required: true } },
      responses: { 200: json(TemplatePreviewSchema, 'The rendered text'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(await previewTemplate(c.get('deps').db, requireStaff(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/templates/{purpose}/{language}/{channel}',
      tags: ['templates'],
      summary: 'Save the practice’s own version of a template (managers)',
      description:
        'Validated before saving: a syntax error, an unknown variable or one not allowed on the channel (e.g. `patient.lastName` in a text) is a 400 naming the field, line and variable, and nothing changes.',
      security: bearer,
      request: { params: TemplateKeyParams, body: { content: { 'application/json': { schema: PutTemplateSchema } }, required: true } },
      responses: { 200: json(TemplateSchema, 'Saved'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await putTemplate(deps.db, requireStaff(c), c.req.valid('param'), c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/templates/{purpose}/{language}/{channel}',
      tags: ['templates'],
      summary: 'Drop the practice’s override: the file default applies again (managers)',
      security: bearer,
      request: { params: TemplateKeyParams, query: z.object({ practiceId: z.uuid() }) },
      responses: { 200: json(TemplateSchema, 'Back to the default'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) =>
      c.json(await deleteTemplate(c.get('deps').db, requireStaff(c), c.req.valid('param'), c.req.valid('query').practiceId, c.get('requestId')), 200),
  );
}
