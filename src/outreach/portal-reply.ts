import { z } from '@hono/zod-openapi';
import type { messages } from '../platform/db/schema';

/** What the practice's portal receives for a staff reply: by its signed webhook, or by polling `GET /api/v1/portal/replies`. */
export const PortalReplySchema = z
  .object({
    id: z.uuid(),
    practiceId: z.uuid(),
    conversationId: z.uuid(),
    threadId: z.string().nullable().openapi({ description: "The portal's thread id the patient wrote in, if any" }),
    patient: z.object({ portalId: z.string().nullable() }),
    subject: z.string().nullable(),
    body: z.string(),
    status: z.string(),
    createdAt: z.string().openapi({ description: 'ISO 8601' }),
    attachments: z
      .array(z.object({ id: z.uuid(), name: z.string().nullable(), contentType: z.string(), size: z.number().nullable(), url: z.string() }))
      .openapi({ description: 'files of the reply; fetch each url with the portal token' }),
  })
  .openapi('PortalReply');

export type PortalReply = z.infer<typeof PortalReplySchema>;

export function portalReply(
  message: Pick<typeof messages.$inferSelect, 'id' | 'practiceId' | 'conversationId' | 'subject' | 'body' | 'status' | 'createdAt'>,
  threadId: string | null,
  portalId: string | null,
  attachments: { id: string; name: string | null; contentType: string; size: number | null }[] = [],
  baseUrl = '',
): PortalReply {
  return {
    id: message.id,
    practiceId: message.practiceId,
    conversationId: message.conversationId,
    threadId,
    patient: { portalId },
    subject: message.subject,
    body: message.body,
    status: message.status,
    createdAt: message.createdAt.toISOString(),
    attachments: attachments.map((a) => ({ id: a.id, name: a.name, contentType: a.contentType, size: a.size, url: `${baseUrl}/api/v1/attachments/${a.id}` })),
  };
}

