/*
 * Missed-call text-back: "Sorry we missed your call, reply here and we'll help", at most once
 * per caller per local day, only to a number that takes texts and has not revoked consent,
 * and only between 08:00 and 21:00 in the patient's zone (TCPA quiet hours); outside that
 * window it waits for 08:00. Time zones through Intl only, so DST is the platform's tz data.
 */

export const OUTREACH_START_HOUR = 8;
export const OUTREACH_END_HOUR = 21;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // throws RangeError on an unknown zone, which is what a bad practice setting deserves
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instant: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The calendar day of an instant in a zone, `YYYY-MM-DD`. */
export function localDay(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Offset of the zone from UTC at an instant, in ms (e.g. -4 h for New York in summer). */
function offsetMs(instant: number, timeZone: string): number {
  const p = localParts(new Date(instant), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local wall-clock time occurs in a zone (date fields may overflow: day 32 is next month). */
export function zonedTime(timeZone: string, year: number, month: number, day: number, hour: number, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - offsetMs(wall, timeZone);
  // the offset at the guess can differ from the offset at the answer across a DST change
  const second = wall - offsetMs(first, timeZone);
  return new Date(second);
}

/**
 * When automated outreach may go out: `now` inside 08:00-21:00 local, else the next 08:00.
 */
export function nextOutreachTime(now: Date, timeZone: string): Date {
  const p = localParts(now, timeZone);
  if (p.hour >= OUTREACH_START_HOUR && p.hour < OUTREACH_END_HOUR) return now;
  const day = p.hour < OUTREACH_START_HOUR ? p.day : p.day + 1;
  return zonedTime(timeZone, p.year, p.month, day, OUTREACH_START_HOUR);
}

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
