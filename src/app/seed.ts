import { count, eq } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import {
  appointments,
  contactPoints,
  conversations,
  messages,
  patients,
  playbookTicks,
  practices,
  queues,
  reminders,
  routingRuleSets,
  templates,
  users,
} from '../platform/db/schema';
import type { Clock } from '../platform/clock';
import type { BlobStore } from '../platform/blobs/blob-store';
import { addDemoMedia } from './demo-media';
import type { MessageMeta } from '../platform/db/message-meta';
import { addBusinessMinutes, localParts, zonedTime } from '../platform/time';
import { addJob } from '../platform/jobs/catalog';
import { addUser } from '../staff/people';
import { createPractice } from '../practices/practices';
import { renderForPractice } from '../outreach/templates';
import { addWakeJob } from '../inbox/timers-queue';
import { reminderDedupeKey } from '../scheduling/reminders/reminders';
import { defaultRuleSet } from '../../triage/routing/index';
import type { Channel, TriageResult } from '../../triage/types';
import { areaCodes, firstNames, lastNames, prng, scenarios, type Prng, type Scenario } from './demo-traffic';

export const demoPractice = {
  name: 'Maple Street Family Medicine',
  slug: 'maple-street',
  timeZone: 'America/New_York',
  hours: {
    weekly: {
      mon: [{ open: '08:00', close: '17:00' }],
      tue: [{ open: '08:00', close: '17:00' }],
      wed: [{ open: '08:00', close: '17:00' }],
      thu: [{ open: '08:00', close: '19:00' }],
      fri: [{ open: '08:00', close: '16:00' }],
    },
    closedDates: ['2026-12-25', '2027-01-01'],
  },
  // 555-01xx numbers are reserved for fiction: the demo never texts a real person
  phoneNumbers: ['+14155550100'],
  emailAddresses: ['frontdesk@maple-street.example.com'],
  mainPhone: '+14155550100',
  address: '120 Maple Street, Springfield, MA 01103',
  fax: '+1 415 555 0199',
  website: 'https://maple-street.example.com',
  portalUrl: 'https://portal.maple-street.example.com',
  afterHoursMessage:
    'You have reached Maple Street Family Medicine after hours. If this is an emergency, hang up and dial 911.',
  onCall: { phone: '+14155550142', email: 'oncall@maple-street.example.com' },
};

export const demoAdminEmail = 'admin@maple-street.example.com';

/** The office: a manager and three assistants with their languages, queues and presence. */
const demoStaff: { email: string; name: string; role: 'manager' | 'assistant'; queues?: string[]; languages?: string[]; presence?: 'available' | 'away' | 'offline' }[] = [
  { email: 'manager@maple-street.example.com', name: 'Morgan Chen', role: 'manager' },
  { email: 'assistant@maple-street.example.com', name: 'Alex Rivera', role: 'assistant', queues: ['urgent', 'scheduling', 'refills', 'general'], languages: ['en', 'es'], presence: 'available' },
  { email: 'jordan@maple-street.example.com', name: 'Jordan Lee', role: 'assistant', queues: ['billing', 'records', 'general', 'scheduling'], languages: ['en'], presence: 'away' },
  { email: 'sam@maple-street.example.com', name: 'Sam Patel', role: 'assistant', queues: ['urgent', 'clinical', 'refills'], languages: ['en'], presence: 'available' },
];

const playbooks: Record<string, { key: string; label: string; entity?: string }[]> = {
  refills: [
    { key: 'dob', label: 'Confirm name and date of birth', entity: 'dateOfBirth' },
    { key: 'medication', label: 'Medication and strength', entity: 'medications' },
    { key: 'pharmacy', label: 'Pharmacy', entity: 'pharmacy' },
    { key: 'seen_recently', label: 'Seen in the last 12 months' },
  ],
  scheduling: [
    { key: 'dob', label: 'Confirm name and date of birth', entity: 'dateOfBirth' },
    { key: 'reason', label: 'Reason for the visit' },
    { key: 'times', label: 'Days and times that work', entity: 'dates' },
  ],
  clinical: [
    { key: 'symptoms', label: 'Symptoms and since when' },
    { key: 'callback', label: 'Callback number', entity: 'callbackNumber' },
    { key: 'nurse', label: 'Nurse told' },
  ],
};

