import type { Channel } from '../triage/types';

export type { Channel };

export type ContactKind = 'phone' | 'email' | 'portal';

export interface InboundAttachment {
  name: string | null;
  contentType: string;
  size: number | null;
  /** provider link (Twilio media URL); fetching it may need the account credentials */
  url?: string | null;
  /** raw bytes when the provider posted them inline (email); never put in a job payload */
  content?: Uint8Array;
}

/** A patient contact parsed out of a provider's webhook, channel-neutral. */
export interface InboundMessage {
  channel: Channel;
  /** unique per channel: MessageSid, Message-ID, RecordingSid, portal messageId */
  providerId: string;
  /** the practice address it was sent to (E.164 number or email address) */
  to: string;
  from: { kind: ContactKind; value: string; name?: string | null };
  subject?: string | null;
  /** what the patient wrote now (quoted history and signatures stripped) */
  body: string;
  /** the full original when it differs from body */
  originalBody?: string | null;
  attachments: InboundAttachment[];
  threading?: {
    inReplyTo?: string | null;
    references?: string[];
    /** token we put into the reply-to address of an outbound email */
    replyToken?: string | null;
  };
  /** channel-specific facts that are not patient text (menu choice, durations, media count) */
  meta?: Record<string, unknown>;
  receivedAt: Date;
}
