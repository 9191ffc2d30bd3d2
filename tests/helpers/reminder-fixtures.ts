import { eq } from 'drizzle-orm';
import type { Database } from '../../src/platform/db/client';
import { appointments, contactPoints, messages, patients, reminders } from '../../src/platform/db/schema';
import { planReminders } from '../../src/scheduling/reminders/reminders';

let n = 0;

/** A patient with a phone (and an email unless `email: null`). */
export async function makePatient(
  db: Database,
  practiceId: string,
  opts: { firstName?: string; language?: 'en' | 'es'; preferredChannel?: 'sms' | 'email' | 'voice' | null; timeZone?: string | null; email?: string | null; phone?: string } = {},
) {
  const k = ++n;
  const [patient] = await db
    .insert(patients)
    .values({
      practiceId,
      firstName: opts.firstName ?? 'Ana',
      lastName: 'Example',
      language: opts.language ?? 'en',
      preferredChannel: opts.preferredChannel ?? null,
      timeZone: opts.timeZone ?? null,
    })
    .returning();
  // one number per patient made in this process (a random suffix collided now and then)
  const phone = opts.phone ?? `+1212555${String(3000 + (k % 7000)).padStart(4, '0')}`;
  const [cp] = await db.insert(contactPoints).values({ practiceId, patientId: patient!.id, kind: 'phone', value: phone, smsConsent: 'granted' }).returning();
  if (opts.email !== null) {
    await db.insert(contactPoints).values({ practiceId, patientId: patient!.id, kind: 'email', value: opts.email ?? `patient${k}-${Date.now()}@example.com`, emailConsent: 'granted' });
  }
  return { patient: patient!, phone, phoneContactId: cp!.id };
}

/** An appointment with its reminders planned, as the appointments API does it. */
export async function makeAppointment(
  db: Database,
  input: { practiceId: string; patientId: string; startsAt: string | Date; now: Date; type?: string; provider?: string; durationMinutes?: number },
) {
  return db.transaction(async (tx) => {
    const [a] = await tx
      .insert(appointments)
      .values({
        practiceId: input.practiceId,
        patientId: input.patientId,
        externalId: `ext-${++n}-${Date.now()}`,
        startsAt: new Date(input.startsAt),
        durationMinutes: input.durationMinutes ?? 30,
        type: input.type ?? 'follow-up',
        provider: input.provider ?? 'Dr. Ruiz',
        createdAt: input.now,
      })
      .returning();
    const planned = await planReminders(tx, a!.id, input.now);
    return { appointment: a!, reminders: planned };
  });
}

export async function moveAppointment(db: Database, appointmentId: string, startsAt: string | Date, now: Date) {
  await db.transaction(async (tx) => {
    await tx.update(appointments).set({ startsAt: new Date(startsAt), updatedAt: now }).where(eq(appointments.id, appointmentId));
    await planReminders(tx, appointmentId, now);
  });
}

export const remindersOfAppointment = (db: Database, appointmentId: string) =>
  db.select().from(reminders).where(eq(reminders.appointmentId, appointmentId)).orderBy(reminders.dueAt);

export const messageById = async (db: Database, id: string) => (await db.select().from(messages).where(eq(messages.id, id)))[0]!;

export const appointmentById = async (db: Database, id: string) => (await db.select().from(appointments).where(eq(appointments.id, id)))[0]!;
