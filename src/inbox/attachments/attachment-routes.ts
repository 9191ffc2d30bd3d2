import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { requireBlobs, type App, type AppEnv } from '../../http/context';
import { requirePrincipal, requireStaff } from '../../http/auth';
import { bearer, errors, IdParam, json } from '../../http/openapi';
import { errorBody } from '../../http/errors';
import { AppError } from '../../platform/errors';
import { auditOnce } from '../../access/audit';
import { verifyMediaSignature } from '../../access/media-urls';
import { conversations, messageAttachments } from '../../platform/db/schema';
import { AttachmentSchema, readAttachment, serveBlob, uploadAttachment, type ServedMedia } from './attachments';

const binary = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
});

async function send(c: Context<AppEnv>, serve: () => Promise<ServedMedia>) {
  try {
    const media = await serve();
    return c.body(media.body, media.status, media.headers);
  } catch (err) {
    // 416 names the file's size, so a player can ask again
    if (err instanceof AppError && err.code === 'range_not_satisfiable') {
      const size = (err.details as { size?: number } | undefined)?.size ?? 0;
      return c.json(errorBody(c, err.code, err.message), 416, { 'content-range': `bytes */${size}` });
    }
    throw err;
  }
}

export function attachmentRoutes(app: App) {
  // raw bodies (files, multipart) are served by plain handlers; the document still lists them
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/api/v1/attachments/{id}',
      tags: ['attachments'],
      summary: 'A file a message carries (image, recording, document), from our own origin',
      description:
        'Visible exactly when its conversation is. Supports `Range: bytes=...` (206 with Content-Range) for audio players; reads are audited once per person and file within 15 minutes. Types a browser could run (HTML, SVG) are always downloaded, never shown. A portal token reads the files of replies in its practice\'s portal conversations.',
      security: bearer,
      request: { params: IdParam },
      responses: {
        200: binary('The file'),
        206: binary('The requested range'),
        401: errors[401],
        404: errors[404],
        409: errors[409],
        410: { description: 'Deleted under the retention policy, or erased with the patient', content: errors[404].content },
        416: { description: 'The range is outside the file', content: errors[404].content },
      },
    }),
  );
  app.get('/api/v1/attachments/:id', async (c) => {
    const who = requirePrincipal(c);
    const deps = c.get('deps');
    const { id } = IdParam.parse({ id: c.req.param('id') });
    return send(c, () => readAttachment(deps.db, requireBlobs(deps), who, id, c.req.header('range'), c.get('requestId')));
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/api/v1/attachments',
      tags: ['attachments'],
      summary: 'Upload a file to send with a reply (multipart: conversationId, file)',
      description:
        'Answers the attachment; send it with `POST /api/v1/conversations/{id}/messages` and `attachmentIds: [id]`. SMS replies take JPEG, PNG or GIF images (MMS, at most 5 MB together); email and portal replies take images, PDFs, text and Office documents up to 20 MB. An upload never sent is discarded after a day.',
      security: bearer,
      request: {
        body: {
          content: {
            'multipart/form-data': {
              schema: z.object({ conversationId: z.uuid(), file: z.string().openapi({ type: 'string', format: 'binary' }) }),
            },
          },
          required: true,
        },
      },
      responses: { 201: json(AttachmentSchema, 'Stored, ready to send'), 400: errors[400], 401: errors[401], 404: errors[404], 413: errors[413], 415: { description: 'Not a type that can be attached', content: errors[400].content } },
    }),
  );
  app.post('/api/v1/attachments', async (c) => {
    const who = requireStaff(c);
    const deps = c.get('deps');
    if (!/^multipart\/form-data/i.test(c.req.header('content-type') ?? '')) throw new AppError('unsupported_media_type', 'send multipart/form-data with conversationId and file');
    const form = await c.req.parseBody();
    const conversationId = typeof form.conversationId === 'string' ? form.conversationId : '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(conversationId)) throw new AppError('validation_failed', 'conversationId: must be an id (uuid)');
    const file = form.file;
    if (!(file instanceof File)) throw new AppError('validation_failed', 'file: attach the file as a multipart part named "file"');
    const view = await uploadAttachment(deps.db, requireBlobs(deps), who, conversationId, { name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) }, deps.clock.now(), c.get('requestId'));
    return c.json(view, 201);
  });

  // Twilio fetches an MMS's media from here when it sends: no session, a signed expiring link
  app.get('/media/:id', async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    const ok = /^[0-9a-f-]{36}$/.test(id) && verifyMediaSignature(deps.env, { attachmentId: id, expires: c.req.query('expires'), sig: c.req.query('sig'), now: deps.clock.now() });
    if (!ok) throw new AppError('forbidden', 'this media link is not valid or has expired');
    const [row] = await deps.db
      .select({ a: messageAttachments, patientId: conversations.patientId })
      .from(messageAttachments)
      .innerJoin(conversations, eq(conversations.id, messageAttachments.conversationId))
      .where(eq(messageAttachments.id, id));
    if (!row) throw new AppError('not_found', 'attachment not found');
    await auditOnce(deps.db, 'system', c.get('requestId'), { action: 'attachment.provider_fetch', subjectType: 'attachment', subjectId: id, practiceId: row.a.practiceId, patientId: row.patientId, detail: { via: 'signed_link' } }, id);
    return send(c, () => serveBlob(requireBlobs(deps), row.a, c.req.header('range')));
  });
}
