import { eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { consentEvents, contactPoints, type ConsentPurpose } from '../platform/db/schema';
import type { Principal } from '../access/principal';

export interface ConsentChange {
  practiceId: string;
  contactPointId: string;
  purpose: ConsentPurpose;
  state: 'granted' | 'revoked';
  /** where it came from: sms_keyword, twilio_error_21610, sendgrid_unsubscribe, api, import, console */
  source: string;
  detail?: string | null;
  messageId?: string | null;
  actor?: Principal | null;
}

/**
 * Appends to the consent ledger and updates the contact point's current state in the same
 * transaction. A phone contact belongs to the practice, so a STOP to any of its numbers
 * revokes texts from all of them.
 */
export async function recordConsent(db: Db, change: ConsentChange): Promise<void> {
  await db.insert(consentEvents).values({
    practiceId: change.practiceId,
    contactPointId: change.contactPointId,
    purpose: change.purpose,
    state: change.state,
    source: change.source,
    detail: change.detail ?? null,
    messageId: change.messageId ?? null,
    actorUserId: change.actor?.userId ?? null,
    actorTokenId: change.actor?.tokenId ?? null,
  });
  if (change.purpose === 'sms') {
    await db.update(contactPoints).set({ smsConsent: change.state }).where(eq(contactPoints.id, change.contactPointId));
  } else if (change.purpose === 'email') {
    await db.update(contactPoints).set({ emailConsent: change.state }).where(eq(contactPoints.id, change.contactPointId));
  }
}