/** Seeds the demo practice when the database holds no practice at all. Returns the admin login once. */
export async function seedIfEmpty(db: Database, clock: Clock, blobs?: BlobStore): Promise<{ email: string; password: string } | null> {
  const [{ n }] = (await db.select({ n: count() }).from(practices)) as [{ n: number }];
  if (Number(n) > 0) return null;
  return seedDemo(db, clock, blobs);
}

/**
 * The demo practice with a week of lived-in traffic: every channel and most intents, English
 * and Spanish, emergencies and urgent messages with their automatic answers, answers from
 * templates, replies and notes by the assistants, open work with SLAs (a few past due), missed
 * calls with text-backs, voicemails, and appointments with reminders and the patients'
 * answers. Deterministic for a given clock (a seeded PRNG), and written in a few bulk inserts.
 */
/** With a blob store, the voicemails get their recordings and a few texts a photo (demo-media.ts). */
export async function seedDemo(db: Database, clock: Clock, blobs?: BlobStore): Promise<{ email: string; password: string }> {
  const now = clock.now();
  const practice = await createPractice(db, 'system', demoPractice);
  const { password } = await addUser(db, 'system', { email: demoAdminEmail, name: 'Demo Admin', role: 'admin' });
  const staff: Record<string, string> = {};
  for (const s of demoStaff) {
    const r = await addUser(db, 'system', { email: s.email, name: s.name, role: s.role, practices: [practice.id], queues: s.queues });
    staff[s.name] = r.user.id;
    if (s.languages && s.presence) await db.update(users).set({ presence: s.presence, capacity: 12, skills: { languages: s.languages, tasks: [] } }).where(eq(users.id, r.user.id));
  }
  await db.transaction(async (tx) => {
    const queueRows = await tx.select().from(queues).where(eq(queues.practiceId, practice.id));
    for (const q of queueRows) if (playbooks[q.key]) await tx.update(queues).set({ playbook: { items: playbooks[q.key]! } }).where(eq(queues.id, q.id));
    await writeTraffic(tx, practice.id, new Map(queueRows.map((q) => [q.key, q.id])), staff, now);
    // the manager's own touches: a rule version and a template in the practice's words
    await tx.insert(routingRuleSets).values({
      practiceId: practice.id,
      version: 2,
      rules: [{ id: 'tag-spanish', name: 'Tag Spanish messages', enabled: true, match: 'all', conditions: [{ type: 'language', in: ['es'] }], actions: [{ type: 'add_tag', tag: 'spanish' }] }, ...defaultRuleSet().rules],
      note: 'Tag Spanish messages so Alex sees them first',
      createdById: staff['Morgan Chen'],
      createdAt: new Date(now.getTime() - 3 * 86_400_000),
    });
    await tx.insert(templates).values({
      practiceId: practice.id,
      key: 'hours',
      language: 'en',
      channel: 'sms',
      body: '{{practice.name}} is open {{hours practice.hours}}. Walk-in flu shots weekdays 9-11. Call us at {{practice.phone}}.',
      updatedById: staff['Morgan Chen'],
      createdAt: new Date(now.getTime() - 5 * 86_400_000),
      updatedAt: new Date(now.getTime() - 5 * 86_400_000),
    });
  });
  if (blobs) await addDemoMedia(db, blobs, practice.id);
  return { email: demoAdminEmail, password };
}

type PatientRow = typeof patients.$inferInsert & { id: string; language: 'en' | 'es' };
type PointRow = typeof contactPoints.$inferInsert & { id: string };
type ConversationRow = typeof conversations.$inferInsert & { id: string };
type MessageRow = typeof messages.$inferInsert & { id: string };

const MIN = 60_000;
const HOUR = 60 * MIN;

