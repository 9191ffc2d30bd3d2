import { and, eq } from 'drizzle-orm';
import type { Database } from '../../src/platform/db/client';
import { contactPoints, conversations, messages, patients, queues } from '../../src/platform/db/schema';
import { createPractice, type PracticeView } from '../../src/practices/practices';
import { addUser, createToken } from '../../src/staff/people';

let n = 0;

export async function makePractice(db: Database, slug = `practice-${++n}`): Promise<PracticeView> {
  const k = ++n;
  return createPractice(db, 'system', {
    name: `Practice ${slug}`,
    slug,
    timeZone: 'America/New_York',
    hours: { weekly: { mon: [{ open: '08:00', close: '17:00' }] }, closedDates: [] },
    phoneNumbers: [`+1415555${String(1000 + k).padStart(4, '0')}`],
    emailAddresses: [`inbox@${slug}.example.com`],
  });
}

export async function makeConversation(
  db: Database,
  practiceId: string,
  opts: { queue?: string; body?: string; at?: Date; firstName?: string; phone?: string } = {},
) {
  const at = opts.at ?? new Date();
  const queueId = opts.queue
    ? (await db.select().from(queues).where(and(eq(queues.practiceId, practiceId), eq(queues.key, opts.queue))))[0]!.id
    : null;
  const [patient] = await db.insert(patients).values({ practiceId, firstName: opts.firstName ?? 'Pat', lastName: 'Example' }).returning();
  const [point] = await db
    .insert(contactPoints)
    .values({ practiceId, patientId: patient!.id, kind: 'phone', value: opts.phone ?? `+1415555${String(2000 + ++n).padStart(4, '0')}` })
    .returning();
  const [conv] = await db
    .insert(conversations)
    .values({ practiceId, patientId: patient!.id, channel: 'sms', queueId, lastMessageAt: at, lastInboundAt: at, createdAt: at })
    .returning();
  const [msg] = await db
    .insert(messages)
    .values({
      practiceId,
      conversationId: conv!.id,
      direction: 'inbound',
      channel: 'sms',
      providerId: `SM${++n}${Date.now()}`,
      contactPointId: point!.id,
      body: opts.body ?? 'hello',
      status: 'received',
      authorType: 'patient',
      createdAt: at,
    })
    .returning();
  return { conversation: conv!, patient: patient!, message: msg! };
}

export async function tokenFor(db: Database, role: 'admin' | 'manager' | 'assistant' | 'portal', practice?: string) {
  return (await createToken(db, 'system', { name: `${role} token`, role, practice })).token;
}

export async function userWithPassword(
  db: Database,
  role: 'admin' | 'manager' | 'assistant',
  practices: string[] = [],
  queues?: string[],
) {
  const email = `${role}-${++n}@example.com`;
  const password = 'correct horse battery staple';
  const r = await addUser(db, 'system', { email, role, practices, queues, password });
  return { ...r.user, password };
}
