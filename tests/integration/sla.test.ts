import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { auditEvents, conversations, queues, users } from '../../src/platform/db/schema';
import { startSla } from '../../src/inbox/sla';
import { FakeClock } from '../../src/platform/clock';
import { availableQueues, startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, userWithPassword } from '../helpers/fixtures';

describe.each(availableQueues())('SLA timers on %s', (kind) => {
  let h: Harness;
  let clock: FakeClock;
  beforeAll(async () => {
    // Monday 2026-01-05 09:00 in New York
    clock = new FakeClock('2026-01-05T14:00:00Z');
    h = await startHarness({ queue: kind, clock });
  });
  afterAll(() => h.close());

  const actions = async (conversationId: string) =>
    (await h.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.subjectId, conversationId))).map((a) => a.action);

  it('warns before the due time and escalates at the breach, counting business hours', async () => {
    const db = h.runtime.deps.db;
    clock.set('2026-01-05T14:00:00Z');
    const p = await makePractice(db);
    const a = await userWithPassword(db, 'assistant', [p.id], ['refills']);
    const b = await userWithPassword(db, 'assistant', [p.id], ['refills']);
    await userWithPassword(db, 'manager', [p.id]);
    await db.update(users).set({ presence: 'available' }).where(inArray(users.id, [a.id, b.id]));
    const { conversation } = await makeConversation(db, p.id, { queue: 'refills', at: clock.now() });
    await db.update(conversations).set({ urgency: 'routine', assigneeId: a.id }).where(eq(conversations.id, conversation.id));
    const due = await startSla(db, conversation.id, clock.now());
    // 240 working minutes from 09:00 on a day open 08:00-17:00: 13:00 local
    expect(due!.toISOString()).toBe('2026-01-05T18:00:00.000Z');

    await h.drain();
    expect(await actions(conversation.id)).not.toContain('conversation.sla_warning');
    clock.set('2026-01-05T17:30:00Z');
    await h.drain();
    expect(await actions(conversation.id)).toContain('conversation.sla_warning');
    clock.set('2026-01-05T18:00:00Z');
    await h.drain();
    const [c] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c).toMatchObject({ priority: 10, assigneeId: b.id });
    const log = await actions(conversation.id);
    expect(log).toContain('conversation.sla_breach');
    expect(log.filter((x) => x === 'notification.sent')).toHaveLength(2);
  });

  it('does nothing when the conversation was answered in time', async () => {
    const db = h.runtime.deps.db;
    clock.set('2026-01-05T14:00:00Z');
    const p = await makePractice(db);
    const { conversation } = await makeConversation(db, p.id, { queue: 'billing', at: clock.now() });
    await db.update(conversations).set({ urgency: 'urgent' }).where(eq(conversations.id, conversation.id));
    const [billing] = await db.select().from(queues).where(and(eq(queues.practiceId, p.id), eq(queues.key, 'billing')));
    await db.update(queues).set({ sla: { urgent: { firstResponseMinutes: 20 } } }).where(eq(queues.id, billing!.id));
    const due = await startSla(db, conversation.id, clock.now());
    expect(due!.toISOString()).toBe('2026-01-05T14:20:00.000Z');
    await db.update(conversations).set({ firstResponseAt: new Date('2026-01-05T14:05:00Z') }).where(eq(conversations.id, conversation.id));
    clock.set('2026-01-05T15:00:00Z');
    await h.drain();
    const log = await actions(conversation.id);
    expect(log).not.toContain('conversation.sla_warning');
    expect(log).not.toContain('conversation.sla_breach');
  });
});