async function writeTraffic(tx: Db, practiceId: string, queueIds: Map<string, string>, staff: Record<string, string>, now: Date) {
  const rng = prng(20260105);
  const tz = demoPractice.timeZone;
  const hours = demoPractice.hours;
  const patientRows: PatientRow[] = [];
  const pointRows: PointRow[] = [];
  const conversationRows: ConversationRow[] = [];
  const messageRows: MessageRow[] = [];
  const ticks: (typeof playbookTicks.$inferInsert)[] = [];
  const wakes: { id: string; until: Date }[] = [];
  const usedNumbers = new Set<string>();
  const rendered = new Map<string, string>();

  const render = async (purpose: NonNullable<Scenario['auto']>, language: 'en' | 'es', channel: Channel, firstName: string) => {
    const ch = channel === 'voice' ? 'sms' : channel;
    const key = `${purpose}.${language}.${ch}.${firstName}`;
    if (!rendered.has(key)) rendered.set(key, (await renderForPractice(tx, { practiceId, purpose, language, channel: ch, vars: { patient: { firstName } } })).text.trim());
    return rendered.get(key)!;
  };

  /** emails and portal ids, unique like the contact points they become */
  const unique = (make: () => string) => {
    for (;;) {
      const v = make();
      if (!usedNumbers.has(v)) {
        usedNumbers.add(v);
        return v;
      }
    }
  };
  const emailOf = (first: string, last: string) =>
    unique(() => `${first}.${last}${rng.int(1, 999)}@example.com`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, ''));
  const portalId = () => unique(() => `P-${rng.int(100000, 999999)}`);
  const phone = () => {
    for (;;) {
      const n = `+1${rng.pick(areaCodes)}5550${rng.int(101, 198)}`;
      if (!usedNumbers.has(n) && n !== '+14155550142') {
        usedNumbers.add(n);
        return n;
      }
    }
  };

  /** a patient with a phone, an email for some, the portal for a few */
  const makePatient = (language: 'en' | 'es', at: Date): PatientRow & { points: PointRow[] } => {
    const first = rng.pick(firstNames[language]);
    const last = rng.pick(lastNames[language]);
    const p: PatientRow = {
      id: rng.uuid(),
      practiceId,
      firstName: first,
      lastName: last,
      language,
      dateOfBirth: `${rng.int(1941, 2012)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      createdAt: new Date(at.getTime() - rng.int(30, 900) * 86_400_000),
    };
    const points: PointRow[] = [
      { id: rng.uuid(), practiceId, patientId: p.id, kind: 'phone', value: phone(), smsConsent: rng.chance(0.04) ? 'revoked' : rng.chance(0.6) ? 'granted' : 'unknown', createdAt: p.createdAt },
    ];
    if (rng.chance(0.55)) points.push({ id: rng.uuid(), practiceId, patientId: p.id, kind: 'email', value: emailOf(first, last), emailConsent: 'granted', createdAt: p.createdAt });
    if (rng.chance(0.3)) points.push({ id: rng.uuid(), practiceId, patientId: p.id, kind: 'portal', value: portalId(), createdAt: p.createdAt });
    patientRows.push(p);
    pointRows.push(...points);
    return { ...p, points };
  };
  const pool: (PatientRow & { points: PointRow[] })[] = [];

  // arrival times: the last 7 local days, mostly in office hours, busier in the morning
  const today = localParts(now, tz);
  const arrivals: Date[] = [];
  for (let back = 6; back >= 0; back--) {
    const day = localParts(zonedTime(tz, today.year, today.month, today.day - back, 12), tz);
    const weekend = day.weekday === 'sat' || day.weekday === 'sun';
    const n = weekend ? rng.int(6, 10) : rng.int(30, 40);
    for (let i = 0; i < n; i++) {
      const afterHours = weekend || rng.chance(0.15);
      const hour = afterHours ? rng.pick([6, 7, 18, 19, 20, 21, 22, 23, 12, 15]) : rng.chance(0.55) ? rng.int(8, 11) : rng.int(12, 16);
      const at = zonedTime(tz, day.year, day.month, day.day, hour, rng.int(0, 59));
      if (at.getTime() < now.getTime() - 3 * MIN) arrivals.push(at);
    }
  }
  // whatever the hour the demo starts, the last few hours have something new
  // (one of them an emergency nobody has answered yet, at the top of the inbox)
  const forced = new Map<Date, Scenario>();
  for (let i = 0; i < 5; i++) {
    const at = new Date(now.getTime() - rng.int(4, 170) * MIN);
    arrivals.push(at);
    if (i === 0) forced.set(at, scenarios.find((x) => x.urgency === 'emergency' && x.channels.includes('sms'))!);
  }
  arrivals.sort((a, b) => a.getTime() - b.getTime());

  const assistantsFor = (s: Scenario) => {
    if (s.language === 'es') return 'Alex Rivera';
    if (['clinical', 'urgent'].includes(s.queue)) return rng.pick(['Sam Patel', 'Alex Rivera']);
    if (['billing', 'records'].includes(s.queue)) return 'Jordan Lee';
    return rng.pick(['Alex Rivera', 'Jordan Lee', 'Sam Patel']);
  };
  let openEmergency = false;

  for (const at of arrivals) {
    const ageH = (now.getTime() - at.getTime()) / HOUR;
    const missedCall = !forced.has(at) && rng.chance(0.06);
    const s = missedCall ? null : (forced.get(at) ?? rng.weighted(scenarios));
    const language = s?.language ?? (rng.chance(0.3) ? 'es' : 'en');
    // one in five conversations is a patient who wrote before
    const known = pool.filter((p) => p.language === language);
    const patient = known.length > 3 && rng.chance(0.2) ? rng.pick(known) : makePatient(language, at);
    if (!pool.includes(patient)) pool.push(patient);
    const channel: Channel = missedCall ? 'voice' : rng.pick(s!.channels);
    const point =
      patient.points.find((p) => p.kind === (channel === 'email' ? 'email' : channel === 'portal' ? 'portal' : 'phone')) ??
      (() => {
        const extra: PointRow = {
          id: rng.uuid(),
          practiceId,
          patientId: patient.id,
          kind: channel === 'email' ? 'email' : 'portal',
          value: channel === 'email' ? emailOf(patient.firstName ?? 'patient', patient.lastName ?? '') : portalId(),
          emailConsent: 'granted',
          createdAt: at,
        };
        patient.points.push(extra);
        pointRows.push(extra);
        return extra;
      })();

    const conv: ConversationRow = {
      id: rng.uuid(),
      practiceId,
      patientId: patient.id,
      channel,
      subject: channel === 'email' || channel === 'portal' ? (s?.subject ?? null) : null,
      status: 'open',
      createdAt: at,
      lastMessageAt: at,
      lastInboundAt: at,
      updatedAt: at,
    };
    conversationRows.push(conv);
    const msgs: MessageRow[] = [];
    const add = (m: Omit<MessageRow, 'id' | 'practiceId' | 'conversationId'>) => {
      const row = { id: rng.uuid(), practiceId, conversationId: conv.id, ...m } as MessageRow;
      msgs.push(row);
      return row;
    };
    const from = point.value;
    const to = channel === 'email' ? demoPractice.emailAddresses[0]! : demoPractice.phoneNumbers[0]!;

    if (missedCall) {
      // a missed call: the text-back goes out a minute later; most patients answer it by text
      conv.queueId = queueIds.get('general');
      conv.intent = 'other';
      conv.urgency = 'routine';
      const textBackAt = new Date(at.getTime() + MIN);
      const sendIt = rng.chance(0.85);
      add({ direction: 'inbound', channel: 'voice', providerId: `demo-CA${conv.id}`, contactPointId: point.id, fromAddress: from, toAddress: to, body: 'Missed call', status: 'received', authorType: 'patient', meta: { kind: 'missed_call', language, textBack: sendIt ? { at: textBackAt.toISOString() } : { skipped: 'recent_text_back' } } satisfies MessageMeta, createdAt: at });
      if (sendIt) {
        add({ direction: 'outbound', channel: 'sms', contactPointId: point.id, toAddress: from, body: language === 'es' ? 'Maple Street Family Medicine: Vimos su llamada perdida. Responda a este mensaje y le ayudamos.' : 'Maple Street Family Medicine: Sorry we missed your call. Reply to this text and we will help.', status: 'simulated', authorType: 'automation', purpose: 'outreach', meta: { kind: 'missed_call_text_back', textBackAt: textBackAt.toISOString(), from: to }, createdAt: textBackAt, sentAt: textBackAt });
        if (rng.chance(0.6) && ageH > 0.5) {
          const replyAt = new Date(textBackAt.getTime() + rng.int(4, 90) * MIN);
          const follow = rng.weighted(scenarios.filter((x) => x.channels.includes('sms') && x.urgency === 'routine' && x.language === language));
          add({ direction: 'inbound', channel: 'sms', providerId: `demo-SM${conv.id}`, contactPointId: point.id, fromAddress: from, toAddress: to, body: follow.text, status: 'received', authorType: 'patient', triage: triage(follow, rng), createdAt: replyAt });
          conv.intent = follow.intent;
          conv.queueId = queueIds.get(follow.queue);
          conv.lastInboundAt = replyAt;
          if (ageH > 3) {
            const who = assistantsFor(follow);
            const answerAt = new Date(replyAt.getTime() + rng.int(6, 60) * MIN);
            add({ direction: 'outbound', channel: 'sms', contactPointId: point.id, toAddress: from, body: follow.reply ?? 'Thanks, we will take care of it today.', status: 'simulated', authorType: 'user', authorUserId: staff[who], purpose: 'reply', createdAt: answerAt, sentAt: answerAt });
            conv.assigneeId = staff[who];
            conv.firstResponseAt = answerAt;
            conv.status = 'resolved';
            conv.resolvedAt = new Date(answerAt.getTime() + 2 * MIN);
          }
        }
      }
      if (conv.status === 'open' && ageH > 6 && rng.chance(0.95)) {
        // nobody wrote back: an assistant called them instead
        const who = rng.pick(['Alex Rivera', 'Jordan Lee']);
        const calledAt = addBusinessMinutes(at, rng.int(10, 120), hours, tz);
        if (calledAt.getTime() < now.getTime()) {
          add({ direction: 'outbound', kind: 'note', channel: 'voice', body: rng.pick(['Called back: wanted to confirm Tuesday, done.', 'Called back, left a voicemail.', 'Called back: question about a bill, sent to billing.']), status: 'received', authorType: 'user', authorUserId: staff[who], createdAt: calledAt });
          conv.assigneeId = staff[who];
          conv.status = 'resolved';
          conv.resolvedAt = new Date(calledAt.getTime() + MIN);
        }
      }
      finish(conv, msgs, now, hours, tz);
      messageRows.push(...msgs);
      continue;
    }

    const sc = s!;
    const t = triage(sc, rng);
    const voicemail = channel === 'voice';
    const inbound = add({
      direction: 'inbound',
      channel,
      providerId: `demo-${conv.id}`,
      contactPointId: point.id,
      fromAddress: from,
      toAddress: to,
      subject: conv.subject,
      body: sc.text,
      status: 'received',
      authorType: 'patient',
      triage: t,
      meta: voicemail ? { kind: 'voicemail', language, durationSeconds: rng.int(14, 75) } : {},
      createdAt: at,
    });
    conv.intent = sc.intent;
    conv.urgency = sc.urgency;
    conv.needsHuman = t.needsHuman;
    conv.queueId = queueIds.get(sc.queue);
    conv.priority = sc.urgency === 'routine' ? 0 : 100;
    if (sc.language === 'es') conv.tags = ['spanish'];

    let cursor = at;
    if (sc.auto) {
      cursor = new Date(at.getTime() + rng.int(2, 9) * 1000);
      add({ direction: 'outbound', channel: channel === 'voice' ? 'sms' : channel, contactPointId: point.id, toAddress: from, body: await render(sc.auto, sc.language, channel, patient.firstName ?? ''), status: 'simulated', authorType: 'automation', purpose: 'auto_reply', meta: { template: sc.auto, inReplyTo: inbound.id }, createdAt: cursor, sentAt: cursor });
    }
    const people = sc.urgency !== 'routine' || !['hours', 'address', 'fax', 'portal_signup'].includes(sc.auto ?? '');
    // today's newest emergency stays open at the top of the inbox; everything older was handled
    const keepOpenEmergency = sc.urgency === 'emergency' && (forced.has(at) || (ageH < 6 && !openEmergency));
    if (keepOpenEmergency) openEmergency = true;
    const answered =
      people &&
      !keepOpenEmergency &&
      (sc.urgency !== 'routine' ? ageH > 1 || rng.chance(0.5) : ageH > 24 ? rng.chance(0.97) : ageH > 6 ? rng.chance(0.9) : ageH > 1 ? rng.chance(0.6) : rng.chance(0.15));
    if (answered) {
      const who = assistantsFor(sc);
      const delay = sc.urgency === 'emergency' ? rng.int(2, 8) : sc.urgency === 'urgent' ? rng.int(8, 40) : rng.int(6, 220);
      const answerAt = sc.urgency === 'routine' ? addBusinessMinutes(at, delay, hours, tz) : new Date(at.getTime() + delay * MIN);
      if (answerAt.getTime() < now.getTime() - MIN) {
        if (rng.chance(0.12)) {
          const noteAt = new Date(answerAt.getTime() - 2 * MIN);
          add({ direction: 'outbound', kind: 'note', channel, body: rng.pick(['Called the pharmacy, they have it in stock.', 'Checked the chart: seen in March, OK to refill.', 'Left a voicemail too.', '@Sam Patel can you look at this one?', 'Insurance portal confirms coverage.']), status: 'received', authorType: 'user', authorUserId: staff[who], createdAt: noteAt });
        }
        const replyChannel: Channel = channel === 'voice' ? 'sms' : channel;
        add({ direction: 'outbound', channel: replyChannel, contactPointId: point.id, toAddress: from, subject: replyChannel === 'email' && conv.subject ? `Re: ${conv.subject}` : null, body: sc.reply ?? 'Thank you, we have taken care of it.', status: 'simulated', authorType: 'user', authorUserId: staff[who], purpose: 'reply', createdAt: answerAt, sentAt: answerAt });
        conv.assigneeId = staff[who];
        conv.firstResponseAt = answerAt;
        const ageAfter = (now.getTime() - answerAt.getTime()) / HOUR;
        conv.status = ageAfter > 2 ? (rng.chance(0.75) ? 'resolved' : 'pending') : 'pending';
        if (conv.status === 'resolved') conv.resolvedAt = new Date(answerAt.getTime() + rng.int(1, 30) * MIN);
        if (sc.queue === 'refills' || sc.queue === 'scheduling') {
          for (const item of playbooks[sc.queue]!.slice(0, rng.int(1, 3))) ticks.push({ conversationId: conv.id, itemKey: item.key, checkedById: staff[who], checkedAt: new Date(answerAt.getTime() - MIN) });
        }
      }
    } else if (!people) {
      // answered by the template: most were closed by an assistant with a glance
      if (ageH > 2 && rng.chance(0.97)) {
        conv.status = 'resolved';
        conv.resolvedAt = new Date(at.getTime() + rng.int(20, 180) * MIN);
        conv.assigneeId = staff[assistantsFor(sc)];
      }
    } else if (ageH < 30 && rng.chance(0.35)) {
      // open work already taken by someone
      conv.assigneeId = staff[assistantsFor(sc)];
    }
    if (conv.status === 'open' && !conv.firstResponseAt && sc.urgency === 'routine' && ageH > 20 && rng.chance(0.12)) {
      // snoozed until the morning: the patient said they would call back
      conv.status = 'snoozed';
      const day = localParts(now, tz);
      conv.snoozedUntil = zonedTime(tz, day.year, day.month, day.day + 1, 8);
      wakes.push({ id: conv.id, until: conv.snoozedUntil });
    }
    finish(conv, msgs, now, hours, tz);
    messageRows.push(...msgs);
  }

  // two triage corrections by people, kept as training data
  const corrected = messageRows.filter((m) => m.direction === 'inbound' && m.triage && m.triage.intent === 'other').slice(0, 2);
  for (const m of corrected) {
    const before = m.triage!;
    m.triage = { ...before, intent: 'general_question', confidence: 1 };
    m.meta = { ...(m.meta ?? {}), triageCorrection: { intent: 'general_question', urgency: before.urgency, needsHuman: before.needsHuman, original: { intent: before.intent, urgency: before.urgency, needsHuman: before.needsHuman, confidence: before.confidence }, byUserId: staff['Alex Rivera']!, byTokenId: null, at: new Date((m.createdAt as Date).getTime() + 30 * MIN).toISOString() } };
  }

  const chunks = async <T>(rows: T[], insert: (part: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 250) await insert(rows.slice(i, i + 250));
  };
  await chunks(patientRows, (p) => tx.insert(patients).values(p));
  await chunks(pointRows, (p) => tx.insert(contactPoints).values(p));
  await chunks(conversationRows, (p) => tx.insert(conversations).values(p));
  await chunks(messageRows, (p) => tx.insert(messages).values(p));
  if (ticks.length) await tx.insert(playbookTicks).values(ticks);
  for (const w of wakes) await addWakeJob(tx, w.id, w.until);

  await writeAppointments(tx, practiceId, pool, rng, now);
}

/** The conversation's clock fields and SLA due time, from its messages. */
function finish(conv: ConversationRow, msgs: MessageRow[], now: Date, hours: typeof demoPractice.hours, tz: string) {
  const times = (f: (m: MessageRow) => boolean) => msgs.filter((m) => m.kind !== 'note' && f(m)).map((m) => (m.createdAt as Date).getTime());
  const last = Math.max(...times(() => true));
  conv.lastMessageAt = new Date(last);
  const inbound = times((m) => m.direction === 'inbound');
  const outbound = times((m) => m.direction === 'outbound');
  conv.lastInboundAt = inbound.length ? new Date(Math.max(...inbound)) : null;
  conv.lastOutboundAt = outbound.length ? new Date(Math.max(...outbound)) : null;
  conv.updatedAt = new Date(Math.max(last, (conv.resolvedAt as Date | undefined)?.getTime() ?? 0));
  const at = conv.createdAt as Date;
  conv.slaDueAt =
    conv.urgency === 'emergency'
      ? new Date(at.getTime() + 5 * MIN)
      : conv.urgency === 'urgent'
        ? new Date(at.getTime() + 30 * MIN)
        : addBusinessMinutes(at, 240, hours, tz);
  void now;
}

function triage(s: Scenario, rng: Prng): TriageResult {
  return {
    intent: s.intent,
    urgency: s.urgency,
    confidence: Math.round((s.urgency === 'routine' ? 0.72 + rng.next() * 0.26 : 0.9 + rng.next() * 0.09) * 100) / 100,
    language: s.language,
    entities: s.entities ?? {},
    redFlags: s.redFlags ?? [],
    needsHuman: s.urgency !== 'routine' || s.intent === 'clinical_question',
  };
}

/**
 * Appointments of the past week (with the reminders that went out, the patients' answers,
 * check-ins and no-shows) and the coming week (with their reminders planned as jobs, so the
 * demo sends them, simulated, when they come due).
 */
async function writeAppointments(tx: Db, practiceId: string, pool: (PatientRow & { points: PointRow[] })[], rng: Prng, now: Date) {
  const tz = demoPractice.timeZone;
  const today = localParts(now, tz);
  const kinds = [
    { type: 'Annual physical', minutes: 40 },
    { type: 'Follow-up', minutes: 20 },
    { type: 'Sick visit', minutes: 20 },
    { type: 'Vaccination', minutes: 15 },
  ];
  const providers = ['Dr. Lee', 'Dr. Okafor', 'Dr. Patel'];
  let seq = 0;
  const apptRows: (typeof appointments.$inferInsert)[] = [];
  const reminderRows: (typeof reminders.$inferInsert & { id: string })[] = [];
  const jobs: { id: string; dueAt: Date }[] = [];
  const withPhone = pool.filter((p) => p.points.some((c) => c.kind === 'phone'));
  for (let offset = -7; offset <= 7; offset++) {
    const day = localParts(zonedTime(tz, today.year, today.month, today.day + offset, 12), tz);
    if (day.weekday === 'sat' || day.weekday === 'sun') continue;
    const n = rng.int(6, 10);
    for (let i = 0; i < n; i++) {
      const patient = rng.pick(withPhone);
      const kind = rng.pick(kinds);
      const startsAt = zonedTime(tz, day.year, day.month, day.day, rng.int(8, 15), rng.pick([0, 20, 40]));
      const passed = startsAt.getTime() + kind.minutes * MIN <= now.getTime();
      const answer = rng.chance(0.6) ? ('confirm' as const) : rng.chance(0.2) ? ('cancel' as const) : rng.chance(0.1) ? ('reschedule' as const) : null;
      const textAt = new Date(startsAt.getTime() - 2 * 86_400_000);
      const texted = textAt.getTime() < now.getTime();
      const answered = texted && answer !== null;
      const answeredAt = answered ? new Date(textAt.getTime() + rng.int(5, 300) * MIN) : null;
      const cancelled = answered && answer === 'cancel';
      const status: typeof appointments.$inferInsert.status = cancelled
        ? 'cancelled'
        : passed
          ? answered && answer === 'confirm'
            ? rng.chance(0.95)
              ? 'checked_in'
              : 'no_show'
            : rng.chance(0.7)
              ? 'checked_in'
              : 'no_show'
          : answered && answer === 'confirm'
            ? 'confirmed'
            : 'booked';
      const apptId = rng.uuid();
      apptRows.push({
        id: apptId,
        practiceId,
        patientId: patient.id,
        externalId: `demo-${String(++seq).padStart(4, '0')}`,
        startsAt,
        durationMinutes: kind.minutes,
        type: kind.type,
        provider: rng.pick(providers),
        status,
        confirmedAt: answered && answer === 'confirm' ? answeredAt : null,
        cancelledAt: cancelled ? answeredAt : null,
        createdAt: new Date(startsAt.getTime() - rng.int(10, 40) * 86_400_000),
        updatedAt: answeredAt ?? now,
      });
      const hasEmail = patient.points.some((c) => c.kind === 'email');
      const steps = [
        { channel: hasEmail ? ('email' as const) : ('sms' as const), minutesBefore: 7 * 24 * 60 },
        { channel: 'sms' as const, minutesBefore: 2 * 24 * 60 },
        { channel: 'sms' as const, minutesBefore: 120 },
      ];
      for (const step of steps) {
        const dueAt = new Date(startsAt.getTime() - step.minutesBefore * MIN);
        const gone = dueAt.getTime() < now.getTime();
        const callOff = cancelled && answeredAt && dueAt > answeredAt;
        const id = rng.uuid();
        reminderRows.push({
          id,
          practiceId,
          appointmentId: apptId,
          patientId: patient.id,
          channel: step.channel,
          offsetMinutes: step.minutesBefore,
          dueAt,
          status: callOff ? 'cancelled' : gone ? 'delivered' : 'planned',
          sentAt: gone && !callOff ? dueAt : null,
          appointmentStartsAt: startsAt,
          answer: step.minutesBefore === 2 * 24 * 60 && answered ? answer : null,
          answeredAt: step.minutesBefore === 2 * 24 * 60 && answered ? answeredAt : null,
          createdAt: new Date(startsAt.getTime() - 20 * 86_400_000),
          updatedAt: now,
        });
        if (!gone && !callOff && (status === 'booked' || status === 'confirmed')) jobs.push({ id, dueAt });
      }
    }
  }
  await tx.insert(appointments).values(apptRows);
  for (let i = 0; i < reminderRows.length; i += 250) await tx.insert(reminders).values(reminderRows.slice(i, i + 250));
  for (const j of jobs) await addJob(tx, 'reminder', { reminderId: j.id }, { runAt: j.dueAt, dedupeKey: reminderDedupeKey(j.id, j.dueAt) });
}
