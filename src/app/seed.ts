import { count } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { contactPoints, conversations, messages, patients, practices } from '../platform/db/schema';
import type { Clock } from '../platform/clock';
import { addTriageJob } from '../routing/triage-queue';
import { addUser } from '../staff/people';
import { createPractice } from '../practices/practices';
import type { Channel } from '../../triage/types';

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

interface DemoThread {
  first: string;
  last: string;
  language: 'en' | 'es';
  contact: { kind: 'phone' | 'email' | 'portal'; value: string };
  channel: Channel;
  subject?: string;
  minutesAgo: number;
  body: string;
}

// Invented people, 555 numbers and example.com addresses only.
const demoThreads: DemoThread[] = [
  { first: 'Dana', last: 'Whitfield', language: 'en', contact: { kind: 'phone', value: '+14155550111' }, channel: 'sms', minutesAgo: 4, body: 'hi can i get a refill on my lisinopril 10mg, CVS on main st. thx' },
  { first: 'Luis', last: 'Ortega', language: 'es', contact: { kind: 'phone', value: '+14155550112' }, channel: 'sms', minutesAgo: 12, body: 'Hola, necesito cambiar mi cita del jueves para la próxima semana por favor' },
  { first: 'Marjorie', last: 'Keane', language: 'en', contact: { kind: 'email', value: 'marjorie.keane@example.com' }, channel: 'email', subject: 'Question about my bill', minutesAgo: 45, body: 'Hello,\n\nI received a bill for my visit on the 3rd but I thought my insurance covered it. Could someone look into it?\n\nThank you,\nMarjorie' },
  { first: 'Tom', last: 'Becker', language: 'en', contact: { kind: 'phone', value: '+14155550113' }, channel: 'voice', minutesAgo: 80, body: "hi this is tom becker calling about my appointment tomorrow i need to cancel it please call me back at 415 555 0113 thanks" },
  { first: 'Priya', last: 'Raman', language: 'en', contact: { kind: 'portal', value: 'P-100234' }, channel: 'portal', subject: 'Lab results', minutesAgo: 150, body: 'Are my blood test results from last week back yet? I have not seen them in the portal.' },
  { first: 'Sam', last: 'Lee', language: 'en', contact: { kind: 'phone', value: '+14155550114' }, channel: 'sms', minutesAgo: 300, body: 'what time do you open on saturday' },
];

/** Seeds the demo practice when the database holds no practice at all. Returns the admin login once. */
export async function seedIfEmpty(db: Database, clock: Clock): Promise<{ email: string; password: string } | null> {
  const [{ n }] = (await db.select({ n: count() }).from(practices)) as [{ n: number }];
  if (Number(n) > 0) return null;
  return seedDemo(db, clock);
}

export async function seedDemo(db: Database, clock: Clock): Promise<{ email: string; password: string }> {
  const practice = await createPractice(db, 'system', demoPractice);
  const { password } = await addUser(db, 'system', { email: demoAdminEmail, name: 'Demo Admin', role: 'admin' });
  await addUser(db, 'system', {
    email: 'assistant@maple-street.example.com',
    name: 'Alex Rivera',
    role: 'assistant',
    practices: [practice.id],
  });
  const now = clock.now();
  await db.transaction(async (tx) => {
    for (const t of demoThreads) {
      const at = new Date(now.getTime() - t.minutesAgo * 60_000);
      const [patient] = await tx
        .insert(patients)
        .values({
          practiceId: practice.id,
          firstName: t.first,
          lastName: t.last,
          language: t.language,
          portalId: t.contact.kind === 'portal' ? t.contact.value : null,
        })
        .returning();
      const [point] = await tx
        .insert(contactPoints)
        .values({ practiceId: practice.id, patientId: patient!.id, kind: t.contact.kind, value: t.contact.value })
        .returning();
      const [conv] = await tx
        .insert(conversations)
        .values({
          practiceId: practice.id,
          patientId: patient!.id,
          channel: t.channel,
          subject: t.subject ?? null,
          lastMessageAt: at,
          lastInboundAt: at,
          createdAt: at,
        })
        .returning();
      const [msg] = await tx
        .insert(messages)
        .values({
          practiceId: practice.id,
          conversationId: conv!.id,
          direction: 'inbound',
          channel: t.channel,
          providerId: `demo-${patient!.id}`,
          contactPointId: point!.id,
          fromAddress: t.contact.value,
          toAddress: t.channel === 'email' ? demoPractice.emailAddresses[0] : demoPractice.phoneNumbers[0],
          subject: t.subject ?? null,
          body: t.body,
          status: 'received',
          authorType: 'patient',
          createdAt: at,
        })
        .returning();
      await addTriageJob(tx, msg!.id, now);
    }
  });
  return { email: demoAdminEmail, password };
}
