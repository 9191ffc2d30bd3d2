import { z } from '@hono/zod-openapi';
import type { InboundMessage } from '../types';

export const PORTAL_BODY_MAX_CHARS = 20_000;
export const PORTAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
const PORTAL_ATTACHMENT_MAX_BASE64 = Math.ceil(PORTAL_ATTACHMENT_MAX_BYTES / 3) * 4;

const portalAttachmentSchema = z
  .object({
    name: z.string().trim().min(1).max(255),
    contentType: z.string().trim().min(1).max(255),
    // stored in an integer column: a portal's attachment is far below 2 GiB
    size: z.number().int().nonnegative().max(2_147_483_647, 'must be at most 2147483647 bytes'),
    url: z.url({ protocol: /^https?$/ }).max(2048).optional().openapi({ description: "a link on the practice's own portal host, fetched by Switchboard (https only)" }),
    content: z
      .base64({ error: 'must be the file as base64' })
      .max(PORTAL_ATTACHMENT_MAX_BASE64, `must be at most ${PORTAL_ATTACHMENT_MAX_BYTES} bytes (as base64)`)
      .optional()
      .openapi({ description: 'the file itself, base64 (at most 10 MB); preferred over url' }),
  })
  .openapi('PortalAttachment');

/**
 * Body of `POST /api/v1/portal/messages`. Unknown fields are dropped, not refused (zod's
 * default strip), so a portal that adds fields keeps working.
 */
export const portalMessageSchema = z
  .object({
    messageId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .openapi({ description: "The portal's id for this message; a repeat with the same id stores nothing new", example: 'pm_8c1f2' }),
    patient: z
      .object({
        portalId: z.string().trim().min(1).max(200).openapi({ example: 'pt-10442' }),
        firstName: z.string().trim().min(1).max(100).openapi({ example: 'Maria' }),
        lastName: z.string().trim().min(1).max(100).openapi({ example: 'Lopez' }),
        dateOfBirth: z.iso
          .date()
          .refine((d) => d >= '1800-01-01' && d <= '2999-12-31', 'must be a real date of birth (from 1800)')
          .openapi({ description: 'YYYY-MM-DD', example: '1984-07-19' }),
        phone: z.string().trim().min(3).max(40).optional().openapi({ example: '+15555550123' }),
        email: z.email().max(254).optional(),
      })
      .openapi('PortalPatient'),
    subject: z.string().trim().max(300).optional(),
    body: z.string().trim().min(1).max(PORTAL_BODY_MAX_CHARS).openapi({ example: 'Can I get a refill of my lisinopril?' }),
    threadId: z.string().trim().min(1).max(200).optional().openapi({ description: "The portal's conversation id" }),
    attachments: z.array(portalAttachmentSchema).max(20).optional(),
  })
  .openapi('PortalMessage');

export type PortalMessage = z.infer<typeof portalMessageSchema>;

/** A validated portal message as a channel-neutral InboundMessage for the ingest service. */
export function portalToInbound(message: PortalMessage, practiceAddress: string, receivedAt: Date): InboundMessage {
  const { patient } = message;
  return {
    channel: 'portal',
    providerId: message.messageId,
    to: practiceAddress,
    from: { kind: 'portal', value: patient.portalId, name: `${patient.firstName} ${patient.lastName}` },
    subject: message.subject ?? null,
    body: message.body,
    originalBody: null,
    attachments: (message.attachments ?? []).map((a) => ({
      name: a.name,
      contentType: a.contentType,
      size: a.content ? null : a.size,
      ...(a.content ? { content: new Uint8Array(Buffer.from(a.content, 'base64')) } : { url: a.url ?? null }),
    })),
    meta: {
      // identity facts the service matches or creates the patient with; not message text
      patient: {
        portalId: patient.portalId,
        firstName: patient.firstName,
        lastName: patient.lastName,
        dateOfBirth: patient.dateOfBirth,
        phone: patient.phone ?? null,
        email: patient.email?.toLowerCase() ?? null,
      },
      threadId: message.threadId ?? null,
    },
    receivedAt,
  };
}
