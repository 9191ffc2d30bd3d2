import type { contactPoints, conversations, messageAttachments, messages, patients, practices, DeliveryStatus } from '../../platform/db/schema';
import type { BlobStore } from '../../platform/blobs/blob-store';
import type { Env } from '../../platform/env';

export interface DeliveryContext {
  message: typeof messages.$inferSelect;
  contactPoint: typeof contactPoints.$inferSelect;
  practice: typeof practices.$inferSelect;
  patient: typeof patients.$inferSelect;
  conversation: typeof conversations.$inferSelect;
  env: Env;
  /** the practice address the patient last wrote to on this channel, if any */
  lastPracticeAddress: string | null;
  /** the practice's numbers and inbound addresses */
  practiceAddresses: { kind: 'phone' | 'email'; value: string; sms: boolean; voice: boolean }[];
  /** the files the message carries (stored in the blob store) */
  attachments: (typeof messageAttachments.$inferSelect)[];
  blobs: BlobStore;
  now: Date;
}

export interface DeliveryResult {
  providerId: string | null;
  status: DeliveryStatus;
  /** the practice address it went from */
  from?: string | null;
}

/** A failed delivery, sorted: retry later, give up with a reason, or the recipient opted out. */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'retryable' | 'permanent' | 'opted_out',
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** One per channel; the compiler finds a channel without one. */
export interface Deliverer {
  /** the key a per-sender rate limit counts on (the sending number), or null for none */
  rateKey(ctx: DeliveryContext): string | null;
  deliver(ctx: DeliveryContext): Promise<DeliveryResult>;
}
