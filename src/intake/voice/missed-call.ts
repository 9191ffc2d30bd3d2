/*
 * Missed-call text-back: "Sorry we missed your call, reply here and we'll help", at most once
 * per caller per local day, only to a number that takes texts and has not revoked consent,
 * and only between 08:00 and 21:00 in the patient's zone (TCPA quiet hours); outside that
 * window it waits for 08:00.
 */
import { localDay } from '../../platform/time';
import { outreachWindowStart as nextOutreachTime } from '../../outreach/outreach-policy';

export type TextBackDecision =
  | { send: true; at: Date }
  | { send: false; reason: 'revoked' | 'not_textable' | 'already_sent_today' };

export interface TextBackInput {
  now: Date;
  /** the patient's zone, or the practice's when the patient has none */
  timeZone: string;
  /** the last text-back to this caller, sent or scheduled (a scheduled one counts) */
  lastTextBackAt: Date | null;
  /** a number that takes texts (canReceiveSms) and a known caller id */
  canTextBack: boolean;
  /** SMS consent revoked for this contact */
  revoked: boolean;
}

export function decideMissedCallTextBack(input: TextBackInput): TextBackDecision {
  if (input.revoked) return { send: false, reason: 'revoked' };
  if (!input.canTextBack) return { send: false, reason: 'not_textable' };
  const at = nextOutreachTime(input.now, input.timeZone);
  // "once a day" is the patient's calendar day of the text, not of the call: a call at 23:00
  // after a text-back at 10:00 still gets one at 08:00 tomorrow, while two calls in one
  // night share the single 08:00 text
  if (input.lastTextBackAt && localDay(input.lastTextBackAt, input.timeZone) === localDay(at, input.timeZone)) {
    return { send: false, reason: 'already_sent_today' };
  }
  return { send: true, at };
}
