// How the console writes names, times and labels.

export const personName = (p: { firstName: string | null; lastName: string | null } | null | undefined) =>
  [p?.firstName, p?.lastName].filter(Boolean).join(' ') || 'Unknown patient';

export const words = (s: string | null | undefined) => (s ? s.replaceAll('_', ' ') : '');

export const capital = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** Times are shown in the practice's zone (its hours, its appointments), whatever the browser's. */
let zone: string | undefined;
let formats = makeFormats(undefined);
function makeFormats(timeZone: string | undefined) {
  return {
    time: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone }),
    day: new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone }),
    full: new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }),
    date: new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }),
  };
}
export function setDisplayZone(timeZone: string | undefined) {
  if (timeZone === zone) return;
  zone = timeZone;
  formats = makeFormats(timeZone);
}

export const fullTime = (iso: string | null | undefined) => (iso ? formats.full.format(new Date(iso)) : '');

/** "10:42" today, "Mon, Jan 5" before. */
export function shortTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  return formats.date.format(d) === formats.date.format(now) ? formats.time.format(d) : formats.day.format(d);
}

/** "3 min", "2 h 5 min", "2 d 3 h". */
export function duration(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** SLA time left against the server's clock: "due in 12 min", or "breached 5 min ago". */
export function slaLeft(dueAt: string | null, now: Date): { text: string; breached: boolean; soon: boolean } | null {
  if (!dueAt) return null;
  const left = new Date(dueAt).getTime() - now.getTime();
  if (left <= 0) return { text: `SLA breached ${duration(-left)} ago`, breached: true, soon: false };
  return { text: `due in ${duration(left)}`, breached: false, soon: left < 30 * 60_000 };
}

export const percent = (r: number | null | undefined) => (r === null || r === undefined ? 'n/a' : `${Math.round(r * 1000) / 10}%`);

export const channelName: Record<string, string> = { sms: 'SMS', voice: 'Voice', email: 'Email', portal: 'Portal' };

/** A local date YYYY-MM-DD of this browser. */
export function localDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export const addDays = (date: string, n: number) => {
  const d = new Date(`${date}T12:00:00`);
  d.setDate(d.getDate() + n);
  return localDate(d);
};

/** The wall clock in the practice's zone (the one times are shown in): year, month (1-12), day, hour, minute, weekday (0 = Sunday). */
export function wallTime(d: Date): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23', weekday: 'short' }).formatToParts(d);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? 'Sun');
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour') % 24, minute: n('minute'), weekday };
}

/** The instant a wall-clock time in the practice's zone names (day overflow allowed: day 32 is the 1st of the next month). */
export function fromWallTime(year: number, month: number, day: number, hour: number, minute = 0): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (t: number) => {
    const w = wallTime(new Date(t));
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - t;
  };
  let t = asUtc - offsetAt(asUtc);
  t = asUtc - offsetAt(t);
  return new Date(t);
}

/** "YYYY-MM-DDTHH:mm" for a datetime-local input, in the practice's zone. */
export function wallInput(d: Date): string {
  const w = wallTime(d);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}`;
}

/** A datetime-local input's value, read in the practice's zone. */
export function parseWallInput(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v);
  return m ? fromWallTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) : null;
}
