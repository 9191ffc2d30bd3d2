import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, json, listOf } from '../http/openapi';
import { canSeePractice } from '../access/principal';
import { notFound } from '../platform/errors';
import {
  RuleSchema,
  SaveRulesSchema,
  listRuleVersions,
  liveRules,
  restoreRules,
  saveRules,
} from './rules';
import { SimulateSchema, simulateDraft } from './dry-run';

const RulesView = z
  .object({ practiceId: z.uuid(), version: z.number(), rules: z.array(RuleSchema), note: z.string().nullable(), createdAt: z.string().nullable() })
  .openapi('RoutingRulesVersion');
const PracticeQuery = z.object({ practiceId: z.uuid() });

export function ruleRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/rules',
      tags: ['rules'],
      summary: 'The live routing rules of a practice (the default set until one is saved)',
      security: bearer,
      request: { query: PracticeQuery },
      responses: { 200: json(RulesView, 'Live rules'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const who = requireStaff(c);
      const { practiceId } = c.req.valid('query');
      if (!canSeePractice(who, practiceId)) throw notFound('practice');
      const live = await liveRules(c.get('deps').db, practiceId);
      return c.json({ practiceId, version: live.version, rules: live.rules, note: live.note, createdAt: live.createdAt?.toISOString() ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/rules',
      tags: ['rules'],
      summary: 'Save a new version of the rules (managers); audited, old versions stay restorable',
      description: 'The safety rules (emergency, urgent, needsHuman, no loops) always apply first; no rule can change them.',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: SaveRulesSchema } }, required: true } },
      responses: { 200: json(RulesView, 'The new live version'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => c.json(await saveRules(c.get('deps').db, requireStaff(c), c.req.valid('json'), c.get('requestId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/rules/versions',
      tags: ['rules'],
      summary: 'Every saved version of a practice’s rules, newest first',
      security: bearer,
      request: { query: PracticeQuery },
      responses: {
        200: json(listOf(z.object({ version: z.number(), note: z.string().nullable(), createdAt: z.string(), createdById: z.uuid().nullable(), rules: z.number() })), 'Versions'),
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => c.json({ data: await listRuleVersions(c.get('deps').db, requireStaff(c), c.req.valid('query').practiceId), nextCursor: null }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/rules/restore',
      tags: ['rules'],
      summary: 'Make an old version live again (as a new version)',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: z.object({ practiceId: z.uuid(), version: z.number().int().min(1) }) } }, required: true } },
      responses: { 200: json(RulesView, 'Restored'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await restoreRules(c.get('deps').db, requireStaff(c), body.practiceId, body.version, c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/rules/simulate',
      tags: ['rules'],
      summary: 'Dry run: what the stored messages of a date range would get under a draft versus the live rules',
      description: 'Counts by action under both, and the messages whose outcome changes. Nothing is sent or changed.',
      security: bearer,
      request: { body: { content: { 'application/json': { schema: SimulateSchema } }, required: true } },
      responses: {
        200: json(
          z.object({
            practiceId: z.uuid(),
            liveVersion: z.number(),
            total: z.number(),
            truncated: z.boolean(),
            counts: z.record(z.string(), z.object({ live: z.number(), draft: z.number() })),
            changed: z.array(
              z.object({
                messageId: z.uuid(),
                conversationId: z.uuid(),
                createdAt: z.string(),
                intent: z.string(),
                urgency: z.string(),
                preview: z.string(),
                differences: z.array(z.string()),
              }),
            ),
          }),
          'The comparison',
        ),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(await simulateDraft(deps.db, requireStaff(c), c.req.valid('json'), deps.clock.now(), c.get('requestId')), 200);
    },
  );
}
