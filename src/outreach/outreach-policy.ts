/*
 * The outreach policy: the one place that decides whether a patient's contact may be texted,
 * emailed or called, when, and how often. Every sender asks it: a person's reply (before it is
 * accepted), automatic replies (routing), reminders (planning and dispatch), waitlist offers,
 * missed-call text-backs, keyword answers, and the send job, which asks once more at send time
 * for every outbound message whoever queued it.
 *
 * - Consent per purpose (the ledger's current state on the contact point): a revoked channel is
 *   refused, except the answer to a patient's own emergency message (TCPA's emergency-purpose
 *   exemption: the 911/988 text goes out even to a patient who opted out) and the compliance
 *   answers to their keyword (the single opt-out confirmation, HELP), which the rules require.
 * - Reachability: an email address that bounced, a number that cannot take texts, no contact of
 *   that kind; a conversation cannot be answered "by voice" (a person calls instead).
 * - Quiet hours (08:00 to 21:00 in the patient's zone, the practice's when they have none):
 *   everything automation sends waits for 08:00 except safety answers (the emergency reply and
 *   the urgent acknowledgement, which tells a patient with urgent symptoms that they were heard)
 *   and compliance answers. A person's reply is not held: a person chose to write now.
 * - Caps (the healthcare exemption): at most 1 automated outreach call or text a day and 3 a
 *   week per patient (reminders, text-backs, waitlist offers), counted at send time.
 */
