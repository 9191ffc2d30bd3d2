import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { conversations, practices, users } from '../../src/platform/db/schema';
import { FakeClock } from '../../src/platform/clock';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor, userWithPassword } from '../helpers/fixtures';

let h: Harness;
let clock: FakeClock;
beforeAll(async () => {
  clock = new FakeClock('2026-01-05T14:00:00Z');
  h = await startHarness({ clock });
});
afterAll(() => h.close());

describe('conversation timers', () => {
  it('opens a snoozed conversation again at its time', async () => {
    const db = h.runtime.deps.db;
    const p = await makePractice(db);
    const token = await tokenFor(db, 'manager', p.id);
    const { conversation } = await makeConversation(db, p.id, { queue: 'general', at: clock.now() });
    const until = new Date(clock.now().getTime() + 2 * 3600_000);
    expect((await h.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, { token, body: { until: until.toISOString() } })).status).toBe(200);
    clock.advance(3600_000);
    await h.drain();
    expect((await db.select().from(conversations).where(eq(conversations.id, conversation.id)))[0]!.status).toBe('snoozed');
    clock.advance(3600_000);
    await h.drain();
    expect((await db.select().from(conversations).where(eq(conversations.id, conversation.id)))[0]!).toMatchObject({ status: 'open', snoozedUntil: null });
  });

  it("gives an offline assistant's unanswered conversations back after the practice's set time", async () => {
    const db = h.runtime.deps.db;
    const p = await makePractice(db);
    await db.update(practices).set({ settings: { offlineReturnMinutes: 20 } }).where(eq(practices.id, p.id));
    const away = await userWithPassword(db, 'assistant', [p.id], ['general']);
    const here = await userWithPassword(db, 'assistant', [p.id], ['general']);
    await db.update(users).set({ presence: 'available' }).where(eq(users.id, here.id));
    await db.update(users).set({ presence: 'away' }).where(eq(users.id, away.id));
    const { conversation } = await makeConversation(db, p.id, { queue: 'general', at: clock.now() });
    await db.update(conversations).set({ assigneeId: away.id, lastInboundAt: clock.now() }).where(eq(conversations.id, conversation.id));
    // away (not offline): nothing moves
    clock.advance(30 * 60_000);
    await h.drain();
    expect((await db.select().from(conversations).where(eq(conversations.id, conversation.id)))[0]!.assigneeId).toBe(away.id);
    // offline for long enough: it goes to the available assistant
    await db.update(users).set({ presence: 'offline' }).where(eq(users.id, away.id));
    clock.advance(2 * 60_000);
    await h.drain();
    clock.advance(60_000);
    await h.drain();
    expect({ away: away.id, now: (await db.select().from(conversations).where(eq(conversations.id, conversation.id)))[0]!.assigneeId }).toEqual({ away: away.id, now: here.id });
  });
});
