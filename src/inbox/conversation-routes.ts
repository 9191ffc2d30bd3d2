import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../http/context';
import { requireStaff } from '../http/auth';
import { bearer, errors, IdParam, json, listOf } from '../http/openapi';
import {
  ConversationSchema,
  ConversationSummarySchema,
  ListConversationsQuery,
  getConversation,
  listConversations,
} from './conversations';
import {
  AssignSchema,
  CloseSchema,
  ReplySchema,
  SnoozeSchema,
  assignConversation,
  replyToConversation,
  setConversationStatus,
} from './conversation-actions';

export function conversationRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations',
      tags: ['conversations'],
      summary: 'Conversations the caller may see, newest activity first',
      security: bearer,
      request: { query: ListConversationsQuery },
      responses: { 200: json(listOf(ConversationSummarySchema), 'A page'), 400: errors[400], 401: errors[401], 403: errors[403] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await listConversations(c.get('deps').db, who, c.req.valid('query'), c.get('requestId')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/conversations/{id}',
      tags: ['conversations'],
      summary: 'A conversation with its messages, triage, queue and assignee',
      security: bearer,
      request: { params: IdParam },
      responses: { 200: json(ConversationSchema, 'The conversation'), 400: errors[400], 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const who = requireStaff(c);
      return c.json(await getConversation(c.get('deps').db, who, c.req.valid('param').id, c.get('requestId')), 200);
    },
  );
}

export function conversationActionRoutes(app: App) {
  const Done = z.object({ id: z.uuid(), status: z.string(), assigneeId: z.uuid().nullable(), queueId: z.uuid().nullable(), snoozedUntil: z.string().nullable() });
  const view = (c: { id: string; status: string; assigneeId: string | null; queueId: string | null; snoozedUntil: Date | null }) => ({
    id: c.id,
    status: c.status,
    assigneeId: c.assigneeId,
    queueId: c.queueId,
    snoozedUntil: c.snoozedUntil?.toISOString() ?? null,
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/conversations/{id}/messages',
      tags: ['conversations'],
      summary: 'Reply to the patient, or add an internal note (never sent)',
      description:
        'With `seenMessageId`, a reply that another person (or automation) sent after that message is a 409 collision: read it, then send again with `confirm: true`. A reply to a contact that opted out is refused with the reason (422).',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: ReplySchema } }, required: true } },
      responses: {
        201: json(z.object({ messageId: z.uuid(), kind: z.enum(['reply', 'note']), status: z.string() }), 'Queued to send, or noted'),
        400: errors[400],
        401: errors[401],
        404: errors[404],
        409: errors[409],
        422: { description: 'Cannot be sent to this patient on this channel (opted out, no contact)', content: { 'application/json': { schema: errors[400].content['application/json'].schema } } },
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await replyToConversation(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId'));
      deps.relay.nudge();
      return c.json(r, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/conversations/{id}/assign',
      tags: ['conversations'],
      summary: 'Assign to a person and/or move to a queue',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: AssignSchema } }, required: true } },
      responses: { 200: json(Done, 'Assigned'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const deps = c.get('deps');
      return c.json(view(await assignConversation(deps.db, requireStaff(c), c.req.valid('param').id, c.req.valid('json'), deps.clock.now(), c.get('requestId'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/conversations/{id}/snooze',
      tags: ['conversations'],
      summary: 'Snooze until a time; a new patient message reopens it sooner',
      description:
        'A conversation holding an unanswered emergency, urgent or needsHuman message answers 409 `confirmation_required` until `confirm: true` and a `reason` are sent; the reason is audited.',
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: SnoozeSchema } }, required: true } },
      responses: { 200: json(Done, 'Snoozed'), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const deps = c.get('deps');
      const body = c.req.valid('json');
      const until = new Date(body.until);
      return c.json(view(await setConversationStatus(deps.db, requireStaff(c), c.req.valid('param').id, 'snoozed', { until, confirm: body.confirm, reason: body.reason }, deps.clock.now(), c.get('requestId'))), 200);
    },
  );

  for (const [action, status] of [
    ['resolve', 'resolved'],
    ['reopen', 'open'],
    ['pending', 'pending'],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/v1/conversations/{id}/${action}`,
        tags: ['conversations'],
        summary: action === 'resolve' ? 'Resolve' : action === 'reopen' ? 'Reopen' : 'Mark as waiting on the patient',
        ...(action === 'resolve'
          ? {
              description:
                'Resolving without a reply a conversation that holds an unanswered emergency, urgent or needsHuman message answers 409 `confirmation_required` until the body carries `confirm: true` and a `reason`; the reason is audited.',
            }
          : {}),
        security: bearer,
        request: { params: IdParam, body: { content: { 'application/json': { schema: CloseSchema } }, required: false } },
        responses: { 200: json(Done, 'Done'), 400: errors[400], 401: errors[401], 404: errors[404], 409: errors[409] },
      }),
      async (c) => {
        const deps = c.get('deps');
        // the body is optional: no body (no JSON content type) is no confirmation
        const body = (c.req.valid('json') as { confirm?: boolean; reason?: string } | undefined) ?? {};
        return c.json(view(await setConversationStatus(deps.db, requireStaff(c), c.req.valid('param').id, status, body, deps.clock.now(), c.get('requestId'))), 200);
      },
    );
  }
}