import { and, sql, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../platform/db/client';
import { messages, type contactPoints } from '../platform/db/schema';
import type { OutboundPurpose } from '../platform/db/message-meta';
import { rowsOf } from '../platform/jobs/outbox';
import { localDay, nextOutreachTime } from '../platform/time';
import type { Channel } from '../../triage/types';

type Contact = Pick<typeof contactPoints.$inferSelect, 'kind' | 'smsConsent' | 'emailConsent' | 'voiceConsent' | 'undeliverable' | 'canReceiveSms'>;

/** Answers to a patient's own emergency or urgent message: they go out at once, whatever the hour. */
export const SAFETY_TEMPLATES = ['emergency', 'urgent_ack'] as const;
/** Answers the messaging rules require: they go out at once, the opt-out confirmation even to the contact that just opted out. */
export const COMPLIANCE_TEMPLATES = ['opt_out_confirm', 'opt_in_confirm', 'help'] as const;

export type RefusalCode = 'no_contact' | 'consent_revoked' | 'undeliverable' | 'not_textable' | 'channel_unavailable';

export type PolicyAnswer =
  | { ok: true; notBefore: Date | null; exception: 'emergency' | 'safety' | 'compliance' | null }
  | { ok: false; code: RefusalCode; message: string };

export interface PolicyQuestion {
  channel: Channel;
  purpose: OutboundPurpose;
  /** who writes: a person, or automation (rules, reminders, text-backs, answer handlers) */
  by: 'person' | 'automation';
  /** the contact it would go to (null: the patient has none of that kind) */
  contact: Contact | null;
  /** the template an automatic message comes from */
  template?: string | null;
  now: Date;
  /** the patient's zone, else the practice's */
  timeZone: string;
}

const isSafety = (template: string | null | undefined) => (SAFETY_TEMPLATES as readonly string[]).includes(template ?? '');
const isCompliance = (template: string | null | undefined) => (COMPLIANCE_TEMPLATES as readonly string[]).includes(template ?? '');

const refuse = (code: RefusalCode, message: string): PolicyAnswer => ({ ok: false, code, message });

/**
 * Consent and reachability alone (no timing): whether automated outreach on this channel can
 * reach this contact at all. Reminder planning and waitlist offers choose contacts with it.
 */
export function reachable(channel: Channel, contact: Contact | null): { ok: true } | { ok: false; code: RefusalCode; message: string } {
  const a = mayContact({ channel, purpose: 'outreach', by: 'automation', contact, now: new Date(Date.UTC(2026, 0, 1, 17)), timeZone: 'UTC' });
  return a.ok ? { ok: true } : a;
}

/** Whether (and from when) this message may go to this contact. Pure. */
export function mayContact(q: PolicyQuestion): PolicyAnswer {
  if (q.channel === 'voice' && q.purpose !== 'outreach') {
    return refuse('channel_unavailable', 'a reply cannot be sent by voice: call the patient (POST /api/v1/conversations/{id}/call) or reply by text or email');
  }
  const c = q.contact;
  const kind = q.channel === 'email' ? 'email' : q.channel === 'portal' ? 'portal' : 'phone';
  if (!c || c.kind !== kind) return refuse('no_contact', `the patient has no ${q.channel === 'sms' ? 'phone number' : q.channel === 'voice' ? 'phone number' : q.channel} contact; use another channel`);
  const emergency = q.by === 'automation' && isSafety(q.template) && q.template === 'emergency';
  const compliance = q.by === 'automation' && isCompliance(q.template);
  if (q.channel === 'sms') {
    if (c.smsConsent === 'revoked' && !emergency && !compliance) {
      return refuse('consent_revoked', 'the patient opted out of texts (STOP); they can text START to opt back in. Reply by another channel.');
    }
    if (c.canReceiveSms === false) return refuse('not_textable', 'this number cannot receive texts (a landline or a withheld number)');
  } else if (q.channel === 'email') {
    if (c.emailConsent === 'revoked' && !emergency) return refuse('consent_revoked', 'the patient unsubscribed from email');
    if (c.undeliverable) return refuse('undeliverable', 'this email address bounced or reported spam; use another channel');
  } else if (q.channel === 'voice') {
    if (c.voiceConsent === 'revoked') return refuse('consent_revoked', 'the patient asked not to be called');
  }
  const exception = emergency ? 'emergency' : compliance ? 'compliance' : q.by === 'automation' && isSafety(q.template) ? 'safety' : null;
  // quiet hours hold what automation sends, but never a safety or compliance answer, nor a person
  const held = q.by === 'automation' && exception === null;
  const at = held ? nextOutreachTime(q.now, q.timeZone) : q.now;
  return { ok: true, notBefore: at.getTime() > q.now.getTime() ? at : null, exception };
}

/** When automated outreach may go out: now inside 08:00 to 21:00 in the zone, else the next 08:00. */
export const outreachWindowStart = nextOutreachTime;

/** The healthcare cap on automated calls and texts: at most this many per patient per local day and per 7 days. */
export const OUTREACH_CAP = { perDay: 1, perWeek: 3 } as const;

/**
 * Checks the cap for an automated outreach text or call and claims the message with it: when
 * there is room, marks it `sending` with its slot so a concurrent outreach to the same patient
 * counts it (an advisory lock per patient orders them); when the cap is reached, marks it
 * `refused` with the cap's code and returns the refusal. Either only while `claimable` holds
 * (the send job's claim: not sent, not held by another run); else `claimed_elsewhere` and
 * nothing changes.
 */
export async function claimOutreachSlot(
  tx: Db,
  input: { messageId: string; patientId: string; now: Date; timeZone: string; claimable: SQL },
): Promise<{ code: 'daily_cap' | 'weekly_cap'; message: string } | 'claimed_elsewhere' | null> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`outreach:${input.patientId}`}))`);
  const weekAgo = new Date(input.now.getTime() - 7 * 86_400_000);
  // epoch ms: postgres.js returns timestamptz from a raw query as text like `2026-02-02 15:00:00+00`
  const rows = rowsOf<{ ms: number | string }>(
    await tx.execute(sql`
      select (extract(epoch from m.sent_at) * 1000)::float8 as ms from messages m join conversations c on c.id = m.conversation_id
      where c.patient_id = ${input.patientId} and m.direction = 'outbound' and m.channel in ('sms', 'voice')
        and m.purpose = 'outreach' and m.id <> ${input.messageId}
        and (m.provider_id is not null or (m.status = 'sending' and m.meta ? 'outreachSlot'))
        and m.sent_at > ${weekAgo.toISOString()}::timestamptz`),
  );
  const today = localDay(input.now, input.timeZone);
  const sentToday = rows.filter((r) => localDay(new Date(Number(r.ms)), input.timeZone) === today).length;
  const capped =
    sentToday >= OUTREACH_CAP.perDay
      ? ({ code: 'daily_cap', message: `the patient already got ${OUTREACH_CAP.perDay} automated call or text today (healthcare cap)` } as const)
      : rows.length >= OUTREACH_CAP.perWeek
        ? ({ code: 'weekly_cap', message: `the patient already got ${OUTREACH_CAP.perWeek} automated calls or texts in the last 7 days (healthcare cap)` } as const)
        : null;
  const claimed = await tx
    .update(messages)
    .set(
      capped
        ? { status: 'refused', errorCode: capped.code, errorMessage: capped.message }
        : // marks the slot as taken: a message that waits for this lock holds none
          { status: 'sending', sentAt: input.now, meta: sql`${messages.meta} || '{"outreachSlot": true}'::jsonb` },
    )
    .where(and(eq(messages.id, input.messageId), input.claimable))
    .returning({ id: messages.id });
  if (claimed.length === 0) return 'claimed_elsewhere';
  return capped;
}

/** The consent a patient's contacts show per channel, for the conversation view. */
export type ConsentView = 'granted' | 'revoked' | 'unknown' | 'no_contact';
export function consentByChannel(contacts: Contact[]): { sms: ConsentView; email: ConsentView; voice: ConsentView } {
  const phones = contacts.filter((c) => c.kind === 'phone');
  const emails = contacts.filter((c) => c.kind === 'email');
  // the strictest word of the patient's contacts of that kind: one revoked number is shown
  const worst = (states: ConsentView[]): ConsentView =>
    states.length === 0 ? 'no_contact' : states.includes('revoked') ? 'revoked' : states.includes('granted') ? 'granted' : 'unknown';
  return {
    sms: worst(phones.map((c) => c.smsConsent)),
    email: worst(emails.map((c) => c.emailConsent)),
    voice: worst(phones.map((c) => c.voiceConsent)),
  };
}
